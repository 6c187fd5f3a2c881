"""The welcome once an account's address is confirmed for the first time.

Said after confirmation, not at sign-up: the page right after sign-up must look
the same whether or not the address already had an account (SPEC, "Accounts and
sign-in"), and only a new account has a tenant to welcome its owner to.
"""

from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.dispatch import receiver
from django.utils.translation import gettext

from console.onboarding.selectors import signup_tenant

DISPATCH_UID = "onboarding-welcome"


@receiver(email_confirmed, dispatch_uid=DISPATCH_UID)
def welcome_on_first_confirmation(sender, request=None, email_address=None, **kwargs):
    user = getattr(email_address, "user", None)
    # Never signed in yet: this is the confirmation that completes sign-up
    # (a changed address is confirmed by someone already signed in).
    if request is None or user is None or user.last_login is not None:
        return
    tenant = signup_tenant(user=user)
    if tenant is not None:
        messages.success(
            request,
            gettext("Welcome! Your development tenant “%(name)s” is ready.")
            % {"name": tenant.name},
        )
