from allauth.account import forms as allauth_forms
from django import forms

from console.accounts.models import Segment


class SegmentForm(forms.Form):
    """The Get started question, asked when the user skipped it at sign-up."""

    segment = forms.ChoiceField(
        label="What describes you best?",
        choices=Segment.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose the option that describes you best."},
    )


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """allauth's "choose a new password" form, in the console's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "Confirm new password"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    """allauth's "change password" form, in the console's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "Confirm new password"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
