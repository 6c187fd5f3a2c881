from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.internal import flows
from allauth.account.models import Login
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from console.accounts.models import Segment, available_time_zones


class SegmentForm(forms.Form):
    """The Get started question, asked when the user skipped it at sign-up."""

    segment = forms.ChoiceField(
        label=_("What describes you best?"),
        choices=Segment.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose the option that describes you best.")},
    )


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """allauth's "choose a new password" form, in the console's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("Confirm new password")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    """allauth's "change password" form, in the console's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = _("Current password")
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("Confirm new password")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_time_zones())]


class PreferencesForm(forms.Form):
    """The account's language and time zone (/accounts/preferences/)."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The console and the emails sent to you use it."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Dates and times on the pages are shown in it."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language, zone = self.fields["language"], self.fields["time_zone"]
        assert isinstance(language, forms.ChoiceField) and isinstance(zone, forms.ChoiceField)
        language.choices = [("", _("Same as my browser")), *settings.LANGUAGES]
        zone.choices = time_zone_choices()


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form, except that a code still valid is no reason to refuse.

    allauth refuses a right password with "too many attempts" (429) when the
    address is unconfirmed and a new code may not be sent yet (one per 10 s).
    When the code mailed moments ago still works, sign-in goes on to "Confirm
    your email" and reuses it (``AccountAdapter.should_send_confirmation_mail``);
    when none does, the refusal says why.
    The rest is allauth's ``_clean_with_password`` as it is (django-allauth 65.x).
    """

    def _clean_with_password(self, credentials: dict):
        adapter = get_adapter(self.request)
        user = adapter.authenticate(self.request, **credentials)
        if not user:
            login_method = flows.login.derive_login_method(login=self.cleaned_data["login"])
            raise adapter.validation_error(f"{login_method.value}_password_mismatch")
        login = Login(user=user, email=credentials.get("email"))
        if flows.login.is_login_rate_limited(
            self.request, login
        ) and not adapter.confirmation_code_still_valid(user=user, email=credentials.get("email")):
            # No code to reuse (three wrong ones voided it): say why, in plain words.
            raise forms.ValidationError(
                _(
                    "A code was sent to this address moments ago. Wait a few seconds, then "
                    "sign in again to get a new one."
                ),
                code="too_many_login_attempts",
            )
        self._login = login
        self.user = user
        return self.cleaned_data
