import re

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        label=_("Email addresses"),
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "ana@example.com, li@example.com",
            }
        ),
        error_messages={"required": NO_ADDRESS_MESSAGE},
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.COLLABORATOR,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role: Admin or Collaborator.")},
    )
    confirm_admin = forms.BooleanField(
        label=_("I understand that admins can do all of the above."),
        required=False,
    )
    # The language of the invitation emails (default: the inviter's, set by the view).
    email_language = forms.ChoiceField(
        label=_("Email language"),
        choices=settings.LANGUAGES,
        required=False,  # not sent: the inviter's current language (the view)
        help_text=_("The invitation emails are written in it."),
    )
    # The monthly cost the admin was shown (Pro): sending goes ahead only when
    # it still matches what the submission costs.
    reviewed_cost = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: the count is formatted for the current language (1,000 / 1.000).
        count = number_format(MAX_ADDRESSES_PER_SUBMISSION, force_grouping=True)
        self.fields["emails"].help_text = gettext(
            "Separate addresses with commas, spaces or new lines; up to %(count)s at a time."
        ) % {"count": count}

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
                _("Confirm that the people you invite should be admins, or choose Collaborator."),
            )
        return cleaned


class InviteRequestForm(forms.Form):
    """**Request invitations** (collaborators): addresses only; the role is Collaborator."""

    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": NO_ADDRESS_MESSAGE},
        help_text=_("Separate addresses with commas, spaces or new lines. An admin approves."),
    )

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        validate_submission_size(addresses)
        return addresses


class RequestApproveForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, initial=Role.COLLABORATOR, required=False
    )
