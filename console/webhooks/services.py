"""Writes for webhooks: endpoints (admins only), the delivery outbox, attempts, the purge.

Endpoint services re-check that the actor may manage webhooks in the tenant
(the views check too; a service is the last line) and record their activity
entry in their own transaction. The outbox follows the invitation email's:
a delivery row is written in the activity entry's transaction
(``deliveries_for_events``, called by the signal receiver), enqueued on
commit, claimed by the worker with one conditional UPDATE, and swept by beat
when its enqueue was lost or its worker died.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.webhooks import selectors
from console.webhooks.guard import validate_webhook_url
from console.webhooks.models import (
    TEST_EVENT_TYPE,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    new_signing_secret,
)
from console.webhooks.sending import Outcome
from members.permissions import MANAGE_WEBHOOKS
from tenants.activity import activity_record
from tenants.models import ActivityAction, ActivityEvent, ActorKind, Tenant

logger = logging.getLogger(__name__)

# Each endpoint multiplies every event into one more delivery.
MAX_ENDPOINTS_PER_TENANT = 10
PURGE_BATCH = 1000


# -- Settings read at call time, so tests can shorten them -------------------------------------


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8))


def disable_after_failures() -> int:
    return int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 50))


def retry_backoff(attempts: int) -> timedelta:
    """The wait after failed attempt ``attempts``: base × 4ⁿ⁻¹, at most 6 hours.

    With the default base of 30 s: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then
    6 h; the 8 attempts span about 15 hours, enough to ride out an outage of
    the receiver overnight.
    """
    base = float(getattr(settings, "WEBHOOK_RETRY_BACKOFF_SECONDS", 30))
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 6 * 3600))


# -- Endpoints (admins) ------------------------------------------------------------------------


def _require_manager(*, tenant: Tenant, actor) -> None:
    membership = tenant.memberships.filter(user=actor).first() if actor is not None else None
    if membership is None or not membership.can(MANAGE_WEBHOOKS):
        raise PermissionDenied(_("Only tenant admins can manage webhooks."))


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [event for event in chosen if event not in ActivityAction.values]
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}}
        )
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return chosen


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        validate_webhook_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    return url


@transaction.atomic
def webhook_endpoint_create(
    *, tenant: Tenant, actor, url: str, events: Sequence[str], ip: str | None = None
) -> WebhookEndpoint:
    """Create an endpoint with a new signing secret; the URL must pass the SSRF guard."""
    _require_manager(tenant=tenant, actor=actor)
    url, events = _clean_url(url), _clean_events(events)
    # Lock the tenant so two admins cannot both add the tenth endpoint.
    Tenant.objects.select_for_update().only("pk").get(pk=tenant.pk)
    if tenant.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_TENANT:
        raise ValidationError(
            _("A tenant can have at most %(max)s webhooks.") % {"max": MAX_ENDPOINTS_PER_TENANT}
        )
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=url, events=events)
    activity_record(
        tenant=tenant,
        action=ActivityAction.WEBHOOK_CREATED,
        actor=actor,
        details={"url": url, "events": events},
        ip=ip,
    )
    return endpoint


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def webhook_endpoint_change(
    *, endpoint: WebhookEndpoint, actor, url: str, events: Sequence[str], ip: str | None = None
) -> WebhookEndpoint:
    """Change the URL and events; the entry lists what changed (nothing changed: no entry)."""
    _require_manager(tenant=endpoint.tenant, actor=actor)
    url, events = _clean_url(url), _clean_events(events)
    locked = _locked(endpoint)
    details: dict = {}
    if locked.url != url:
        details.update(old_url=locked.url, new_url=url)
    if locked.events != events:
        details.update(old_events=locked.events, new_events=events)
    if not details:
        return locked
    locked.url, locked.events = url, events
    locked.save(update_fields=["url", "events"])
    activity_record(
        tenant=endpoint.tenant,
        action=ActivityAction.WEBHOOK_CHANGED,
        actor=actor,
        details=details,
        ip=ip,
    )
    return locked


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor, ip: str | None = None) -> None:
    """Delete the endpoint with its deliveries and attempts."""
    _require_manager(tenant=endpoint.tenant, actor=actor)
    locked = _locked(endpoint)
    activity_record(
        tenant=endpoint.tenant,
        action=ActivityAction.WEBHOOK_DELETED,
        actor=actor,
        details={"url": locked.url},
        ip=ip,
    )
    locked.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor, ip: str | None = None
) -> str:
    """Give the endpoint a new signing secret and return it (shown once).

    The old secret stops at once: deliveries still pending are signed with
    the new one when they go out.
    """
    _require_manager(tenant=endpoint.tenant, actor=actor)
    locked = _locked(endpoint)
    locked.secret = new_signing_secret()
    locked.save(update_fields=["secret"])
    activity_record(
        tenant=endpoint.tenant,
        action=ActivityAction.WEBHOOK_CHANGED,
        actor=actor,
        details={"url": locked.url, "secret": "rotated"},
        ip=ip,
    )
    return locked.secret


@transaction.atomic
def webhook_endpoint_enable(
    *, endpoint: WebhookEndpoint, actor, ip: str | None = None
) -> WebhookEndpoint:
    """Re-enable a disabled endpoint with a fresh failure count.

    Its deliveries left pending when it was disabled go out again (the sweep
    takes them), so nothing recorded meanwhile is lost.
    """
    _require_manager(tenant=endpoint.tenant, actor=actor)
    locked = _locked(endpoint)
    if locked.enabled:
        return locked
    # The URL must still pass the guard (a rule may have changed since).
    _clean_url(locked.url)
    locked.enabled, locked.disabled_at, locked.consecutive_failures = True, None, 0
    locked.save(update_fields=["enabled", "disabled_at", "consecutive_failures"])
    WebhookDelivery.objects.filter(endpoint=locked, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now()
    )
    activity_record(
        tenant=endpoint.tenant,
        action=ActivityAction.WEBHOOK_CHANGED,
        actor=actor,
        details={"url": locked.url, "enabled": True},
        ip=ip,
    )
    transaction.on_commit(lambda: enqueue_webhook_deliveries(selectors.pending_ids(locked)))
    return locked


@transaction.atomic
def webhook_send_test(*, endpoint: WebhookEndpoint, actor) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this endpoint (it needs to be enabled)."""
    _require_manager(tenant=endpoint.tenant, actor=actor)
    locked = _locked(endpoint)
    if not locked.enabled:
        raise ValidationError(_("Re-enable this webhook before sending a test event."))
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=locked,
        event_type=TEST_EVENT_TYPE,
        payload={
            "type": TEST_EVENT_TYPE,
            "timestamp": now.isoformat(),
            "data": {"tenant": endpoint.tenant.public_id, "sent_by": actor.email},
        },
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: enqueue_webhook_deliveries([delivery.pk]))
    return delivery


