"""Celery tasks for invitations: thin, safe to repeat.

Below ``invitations.services``, which enqueues them: the tasks call the send
record (``invitations.outbox``) and expiry (``invitations.expiry``), never
the services, so neither imports the other back.
"""

import logging
import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from celery import shared_task
from django.core.cache import cache
from kombu.exceptions import OperationalError

from console.email_retry import (
    MAX_ATTEMPTS,
    PERMANENT,
    classify_send_error,
    describe,
    retry_countdown,
)
from console.mail import send_reusing_connection
from invitations import outbox, request_emails
from invitations.emails import invitation_email_message
from invitations.expiry import invitations_expire_stale, superseded_links_purge
from invitations.request_history import access_requests_purge_decided

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


# A bulk invite's emails go out this many to a task, one after the other over
# the worker's open SMTP connection: a task per email costs the broker and the
# worker about as much again as the email itself (bench/run's email_1000),
# and chunks this size still spread a batch over every worker process.
SEND_CHUNK = 20
# A chunk stops taking new emails after this long and hands the rest to a
# new task, well inside CELERY_TASK_SOFT_TIME_LIMIT even with a slow server.
CHUNK_SECONDS = 20


@dataclass(frozen=True)
class SendOutcome:
    """What one attempt at an invitation's email came to."""

    result: str  # "sent", "failed", "skipped" or "retry"
    countdown: float = 0  # "retry": in how many seconds
    error: Exception | None = None  # "retry": why


def _send_one(invitation_id: int, *, retries: int, max_retries: int) -> SendOutcome:
    """Claim, send and record one invitation's current email.

    The send is claimed with a conditional UPDATE first: if the invitation is
    no longer Pending, or its email was sent or is being sent by another
    worker, nothing happens. Connection errors and SMTP 4xx replies are
    released for a retry with backoff; 5xx replies and the last failed
    attempt mark the send failed ("Email failed" on the Invitations tab,
    Resend tries again).
    """
    invitation = outbox.invitation_email_claim(invitation_id=invitation_id)
    if invitation is None:
        return SendOutcome("skipped")
    if invitation.email_attempts > MAX_ATTEMPTS:
        # Claimed again and again after dying mid-send (e.g. a worker killed on
        # this very message): give up rather than loop forever.
        outbox.invitation_email_mark_failed(
            invitation=invitation, error=f"Gave up after {invitation.email_attempts - 1} attempts."
        )
        return SendOutcome("failed")
    try:
        send_reusing_connection(invitation_email_message(invitation))
    except Exception as error:
        kind = classify_send_error(error)
        out_of_retries = invitation.email_attempts >= MAX_ATTEMPTS or retries >= max_retries
        if kind == PERMANENT or out_of_retries:
            logger.warning(
                "Invitation %s email failed (%s): %s", invitation_id, kind, describe(error)
            )
            outbox.invitation_email_mark_failed(invitation=invitation, error=describe(error))
            return SendOutcome("failed")
        outbox.invitation_email_release(invitation=invitation, error=describe(error))
        countdown = retry_countdown(invitation.email_attempts)
        logger.info(
            "Invitation %s email will be retried in %ss: %s",
            invitation_id,
            countdown,
            describe(error),
        )
        return SendOutcome("retry", countdown, error)
    outbox.invitation_email_mark_sent(invitation=invitation)
    return SendOutcome("sent")


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_ATTEMPTS - 1,
    ignore_result=True,
)
def send_invitation_email(self, invitation_id: int) -> str:
    """Send the invitation's current email once (``_send_one``), retrying with backoff."""
    outcome = _send_one(invitation_id, retries=self.request.retries, max_retries=self.max_retries)
    if outcome.result == "retry":
        assert outcome.error is not None
        raise self.retry(countdown=outcome.countdown, exc=outcome.error) from outcome.error
    return outcome.result


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation_emails(invitation_ids: list[int]) -> int:
    """A chunk of a bulk invite's emails, each sent once (``_send_one``) in turn.

    An email that fails for now is retried on its own, as
    ``send_invitation_email`` with its backoff; after ``CHUNK_SECONDS`` the
    rest go to a new chunk. Returns how many were sent. Redelivered after a
    crash, a chunk skips what was sent or is still claimed (the sweep takes
    that one after its lease), like single sends.
    """
    started = time.monotonic()
    sent = 0
    for position, invitation_id in enumerate(invitation_ids):
        # Past its time, a chunk hands on the rest (it always sends one: progress).
        if position and time.monotonic() - started > CHUNK_SECONDS:
            _enqueue(send_invitation_emails, list(invitation_ids[position:]))
            break
        outcome = _send_one(invitation_id, retries=0, max_retries=MAX_ATTEMPTS - 1)
        if outcome.result == "retry":
            _enqueue(send_invitation_email, invitation_id, countdown=outcome.countdown)
        sent += outcome.result == "sent"
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation_batch(invitation_ids: list[int]) -> int:
    """A bulk invite's sends: enqueued in chunks of ``SEND_CHUNK`` (``send_invitation_emails``).

    Enqueued once by the admin's request instead of once per address, and
    fanned out here so the worker pool still sends in parallel. Safe to
    repeat (each send claims its invitation); a broker error leaves the rest
    to the outbox sweep. Returns how many sends were enqueued.
    """
    enqueued = 0
    for first in range(0, len(invitation_ids), SEND_CHUNK):
        chunk = list(invitation_ids[first : first + SEND_CHUNK])
        if not _enqueue(send_invitation_emails, chunk):
            logger.warning(
                "%d invitation email(s) left for the outbox sweep", len(invitation_ids) - enqueued
            )
            break
        enqueued += len(chunk)
    return enqueued


def _enqueue(task, *args, countdown: float | None = None) -> bool:
    """Enqueue ``task``; False, with a warning, while the broker is down."""
    try:
        task.apply_async(args=args, countdown=countdown)
    except (OperationalError, ConnectionError, TimeoutError) as error:
        logger.warning("Broker unavailable: %s", error)
        return False
    return True


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


# -- Join and invite requests ---------------------------------------------------------------------

# An admin hears about new requests at most once an hour per tenant.
REQUEST_NOTICE_SECONDS = 60 * 60


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=5,
)
def send_request_notice_to_admins(tenant_id: int) -> int:
    """Tell each admin what is waiting, unless they were told in the last hour
    (``cache.add`` claims the hour, atomically in Redis); returns how many were told."""
    told = 0
    for user_id, message in request_emails.admin_notices(tenant_id=tenant_id):
        key = f"request-notice:{tenant_id}:{user_id}"
        try:
            first_this_hour = cache.add(key, 1, REQUEST_NOTICE_SECONDS)
        except Exception:  # the cache (Redis) is down: tell them rather than stay silent
            logger.warning("request notice: cache unavailable, sending", exc_info=True)
            first_this_hour = True
        if not first_this_hour:
            continue
        try:
            send_reusing_connection(message)
        except Exception:
            cache.delete(key)  # not told: the retry may tell them
            raise
        told += 1
    return told


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=5,
)
def send_request_outcome(request_id: int) -> int:
    """Tell the requester whether their request was approved or declined."""
    message = request_emails.outcome_message(request_id=request_id)
    if message is None:
        return 0
    return send_reusing_connection(message)


@shared_task(ignore_result=True)
def purge_decided_requests() -> int:
    """Beat: delete join and invite requests decided longer ago than the activity retention."""
    count = access_requests_purge_decided()
    if count:
        logger.info("Purged %d decided join/invite requests", count)
    return count
