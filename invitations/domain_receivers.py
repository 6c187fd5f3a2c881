"""Join by domain when a person signs in or confirms an address (allauth's signals).

Both moments run ``access_requests.domain_enroll``, which does nothing for an
unconfirmed address.
"""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in

from console.client_ip import client_ip
from invitations.access_requests import domain_enroll


def on_logged_in(sender, request, user, **kwargs) -> None:
    domain_enroll(user=user, ip=client_ip(request) if request is not None else None)


def on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    domain_enroll(user=email_address.user, ip=client_ip(request) if request is not None else None)


def connect_receivers() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="invitations-domain-enroll-login")
    email_confirmed.connect(on_email_confirmed, dispatch_uid="invitations-domain-enroll-confirm")