# -- The outbox ----------------------------------------------------------------------------------


def event_payload(event: ActivityEvent, *, tenant_public_id: str) -> dict:
    """The Standard Webhooks body of an activity entry: ``type``, ``timestamp``, ``data``.

    The tenant's public id is passed in (from the endpoint's tenant): entries
    recorded in bulk by raw SQL (the expiry job) come without their tenant.
    """
    return {
        "type": event.action,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": event.pk,
            "tenant": tenant_public_id,
            "action": event.action,
            "actor": {"kind": event.actor_kind, "email": event.actor_email or None},
            "target": {"email": event.target_email or None},
            "details": event.details,
        },
    }


def deliveries_for_events(*, events: Sequence[ActivityEvent]) -> list[WebhookDelivery]:
    """Write one delivery per (entry × enabled endpoint that wants its action).

    Called inside the entries' transaction (the signal), so the deliveries
    commit or roll back with the change. Two queries whatever the number of
    entries: the endpoints of their tenants, one INSERT. The enqueue waits
    for the commit.
    """
    if not events:
        return []
    tenant_ids = {event.tenant_id for event in events}
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        tenant_id__in=tenant_ids, enabled=True
    ).select_related("tenant"):
        endpoints.setdefault(endpoint.tenant_id, []).append(endpoint)
    if not endpoints:
        return []
    now = timezone.now()
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event_type=event.action,
            payload=event_payload(event, tenant_public_id=endpoint.tenant.public_id),
            next_attempt_at=now,
            created_at=now,
        )
        for event in events
        for endpoint in endpoints.get(event.tenant_id, [])
        if endpoint.wants(event.action)
    ]
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: enqueue_webhook_deliveries(ids))
    return deliveries


