"""Celery tasks for webhooks: thin and safe to repeat; the rules live in services."""

import logging
import smtplib

from celery import shared_task
from django.utils import timezone

from console.mail import send_reusing_connection
from console.webhooks import emails, selectors, sending, services

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# Retries waiting longer than this are left to the sweep instead of a Celery
# countdown: a message held for hours by a worker is lost with that worker,
# and on Redis it comes back after the visibility timeout anyway.
COUNTDOWN_LIMIT_SECONDS = 300


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_webhook(delivery_id: int) -> str:
    """Claim the delivery, POST it once, record the attempt, schedule the retry if any.

    A duplicate task finds nothing to claim and does nothing. The retry is a
    new task for the same delivery, claimable only once it is due.
    """
    delivery = services.webhook_delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.attempts > services.max_attempts():
        # Claimed again and again after dying mid-send: give up rather than loop.
        services.webhook_delivery_fail(
            delivery=delivery, error=f"Gave up after {delivery.attempts - 1} attempts."
        )
        return services.FAILED
    attempted_at = timezone.now()
    outcome = sending.post(
        url=delivery.endpoint.url,
        secret=delivery.endpoint.secret,
        msg_id=delivery.msg_id,
        payload=delivery.payload,
        timestamp=attempted_at,
    )
    result, wait = services.webhook_delivery_record(
        delivery=delivery, outcome=outcome, attempted_at=attempted_at
    )
    if result == services.RETRY and wait is not None:
        logger.info("Webhook delivery %s retried in %ss: %s", delivery_id, wait, outcome.error)
        if wait.total_seconds() <= COUNTDOWN_LIMIT_SECONDS:
            send_webhook.apply_async((delivery_id,), countdown=wait.total_seconds())
    elif result == services.FAILED:
        logger.warning("Webhook delivery %s failed: %s", delivery_id, outcome.error)
    return result


@shared_task(ignore_result=True)
def sweep_webhook_outbox() -> int:
    """Beat: enqueue deliveries that are due with no live task (lost enqueue, dead
    worker, a retry too far off for a countdown)."""
    due = list(
        selectors.deliveries_due()
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return services.enqueue_webhook_deliveries(due)


@shared_task(ignore_result=True)
def purge_webhook_history() -> int:
    """Beat: delete webhook attempts and finished deliveries older than 30 days."""
    count = services.webhook_history_purge_old()
    if count:
        logger.info("Purged %d webhook attempt/delivery rows older than 30 days", count)
    return count


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=5,
)
def send_endpoint_disabled_email(endpoint_id: int) -> int:
    """Tell the tenant's admins that an endpoint was disabled; returns how many were told."""
    told = 0
    for message in emails.endpoint_disabled_messages(endpoint_id=endpoint_id):
        send_reusing_connection(message)
        told += len(message.to)
    return told
