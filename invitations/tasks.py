"""Celery tasks for invitations: thin, safe to repeat; the rules live in services."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings

from console.mail import send_reusing_connection
from invitations import selectors, services
from invitations.emails import invitation_email_message

logger = logging.getLogger(__name__)

TRANSIENT = "transient"
PERMANENT = "permanent"
SWEEP_BATCH = 500


def classify_send_error(error: Exception) -> str:
    """SMTP 4xx replies and connection problems are worth retrying; 5xx replies are not."""
    if isinstance(error, smtplib.SMTPResponseException):
        return TRANSIENT if 400 <= error.smtp_code < 500 else PERMANENT
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return TRANSIENT if codes and all(400 <= code < 500 for code in codes) else PERMANENT
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TRANSIENT
    if isinstance(error, smtplib.SMTPException):
        return PERMANENT
    if isinstance(error, (ConnectionError, TimeoutError, OSError)):
        return TRANSIENT
    return PERMANENT


def retry_countdown(attempts: int) -> float:
    """Exponential backoff after attempt ``attempts``: 10, 20, 40, 80, 160 seconds.

    The longest wait plus the task time limit stays under the outbox lease,
    so the sweep never races a scheduled retry. The base
    (``INVITATION_EMAIL_RETRY_BACKOFF_SECONDS``, 10) is read at call time so
    tests can watch a whole series of retries in seconds.
    """
    base = float(getattr(settings, "INVITATION_EMAIL_RETRY_BACKOFF_SECONDS", 10))
    return min(base * 2 ** max(attempts - 1, 0), base * 16)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=services.MAX_EMAIL_ATTEMPTS - 1,
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
    invitation = services.invitation_email_claim(invitation_id=invitation_id)
    if invitation is None:
        return "skipped"
    if invitation.email_attempts > services.MAX_EMAIL_ATTEMPTS:
        # Claimed again and again after dying mid-send (e.g. a worker killed on
        # this very message): give up rather than loop forever.
        services.invitation_email_mark_failed(
            invitation=invitation, error=f"Gave up after {invitation.email_attempts - 1} attempts."
        )
        return "failed"
    try:
        send_reusing_connection(invitation_email_message(invitation))
    except Exception as error:
        kind = classify_send_error(error)
        out_of_retries = (
            invitation.email_attempts >= services.MAX_EMAIL_ATTEMPTS
            or self.request.retries >= self.max_retries
        )
        if kind == PERMANENT or out_of_retries:
            logger.warning(
                "Invitation %s email failed (%s): %s", invitation_id, kind, _describe(error)
            )
            services.invitation_email_mark_failed(invitation=invitation, error=_describe(error))
            return "failed"
        services.invitation_email_release(invitation=invitation, error=_describe(error))
        countdown = retry_countdown(invitation.email_attempts)
        logger.info(
            "Invitation %s email will be retried in %ss: %s",
            invitation_id,
            countdown,
            _describe(error),
        )
        raise self.retry(countdown=countdown, exc=error) from error
    services.invitation_email_mark_sent(invitation=invitation)
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation_batch(invitation_ids: list[int]) -> int:
    """A bulk invite's sends: enqueue one ``send_invitation_email`` per invitation.

    Enqueued once by the admin's request instead of once per address, and
    fanned out here so the worker pool still sends in parallel. Safe to repeat (each send
    claims its invitation); a broker error leaves the rest to the outbox sweep.
    """
    return services.enqueue_invitation_emails(invitation_ids)


@shared_task(ignore_result=True)
def expire_stale_invitations() -> int:
    """Beat: mark Pending invitations past their expiry as Expired (one UPDATE)."""
    count = services.invitations_expire_stale()
    if count:
        logger.info("Expired %d stale invitation(s)", count)
    return count


@shared_task(ignore_result=True)
def sweep_invitation_outbox() -> int:
    """Beat: re-enqueue invitation emails not yet delivered (lost enqueue, dead worker)."""
    due = list(selectors.invitation_outbox_due().values_list("pk", flat=True)[:SWEEP_BATCH])
    return services.enqueue_invitation_emails(due)
