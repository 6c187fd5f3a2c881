"""The members app's activity actions and how their details read (registered in ``apps.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.permissions import Role


class MemberAction(models.TextChoices):
    """Stored values: never renamed (the CSV, the API and webhooks carry them)."""

    JOINED = "member.joined", _("Member joined")
    ROLE_CHANGED = "member.role_changed", _("Role changed")
    REMOVED = "member.removed", _("Member removed")
    LEFT = "member.left", _("Member left")
    OWNERSHIP_TRANSFERRED = "member.ownership_transferred", _("Ownership transferred")


def role_words(role: str) -> str:
    """A role as people read it ('Admin'); an unknown stored value as it is, capitalised."""
    return str(Role(role).label) if role in Role.values else role.capitalize()


def as_role(details: dict) -> str:
    """'as Admin': the role a member joined, left or was removed with, or an invitation's."""
    return _("as %(role)s") % {"role": role_words(details["role"])}


def _joined(details: dict) -> str:
    if details.get("via") == "domain":
        return _("as %(role)s, through a verified domain") % {"role": role_words(details["role"])}
    if details.get("via") == "sso":
        return _("as %(role)s, through single sign-on") % {"role": role_words(details["role"])}
    return as_role(details)


def _role_change(details: dict) -> str:
    return f"{role_words(details['old_role'])} → {role_words(details['new_role'])}"


def _transfer(details: dict) -> str:
    return str(
        _("the giver left the tenant")
        if details["then"] == "leave"
        else _("the giver stayed as a collaborator")
    )


SUMMARIES = {
    MemberAction.JOINED: _joined,
    MemberAction.ROLE_CHANGED: _role_change,
    MemberAction.REMOVED: as_role,
    MemberAction.LEFT: as_role,
    MemberAction.OWNERSHIP_TRANSFERRED: _transfer,
}
