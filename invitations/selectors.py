"""Read paths for invitations."""

from django.utils import timezone

from invitations.models import Invitation, InvitationStatus


def pending_invitations_for_user(user):
    """Invitations addressed to the user's email that can still be accepted."""
    return (
        Invitation.objects.filter(
            email=user.email, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("tenant", "invited_by")
        .order_by("-sent_at")
    )
