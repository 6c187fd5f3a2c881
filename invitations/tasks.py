"""Celery tasks for invitations: thin, safe to repeat.

Below ``invitations.services``, which enqueues them: the tasks call the send
record (``invitations.outbox``) and expiry (``invitations.expiry``), never
the services, so neither imports the other back.
"""

import logging
from collections.abc import Iterable

from celery import shared_task
from kombu.exceptions import OperationalError

from console.email_retry import (
    MAX_ATTEMPTS,
    PERMANENT,
    classify_send_error,
    describe,
    retry_countdown,
)
from console.mail import send_reusing_connection
from invitations import outbox
from invitations.emails import invitation_email_message
from invitations.expiry import invitations_expire_stale, superseded_links_purge

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_ATTEMPTS - 1,
    ignore_result=True,
)
def send_invitation_email(self, invitation_id: int) -> str:
    """Send the invitation's current email once.

    The send is claimed with a conditional UPDATE first: if the invitation is
    no longer Pending, or its email was sent or is being sent by another
    worker, this run does nothing. Connection errors and SMTP 4xx replies are
    retried with backoff; 5xx replies and the last failed attempt mark the
    send failed ("Email failed" on the Invitations tab, Resend tries again).
    """
    invitation = outbox.invitation_email_claim(invitation_id=invitation_id)
    if invitation is None:
        return "skipped"
    if invitation.email_attempts > MAX_ATTEMPTS:
        # Claimed again and again after dying mid-send (e.g. a worker killed on
        # this very message): give up rather than loop forever.
        outbox.invitation_email_mark_failed(
            invitation=invitation, error=f"Gave up after {invitation.email_attempts - 1} attempts."
        )
        return "failed"
    try:
        send_reusing_connection(invitation_email_message(invitation))
    except Exception as error:
        kind = classify_send_error(error)
        out_of_retries = (
            invitation.email_attempts >= MAX_ATTEMPTS or self.request.retries >= self.max_retries
        )
        if kind == PERMANENT or out_of_retries:
            logger.warning(
                "Invitation %s email failed (%s): %s", invitation_id, kind, describe(error)
            )
            outbox.invitation_email_mark_failed(invitation=invitation, error=describe(error))
            return "failed"
        outbox.invitation_email_release(invitation=invitation, error=describe(error))
        countdown = retry_countdown(invitation.email_attempts)
        logger.info(
            "Invitation %s email will be retried in %ss: %s",
            invitation_id,
            countdown,
            describe(error),
        )
        raise self.retry(countdown=countdown, exc=error) from error
    outbox.invitation_email_mark_sent(invitation=invitation)
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation_batch(invitation_ids: list[int]) -> int:
    """A bulk invite's sends: enqueue one ``send_invitation_email`` per invitation.

    Enqueued once by the admin's request instead of once per address, and
    fanned out here so the worker pool still sends in parallel. Safe to repeat (each send
    claims its invitation); a broker error leaves the rest to the outbox sweep.
    """
    return enqueue_invitation_emails(invitation_ids)


@shared_task(ignore_result=True)
def expire_stale_invitations() -> int:
    """Beat: mark Pending invitations past their expiry as Expired (one UPDATE)."""
    count = invitations_expire_stale()
    if count:
        logger.info("Expired %d stale invitation(s)", count)
    return count


@shared_task(ignore_result=True)
def sweep_invitation_outbox() -> int:
    """Beat: re-enqueue invitation emails not yet delivered (lost enqueue, dead worker)."""
    due = list(outbox.invitation_outbox_due().values_list("pk", flat=True)[:SWEEP_BATCH])
    return enqueue_invitation_emails(due)


def enqueue_invitation_batch(invitation_ids: list[int]) -> int:
    """Enqueue the sends of ``invitation_ids`` after a commit; returns the tasks enqueued.

    One send is enqueued directly. More go as one ``send_invitation_batch``
    task that enqueues each send from the worker, so the admin's request waits
    for one round trip to the broker instead of one per address (measured by
    ``enqueue_1000`` in bench/run). Each send still claims its invitation, so
    a batch task run twice sends nothing twice, and the outbox sweep covers a
    batch task that never ran.
    """
    if len(invitation_ids) <= 1:
        return enqueue_invitation_emails(invitation_ids)
    try:
        send_invitation_batch.delay(list(invitation_ids))
    except (OperationalError, ConnectionError, TimeoutError) as error:
        logger.warning(
            "Broker unavailable, %d invitation email(s) left for the outbox sweep: %s",
            len(invitation_ids),
            error,
        )
        return 0
    return 1


def enqueue_invitation_emails(invitation_ids: Iterable[int]) -> int:
    """Enqueue one send task per invitation; returns how many were enqueued.

    The send record is already committed, so a broker outage must not fail
    the admin's request: log it and stop; the beat sweep enqueues the rest.
    """
    enqueued = 0
    invitation_ids = list(invitation_ids)
    for invitation_id in invitation_ids:
        try:
            send_invitation_email.delay(invitation_id)
        except (OperationalError, ConnectionError, TimeoutError) as error:
            logger.warning(
                "Broker unavailable, %d invitation email(s) left for the outbox sweep: %s",
                len(invitation_ids) - enqueued,
                error,
            )
            break
        enqueued += 1
    return enqueued


@shared_task(ignore_result=True)
def purge_superseded_links() -> int:
    """Beat: delete superseded-link records past their invitation's expiry, in batches."""
    count = superseded_links_purge()
    if count:
        logger.info("Purged %d superseded link record(s)", count)
    return count
