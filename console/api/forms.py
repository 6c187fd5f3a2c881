from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from console.api.models import ApiScope
from console.api.services import NAME_MAX_LENGTH

# Offered lifetimes (days); "" keeps the key until it is revoked.
EXPIRY_CHOICES = [
    ("", _("No expiry")),
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What uses the key, e.g. “HR system”."),
        error_messages={"required": _("Give the key a name.")},
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiScope.choices,
        initial=ApiScope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "A SCIM key is for an identity provider (Okta, Entra ID) creating and removing "
            "members; it works nowhere else."
        ),
        error_messages={"required": _("Choose Read, Read and write, or SCIM.")},
    )
    expires_in = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)

    def expires_after(self) -> timedelta | None:
        days = self.cleaned_data.get("expires_in")
        return timedelta(days=int(days)) if days else None
