"""Celery tasks for webhooks: thin and safe to repeat.

Below ``console.webhooks.services``, which enqueues them: the tasks call the
delivery record (``console.webhooks.outbox``), never the services, so neither
imports the other back.
"""

import logging
import smtplib
from collections.abc import Iterable

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from console.mail import send_reusing_connection
from console.webhooks import emails, outbox, selectors, sending

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
    new task for the same delivery, claimable only once it is due. A failure
    that disables the endpoint emails the tenant's admins once it commits.
    """
    delivery = outbox.webhook_delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.attempts > outbox.max_attempts():
        # Claimed again and again after dying mid-send: give up rather than loop.
        recorded = outbox.webhook_delivery_fail(
            delivery=delivery, error=f"Gave up after {delivery.attempts - 1} attempts."
        )
        _tell_admins_if_disabled(recorded, endpoint_id=delivery.endpoint_id)
        return outbox.FAILED
    attempted_at = timezone.now()
    outcome = sending.post(
        url=delivery.endpoint.url,
        secret=delivery.endpoint.secret,
        msg_id=delivery.msg_id,
        payload=delivery.payload,
        timestamp=attempted_at,
    )
    recorded = outbox.webhook_delivery_record(
        delivery=delivery, outcome=outcome, attempted_at=attempted_at
    )
    _tell_admins_if_disabled(recorded, endpoint_id=delivery.endpoint_id)
    wait = recorded.wait
    if recorded.result == outbox.RETRY and wait is not None:
        logger.info("Webhook delivery %s retried in %ss: %s", delivery_id, wait, outcome.error)
        if wait.total_seconds() <= COUNTDOWN_LIMIT_SECONDS:
            send_webhook.apply_async((delivery_id,), countdown=wait.total_seconds())
    elif recorded.result == outbox.FAILED:
        logger.warning("Webhook delivery %s failed: %s", delivery_id, outcome.error)
    return recorded.result


def _tell_admins_if_disabled(recorded: outbox.Recorded, *, endpoint_id: int) -> None:
    if recorded.endpoint_disabled:
        transaction.on_commit(lambda: send_endpoint_disabled_email.delay(endpoint_id))


@shared_task(ignore_result=True)
def sweep_webhook_outbox() -> int:
    """Beat: enqueue deliveries that are due with no live task (lost enqueue, dead
    worker, a retry too far off for a countdown)."""
    due = list(
        selectors.deliveries_due()
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return enqueue_webhook_deliveries(due)


def enqueue_webhook_deliveries(delivery_ids: Iterable[int]) -> int:
    """Enqueue one send task per delivery; returns how many were enqueued.

    The deliveries are already committed, so a broker outage must not fail the
    change that wrote them: log it and stop; the beat sweep enqueues the rest.
    """
    delivery_ids = list(delivery_ids)
    enqueued = 0
    for delivery_id in delivery_ids:
        try:
            send_webhook.delay(delivery_id)
        except (OperationalError, ConnectionError, TimeoutError) as error:
            logger.warning(
                "Broker unavailable, %d webhook delivery(ies) left for the sweep: %s",
                len(delivery_ids) - enqueued,
                error,
            )
            break
        enqueued += 1
    return enqueued


@shared_task(ignore_result=True)
def purge_webhook_history() -> int:
    """Beat: delete webhook attempts and finished deliveries older than 30 days."""
    count = outbox.webhook_history_purge_old()
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
