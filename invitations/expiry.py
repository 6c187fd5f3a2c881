"""Expiry: a Pending invitation past ``expires_at`` becomes Expired.

Below the services and the tasks (imports only the models), so the beat
task, the ``expire_invitations`` command and ``invitation_create_bulk`` share
one UPDATE.
"""

from django.utils import timezone

from invitations.models import Invitation, InvitationStatus


def invitations_expire_stale(*, tenant=None, now=None) -> int:
    """Mark every Pending invitation past its expiry as Expired: one set-based UPDATE.

    The filter matches the partial index on ``expires_at`` where status is
    pending; ``tenant`` narrows it to one tenant. Returns how many were marked.
    """
    stale = Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=now or timezone.now()
    )
    if tenant is not None:
        stale = stale.filter(tenant=tenant)
    return stale.update(status=InvitationStatus.EXPIRED)
