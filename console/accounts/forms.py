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
