from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from console.sso.services import NEEDS_METADATA


class OidcConnectionForm(forms.Form):
    """The OpenID Connect connection: the service checks the issuer (discovery)."""

    issuer = forms.URLField(
        label=_("Issuer URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Its /.well-known/openid-configuration must answer, e.g. https://example.okta.com."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_id = forms.CharField(
        label=_("Client ID"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=1000,
        required=False,
        help_text=_("Stored encrypted and never shown again."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_secret:
            self.fields["client_secret"].help_text = _(
                "Stored encrypted and never shown again. Leave empty to keep it."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))


class SamlConnectionForm(forms.Form):
    """The SAML 2.0 connection: the identity provider's metadata, by URL or pasted.

    The service reads and checks it (``console.sso.saml_metadata``)."""

    metadata_url = forms.URLField(
        label=_("IdP metadata URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_(
            "Read once when you save, e.g. https://example.okta.com/app/…/sso/saml/metadata."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    metadata_xml = forms.CharField(
        label=_("Or the IdP metadata XML"),
        required=False,
        max_length=512 * 1024,
        help_text=_("Paste it if your identity provider offers a file instead of a URL."),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "font-monospace"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save_saml", _("Save")))

    def clean(self):
        cleaned = super().clean() or {}
        given = cleaned.get("metadata_url") or (cleaned.get("metadata_xml") or "").strip()
        if not given and not self.errors:
            raise forms.ValidationError(NEEDS_METADATA)
        return cleaned


class SsoSignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