def enqueue_webhook_deliveries(delivery_ids: Iterable[int]) -> int:
    """Enqueue one send task per delivery; a broker outage leaves the rest to the sweep."""
    from kombu.exceptions import OperationalError

    from console.webhooks.tasks import send_webhook  # tasks import services

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


SUCCEEDED, RETRY, FAILED = "succeeded", "retry", "failed"


@transaction.atomic
def webhook_delivery_record(
    *, delivery: WebhookDelivery, outcome: Outcome, attempted_at: datetime
) -> tuple[str, timedelta | None]:
    """Record one attempt and decide what follows: ``(SUCCEEDED|RETRY|FAILED, wait)``.

    A success resets the endpoint's failure count. A retryable failure (network,
    timeout, 5xx, 408, 429) goes back to pending after the backoff while
    attempts remain; anything else fails the delivery, and the endpoint's
    ``WEBHOOK_DISABLE_AFTER_FAILURES``-th failed delivery in a row disables it.
    """
    # Lock the delivery: deleting its endpoint meanwhile waits for this
    # transaction; one already deleted has nothing left to record on.
    if not WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).exists():
        return FAILED, None
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
        return SUCCEEDED, None
    if outcome.retryable and delivery.attempts < max_attempts():
        wait = retry_backoff(delivery.attempts)
        _ours(delivery).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now + wait, last_error=outcome.error
        )
        return RETRY, wait
    webhook_delivery_fail(delivery=delivery, error=outcome.error)
    return FAILED, None


def webhook_delivery_fail(*, delivery: WebhookDelivery, error: str) -> bool:
    """Fail the delivery for good and count it against its endpoint (may disable it)."""
    with transaction.atomic():
        failed = _ours(delivery).update(
            status=DeliveryStatus.FAILED, finished_at=timezone.now(), last_error=error[:500]
        )
        if not failed:
            return False
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        endpoint.consecutive_failures += 1
        endpoint.save(update_fields=["consecutive_failures"])
        if endpoint.enabled and endpoint.consecutive_failures >= disable_after_failures():
            _disable(endpoint=endpoint)
    return True


def _disable(*, endpoint: WebhookEndpoint) -> None:
    from console.webhooks.tasks import send_endpoint_disabled_email  # tasks import services

    endpoint.enabled, endpoint.disabled_at = False, timezone.now()
    endpoint.save(update_fields=["enabled", "disabled_at"])
    activity_record(
        tenant=endpoint.tenant,
        action=ActivityAction.WEBHOOK_CHANGED,
        actor_kind=ActorKind.SYSTEM,
        details={
            "url": endpoint.url,
            "enabled": False,
            "reason": f"{endpoint.consecutive_failures} failed deliveries in a row",
        },
    )
    logger.warning(
        "Webhook endpoint %s disabled after %d failed deliveries",
        endpoint.pk,
        endpoint.consecutive_failures,
    )
    transaction.on_commit(lambda: send_endpoint_disabled_email.delay(endpoint.pk))


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
