"""The invitation email's send record (the outbox): its lease, what is due, and its claims.

Each Pending invitation carries the state of its current email
(``email_status``, ``email_attempts``, ``email_claimed_at``). The send task
claims it with one conditional UPDATE, so one send is delivered once; the
beat sweep re-enqueues what is due. Below the services and the tasks: imports
only the models and the activity log.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console import page_cache
from invitations.activity import InvitationAction
from invitations.models import EmailStatus, Invitation, InvitationStatus
from tenants.activity import activity_record


def email_lease() -> timedelta:
    """A claim older than the lease belongs to a worker that died mid-send.

    ``INVITATION_EMAIL_LEASE_SECONDS`` (its default is in settings only): longer
    than the task time limit (a live send is never taken over) and than the
    longest retry backoff (a scheduled retry is not raced by the sweep), as
    the system check ``invitations.checks`` makes sure.
    """
    return timedelta(seconds=settings.INVITATION_EMAIL_LEASE_SECONDS)


# A fresh send is enqueued on commit; the sweep leaves it that long before
# assuming the enqueue was lost (broker down).
EMAIL_SWEEP_GRACE = timedelta(seconds=60)


def invitation_outbox_due(*, now=None):
    """Invitations whose current email is not delivered and has no live worker on it.

    Queued sends older than the sweep grace (their enqueue may have been lost
    to a broker outage) or whose last attempt is older than the lease, and
    sends claimed by a worker longer ago than the lease (the worker died).
    """
    now = now or timezone.now()
    stale = now - email_lease()
    return Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__gt=now).filter(
        Q(
            email_status=EmailStatus.QUEUED,
            email_claimed_at__isnull=True,
            sent_at__lte=now - EMAIL_SWEEP_GRACE,
        )
        | Q(email_status=EmailStatus.QUEUED, email_claimed_at__lte=stale)
        | Q(email_status=EmailStatus.SENDING, email_claimed_at__lte=stale)
    )


def invitation_email_claim(*, invitation_id: int) -> Invitation | None:
    """Claim the invitation's current send for this worker, or None if it is not ours to send.

    One conditional UPDATE: only a queued send, or one whose claim is older
    than the lease (its worker died), of a Pending unexpired invitation can be
    claimed. A duplicate or redelivered task finds nothing to claim and does
    nothing, so one send is delivered once.
    """
    now = timezone.now()
    claimed = (
        Invitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.PENDING, expires_at__gt=now
        )
        .filter(
            Q(email_status=EmailStatus.QUEUED)
            | Q(
                email_status=EmailStatus.SENDING,
                email_claimed_at__lte=now - email_lease(),
            )
        )
        .update(
            email_status=EmailStatus.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Invitation.objects.select_related("tenant", "invited_by").get(pk=invitation_id)


def _ours(invitation: Invitation):
    """Our claim on this send: still sending, and still the same link (no Resend since)."""
    return Invitation.objects.filter(
        pk=invitation.pk, email_status=EmailStatus.SENDING, link_salt=invitation.link_salt
    )


def invitation_email_mark_sent(*, invitation: Invitation) -> bool:
    return bool(
        _ours(invitation).update(
            email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
        )
    )


def invitation_email_release(*, invitation: Invitation, error: str) -> bool:
    """A transient failure: the send goes back to the queue for the retry.

    ``email_claimed_at`` keeps the attempt's time, so the sweep leaves the
    send to the scheduled retry until the lease has passed.
    """
    return bool(_ours(invitation).update(email_status=EmailStatus.QUEUED, email_error=error[:500]))


@transaction.atomic
def invitation_email_mark_failed(*, invitation: Invitation, error: str) -> bool:
    """Refused permanently (SMTP 5xx) or out of retries: the tab shows "Email failed",
    and the activity log "invitation email failed" (actor System)."""
    failed = bool(
        _ours(invitation).update(email_status=EmailStatus.FAILED, email_error=error[:500])
    )
    if failed:
        # update() sends no post_save: the Invitations tab's "Email failed".
        page_cache.changed(tenants=[invitation.tenant_id])
        activity_record(
            tenant=invitation.tenant,
            action=InvitationAction.EMAIL_FAILED,
            target_email=invitation.email,
            details={"role": invitation.role, "error": error[:200]},
        )
    return failed
