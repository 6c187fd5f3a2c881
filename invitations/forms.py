import re

from django import forms

from invitations.selectors import MAX_ADDRESSES_PER_SUBMISSION
from members.models import Role

ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")
ADMIN_POWERS = "manage billing, invite and remove members, change roles, and delete the tenant"


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
        error_messages={"required": "Enter at least one email address."},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(Role.ADMIN, "Admin"), (Role.COLLABORATOR, "Collaborator")],
        initial=Role.COLLABORATOR,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role: Admin or Collaborator."},
    )
    confirm_admin = forms.BooleanField(
        label=f"I understand that admins can {ADMIN_POWERS}.",
        required=False,
    )
    # The monthly cost the admin was shown (Pro): sending goes ahead only when
    # it still matches what the submission costs.
    reviewed_cost = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        if not addresses:
            raise forms.ValidationError("Enter at least one email address.")
        if len(addresses) > MAX_ADDRESSES_PER_SUBMISSION:
            raise forms.ValidationError(
                f"You can invite at most {MAX_ADDRESSES_PER_SUBMISSION:,} addresses at a time; "
                f"this list has {len(addresses):,}. Split it and send the rest separately."
            )
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
