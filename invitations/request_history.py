"""Decided join and invite requests are kept as long as the activity log, then purged."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from invitations.models import AccessRequest, RequestStatus


def access_requests_purge_decided(
    *, now: datetime | None = None, retention_days: int | None = None
) -> int:
    """Delete requests decided more than ``ACTIVITY_RETENTION_DAYS`` ago (their
    activity entries go at the same age; open ones always stay); returns how
    many went. One DELETE along the partial index on ``decided_at``."""
    if retention_days is None:
        retention_days = settings.ACTIVITY_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=retention_days)
    deleted, _ = (
        AccessRequest.objects.exclude(status=RequestStatus.OPEN)
        .filter(decided_at__lt=cutoff)
        .delete()
    )
    return deleted
