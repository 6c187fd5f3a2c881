from allauth.account import forms as allauth_forms
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
