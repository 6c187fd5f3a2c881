"""The invitations app's activity actions and how their details read (registered in ``apps.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.activity import as_role, role_words


class InvitationAction(models.TextChoices):
    """Stored values: never renamed (the CSV, the API and webhooks carry them)."""

    SENT = "invitation.sent", _("Invitation sent")
    RESENT = "invitation.resent", _("Invitation resent")
    REVOKED = "invitation.revoked", _("Invitation revoked")
    DELETED = "invitation.deleted", _("Invitation deleted")
    ACCEPTED = "invitation.accepted", _("Invitation accepted")
    EXPIRED = "invitation.expired", _("Invitation expired")
    EMAIL_FAILED = "invitation.email_failed", _("Invitation email failed")
    # Requests (join and invite requests are ways in, like invitations).
    JOIN_REQUESTED = "join.requested", _("Join requested")
    JOIN_APPROVED = "join.approved", _("Join approved")
    JOIN_DECLINED = "join.declined", _("Join declined")
    REQUESTED = "invitation.requested", _("Invitation requested")
    REQUEST_APPROVED = "invitation.request_approved", _("Invitation request approved")
    REQUEST_DECLINED = "invitation.request_declined", _("Invitation request declined")


# An invitation's status inside a sentence ("as Admin, was revoked").
STATUS_WORDS = {
    "pending": pgettext_lazy("invitation status in a sentence", "pending"),
    "accepted": pgettext_lazy("invitation status in a sentence", "accepted"),
    "expired": pgettext_lazy("invitation status in a sentence", "expired"),
    "revoked": pgettext_lazy("invitation status in a sentence", "revoked"),
}


def _deleted(details: dict) -> str:
    return _("as %(role)s, was %(status)s") % {
        "role": role_words(details["role"]),
        "status": str(STATUS_WORDS.get(details["status"], details["status"])),
    }


def _email_failed(details: dict) -> str:
    return details["error"]


def _addresses(details: dict) -> str:
    return ", ".join(details["emails"])


SUMMARIES = {
    InvitationAction.SENT: as_role,
    InvitationAction.RESENT: as_role,
    InvitationAction.REVOKED: as_role,
    InvitationAction.DELETED: _deleted,
    InvitationAction.ACCEPTED: as_role,
    InvitationAction.EXPIRED: as_role,
    InvitationAction.EMAIL_FAILED: _email_failed,
    InvitationAction.JOIN_APPROVED: as_role,
    InvitationAction.REQUESTED: _addresses,
    InvitationAction.REQUEST_APPROVED: _addresses,
    InvitationAction.REQUEST_DECLINED: _addresses,
}
