from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _


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


class SsoSignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
