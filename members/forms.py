from django import forms

from members.models import Role
from members.services import TRANSFER_THEN_CHOICES


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        error_messages={
            "invalid_choice": "Choose Admin or Collaborator.",
            "required": "Choose a role.",
        },
    )


THEN_LABELS = {
    "stay": "Stay as collaborator",
    "leave": "Leave tenant",
}


class OwnershipTransferForm(forms.Form):
    then = forms.ChoiceField(
        label="And then",
        choices=[(value, THEN_LABELS[value]) for value in TRANSFER_THEN_CHOICES],
        widget=forms.RadioSelect,
        initial="stay",
        error_messages={
            "required": "Choose whether to stay as a collaborator or leave the tenant.",
            "invalid_choice": "Choose whether to stay as a collaborator or leave the tenant.",
        },
    )
