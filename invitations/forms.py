import re

from django import forms

from invitations.validators import (
    MAX_ADDRESSES_PER_SUBMISSION,
    NO_ADDRESS_MESSAGE,
    validate_submission_size,
)
from members.permissions import Role, role_description

ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def split_addresses(text: str) -> list[str]:
    """Addresses as typed, separated by commas, spaces or new lines (semicolons too)."""
    return [part for part in ADDRESS_SEPARATORS.split(text or "") if part]


class InviteForm(forms.Form):
    """Parses the invite form; the service decides which addresses can be invited."""

    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "ana@example.com, li@example.com",
            }
        ),
        help_text=(
            f"Separate addresses with commas, spaces or new lines; up to "
            f"{MAX_ADDRESSES_PER_SUBMISSION:,} at a time."
        ),
        error_messages={"required": NO_ADDRESS_MESSAGE},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.COLLABORATOR,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role: Admin or Collaborator."},
    )
    confirm_admin = forms.BooleanField(
        label="I understand that admins can do all of the above.",
        required=False,
    )
    # The monthly cost the admin was shown (Pro): sending goes ahead only when
    # it still matches what the submission costs.
    reviewed_cost = forms.CharField(required=False, widget=forms.HiddenInput)

    def role_options(self):
        """Each role's radio button with what the role may do, in ``members.permissions``' words."""
        return [(radio, role_description(radio.data["value"])) for radio in self["role"]]

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        validate_submission_size(addresses)
        return addresses

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("role") == Role.ADMIN and not cleaned.get("confirm_admin"):
            self.add_error(
                "confirm_admin",
                "Confirm that the people you invite should be admins, or choose Collaborator.",
            )
        return cleaned
