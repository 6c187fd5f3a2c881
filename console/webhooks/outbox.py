"""The webhook delivery record (the outbox): claims, attempts, failures, the purge.

A delivery row is written in its activity entry's transaction
(``services.deliveries_for_events``), enqueued on commit, claimed by the
worker with one conditional UPDATE, and swept by beat when its enqueue was
lost or its worker died. Below the services and the tasks, like
``invitations.outbox``: imports only the models, the selectors and the
activity log, so the services enqueue tasks and the tasks never import the
services. When a failure disables an endpoint the outbox says so (its return
value) and the task enqueues the email to the tenant's admins.
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console.webhooks import selectors
from console.webhooks.activity import WebhookAction
from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from console.webhooks.sending import Outcome
from tenants.activity import activity_record
from tenants.models import ActorKind

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000

SUCCEEDED, RETRY, FAILED = "succeeded", "retry", "failed"


class Recorded(NamedTuple):
    """What follows an attempt, or a failure."""

    result: str  # SUCCEEDED, RETRY or FAILED
    wait: timedelta | None = None  # before the retry (RETRY only)
    endpoint_disabled: bool = False  # this failure disabled the endpoint: tell its admins


# -- Settings read at call time, so tests can shorten them -------------------------------------


def max_attempts() -> int:
    return int(settings.WEBHOOK_MAX_ATTEMPTS)


def disable_after_failures() -> int:
    return int(settings.WEBHOOK_DISABLE_AFTER_FAILURES)


def retry_backoff(attempts: int) -> timedelta:
    """The wait after failed attempt ``attempts``: base × 4ⁿ⁻¹, at most 6 hours.

    With the default base of 30 s: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then
    6 h; the 8 attempts span about 15 hours, enough to ride out an outage of
    the receiver overnight.
    """
    base = float(settings.WEBHOOK_RETRY_BACKOFF_SECONDS)
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 6 * 3600))


# -- Claims and attempts -------------------------------------------------------------------------


def webhook_delivery_claim(*, delivery_id: int) -> WebhookDelivery | None:
    """Claim a delivery for this worker, or None if it is not ours to send.

    One conditional UPDATE: a pending delivery that is due, or one claimed
    longer ago than the lease (its worker died), of an enabled endpoint.
    A duplicate task, or one enqueued by the sweep while a retry is
    scheduled, finds nothing to claim.
    """
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, endpoint__enabled=True)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - selectors.lease())
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint__tenant").get(pk=delivery_id)


def _ours(delivery: WebhookDelivery):
    """The delivery, while this worker's claim on it stands."""
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
    )


@transaction.atomic
def webhook_delivery_record(
    *, delivery: WebhookDelivery, outcome: Outcome, attempted_at: datetime
) -> Recorded:
    """Record one attempt and decide what follows (``SUCCEEDED``, ``RETRY`` or ``FAILED``).

    A success resets the endpoint's failure count. A retryable failure (network,
    timeout, 5xx, 408, 429) goes back to pending after the backoff while
    attempts remain; anything else fails the delivery, and the endpoint's
    ``WEBHOOK_DISABLE_AFTER_FAILURES``-th failed delivery in a row disables it
    (``endpoint_disabled``).
    """
    # Lock the delivery: deleting its endpoint meanwhile waits for this
    # transaction; one already deleted has nothing left to record on.
    if not WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).exists():
        return Recorded(FAILED)
    WebhookAttempt.objects.create(
        delivery=delivery,
        endpoint_id=delivery.endpoint_id,
        attempted_at=attempted_at,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error[:500],
    )
    now = timezone.now()
    if outcome.succeeded:
        _ours(delivery).update(status=DeliveryStatus.SUCCEEDED, finished_at=now, last_error="")
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return Recorded(SUCCEEDED)
    if outcome.retryable and delivery.attempts < max_attempts():
        wait = retry_backoff(delivery.attempts)
        _ours(delivery).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now + wait, last_error=outcome.error
        )
        return Recorded(RETRY, wait)
    return webhook_delivery_fail(delivery=delivery, error=outcome.error)


def webhook_delivery_fail(*, delivery: WebhookDelivery, error: str) -> Recorded:
    """Fail the delivery for good and count it against its endpoint (may disable it).

    ``endpoint_disabled`` is true when this failure disabled the endpoint; the
    caller tells the tenant's admins once the transaction commits.
    """
    with transaction.atomic():
        failed = _ours(delivery).update(
            status=DeliveryStatus.FAILED, finished_at=timezone.now(), last_error=error[:500]
        )
        if not failed:
            return Recorded(FAILED)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        endpoint.consecutive_failures += 1
        endpoint.save(update_fields=["consecutive_failures"])
        if endpoint.enabled and endpoint.consecutive_failures >= disable_after_failures():
            _disable(endpoint=endpoint)
            return Recorded(FAILED, endpoint_disabled=True)
    return Recorded(FAILED)


def _disable(*, endpoint: WebhookEndpoint) -> None:
    endpoint.enabled, endpoint.disabled_at = False, timezone.now()
    endpoint.save(update_fields=["enabled", "disabled_at"])
    activity_record(
        tenant=endpoint.tenant,
        action=WebhookAction.CHANGED,
        actor_kind=ActorKind.SYSTEM,
        details={
            "url": endpoint.shown_url,
            "enabled": False,
            "reason": f"{endpoint.consecutive_failures} failed deliveries in a row",
        },
    )
    logger.warning(
        "Webhook endpoint %s disabled after %d failed deliveries",
        endpoint.pk,
        endpoint.consecutive_failures,
    )


# -- Purge ---------------------------------------------------------------------------------------


def webhook_history_purge_old(
    *, now: datetime | None = None, days: int = 30, batch_size: int = PURGE_BATCH
) -> int:
    """Delete attempts, and finished deliveries, older than ``days``; returns how many.

    In batches of ``batch_size`` primary keys, each DELETE committing on its
    own, so a large backlog never becomes one long lock.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = _delete_in_batches(
        WebhookAttempt.objects.filter(attempted_at__lt=cutoff), batch_size=batch_size
    )
    deleted += _delete_in_batches(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED], finished_at__lt=cutoff
        ),
        batch_size=batch_size,
    )
    # Left pending by an endpoint disabled a month ago and never re-enabled.
    deleted += _delete_in_batches(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, endpoint__enabled=False, created_at__lt=cutoff
        ),
        batch_size=batch_size,
    )
    return deleted


def _delete_in_batches(queryset, *, batch_size: int) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        count, _ = queryset.model.objects.filter(pk__in=ids).delete()
        deleted += count
