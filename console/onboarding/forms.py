"""The sign-up form allauth uses (``ACCOUNT_FORMS["signup"]``): it also creates the first tenant.

It lives in onboarding, not accounts, because sign-up creates a tenant and
carries a pending invitation through, and ``console.accounts`` imports no app.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.accounts.models import Segment
from console.onboarding.services import first_tenant_name
from invitations.views import invitation_in_session
from tenants.models import TenantType
from tenants.services import tenant_create


class SignupForm(AllauthSignupForm):
    """Name, email, password (twice) and, optionally, what describes the user.

    From an invitation link the email is the invited one: the field is
    disabled (a posted email is ignored), the address counts as confirmed
    (the link was mailed there) and no tenant of the invitee's own is made.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Optional. Shown to your teammates."),
    )
    segment = forms.ChoiceField(
        label=_("What describes you best?"),
        choices=Segment.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Optional. It only tailors the recommendations on Get started."),
    )
    field_order = ["name", "email", "password1", "password2", "segment"]

    def __init__(self, *args, fixed_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Email")
        email.help_text = _("You log in with it. We send a code to confirm it.")
        email.widget.attrs.pop("placeholder", None)
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        self.fields["password2"].label = _("Confirm password")
        self.fields["password2"].widget.attrs.pop("placeholder", None)
        if fixed_email:
            email.disabled = True
            email.initial = fixed_email
            email.help_text = _("The invitation was sent to this address.")
        else:
            email.widget.attrs["autofocus"] = True

    def try_save(self, request):
        """A taken address creates nothing (allauth emails its owner instead), yet costs the
        same password hash a new account does, so the answer's timing reveals nothing."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def save(self, request):
        """The account, its address and (unless invited) its Development tenant, or none of them."""
        invitation = invitation_in_session(request)
        invited = invitation is not None and invitation.email == self.cleaned_data.get("email")
        with transaction.atomic():
            if invited and invitation is not None:
                # The link proved the address: allauth records it as confirmed.
                get_adapter(request).stash_verified_email(request, invitation.email)
            user = super().save(request)
            if invitation is None:
                tenant_create(
                    owner=user,
                    name=first_tenant_name(name=user.name, email=user.email),
                    type=TenantType.DEVELOPMENT,
                )
        return user
