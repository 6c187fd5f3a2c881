from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Role
from members.services import TRANSFER_THEN_CHOICES


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        error_messages={
            "invalid_choice": _("Choose Admin or Collaborator."),
            "required": _("Choose a role."),
        },
    )


THEN_LABELS = {
    "stay": _("Stay as collaborator"),
    "leave": _("Leave tenant"),
}


class OwnershipTransferForm(forms.Form):
    then = forms.ChoiceField(
        label=_("And then"),
        choices=[(value, THEN_LABELS[value]) for value in TRANSFER_THEN_CHOICES],
        widget=forms.RadioSelect,
        initial="stay",
        error_messages={
            "required": _("Choose whether to stay as a collaborator or leave the tenant."),
            "invalid_choice": _("Choose whether to stay as a collaborator or leave the tenant."),
        },
    )
