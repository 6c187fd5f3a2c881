"""Writes for webhooks: endpoints (admins only) and the deliveries each activity entry makes.

Endpoint services lock the tenant and re-check there that the actor may
manage webhooks (``tenants.actors.actor_require``; the views check too, a
service is the last line), then lock the endpoint, and record their activity
entry in their own transaction, naming the URL without its query string or
user info (``redacted_url``): the entry is shown on the Activity tab and sent
to other webhooks, and a receiver's token often rides in the query. The
outbox follows the invitation email's: a delivery row is written in the
activity entry's transaction (``deliveries_for_events``, called by the signal
receiver) and enqueued on commit; the delivery record the worker claims,
records attempts on, fails and purges lives in ``console.webhooks.outbox``,
below this module and the tasks, so this module enqueues the tasks and the
tasks never import it.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.webhooks import selectors, tasks
from console.webhooks.activity import WebhookAction
from console.webhooks.guard import validate_webhook_url
from console.webhooks.models import (
    TEST_EVENT_TYPE,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    new_signing_secret,
    redacted_url,
)
from members.permissions import MANAGE_WEBHOOKS
from tenants.activity import activity_record
from tenants.activity_actions import activity_actions
from tenants.actors import Actor, actor_require
from tenants.models import ActivityEvent, Tenant

# Each endpoint multiplies every event into one more delivery.
MAX_ENDPOINTS_PER_TENANT = 10


# -- Endpoints (admins) ------------------------------------------------------------------------


def _require_manager(*, tenant_id: int, actor: Actor) -> Tenant:
    """Lock the tenant; ``actor`` must still be allowed to manage webhooks (``actor_require``)."""
    return actor_require(
        actor=actor,
        tenant_id=tenant_id,
        permission=MANAGE_WEBHOOKS,
        refusal=_("Only tenant admins can manage webhooks."),
    )


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [event for event in chosen if event not in activity_actions]
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
    *, tenant: Tenant, actor: Actor, url: str, events: Sequence[str], ip: str | None = None
) -> WebhookEndpoint:
    """Create an endpoint with a new signing secret; the URL must pass the SSRF guard."""
    url, events = _clean_url(url), _clean_events(events)
    # The tenant lock also keeps two admins from both adding the tenth endpoint.
    _require_manager(tenant_id=tenant.pk, actor=actor)
    if tenant.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_TENANT:
        raise ValidationError(
            _("A tenant can have at most %(max)s webhooks.") % {"max": MAX_ENDPOINTS_PER_TENANT}
        )
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=url, events=events)
    activity_record(
        tenant=tenant,
        action=WebhookAction.CREATED,
        details={"url": redacted_url(url), "events": events},
        ip=ip,
        **actor.recorded_as,
    )
    return endpoint


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def webhook_endpoint_change(
    *,
    endpoint: WebhookEndpoint,
    actor: Actor,
    url: str,
    events: Sequence[str],
    ip: str | None = None,
) -> WebhookEndpoint:
    """Change the URL and events; the entry lists what changed (nothing changed: no entry)."""
    url, events = _clean_url(url), _clean_events(events)  # DNS: before the lock
    _require_manager(tenant_id=endpoint.tenant_id, actor=actor)
    locked = _locked(endpoint)
    details: dict = {}
    if locked.url != url:
        details.update(old_url=redacted_url(locked.url), new_url=redacted_url(url))
    if locked.events != events:
        details.update(old_events=locked.events, new_events=events)
    if not details:
        return locked
    locked.url, locked.events = url, events
    locked.save(update_fields=["url", "events"])
    activity_record(
        tenant=endpoint.tenant,
        action=WebhookAction.CHANGED,
        details=details,
        ip=ip,
        **actor.recorded_as,
    )
    return locked


@transaction.atomic
def webhook_endpoint_delete(
    *, endpoint: WebhookEndpoint, actor: Actor, ip: str | None = None
) -> None:
    """Delete the endpoint with its deliveries and attempts."""
    _require_manager(tenant_id=endpoint.tenant_id, actor=actor)
    locked = _locked(endpoint)
    activity_record(
        tenant=endpoint.tenant,
        action=WebhookAction.DELETED,
        details={"url": locked.shown_url},
        ip=ip,
        **actor.recorded_as,
    )
    locked.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor: Actor, ip: str | None = None
) -> str:
    """Give the endpoint a new signing secret and return it (shown once).

    The old secret stops at once: deliveries still pending are signed with
    the new one when they go out.
    """
    _require_manager(tenant_id=endpoint.tenant_id, actor=actor)
    locked = _locked(endpoint)
    locked.secret = new_signing_secret()
    locked.save(update_fields=["secret"])
    activity_record(
        tenant=endpoint.tenant,
        action=WebhookAction.CHANGED,
        details={"url": locked.shown_url, "secret": "rotated"},
        ip=ip,
        **actor.recorded_as,
    )
    return locked.secret


@transaction.atomic
def webhook_endpoint_enable(
    *, endpoint: WebhookEndpoint, actor: Actor, ip: str | None = None
) -> WebhookEndpoint:
    """Re-enable a disabled endpoint with a fresh failure count.

    Its deliveries left pending when it was disabled go out again (the sweep
    takes them), so nothing recorded meanwhile is lost.
    """
    _require_manager(tenant_id=endpoint.tenant_id, actor=actor)
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
        action=WebhookAction.CHANGED,
        details={"url": locked.shown_url, "enabled": True},
        ip=ip,
        **actor.recorded_as,
    )
    transaction.on_commit(lambda: tasks.enqueue_webhook_deliveries(selectors.pending_ids(locked)))
    return locked


@transaction.atomic
def webhook_send_test(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this endpoint (it needs to be enabled)."""
    _require_manager(tenant_id=endpoint.tenant_id, actor=actor)
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
            "data": {
                "tenant": endpoint.tenant.public_id,
                "sent_by": actor.user.email if actor.user else None,
            },
        },
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: tasks.enqueue_webhook_deliveries([delivery.pk]))
    return delivery


# -- The outbox writer: deliveries for activity entries ------------------------------------------


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
    transaction.on_commit(lambda: tasks.enqueue_webhook_deliveries(ids))
    return deliveries
