"""Reads for webhooks: the tab, the outbox sweep, who to tell."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from members.permissions import MANAGE_WEBHOOKS, ROLE_PERMISSIONS

RECENT_ATTEMPTS = 10
SWEEP_GRACE = timedelta(seconds=60)  # a fresh enqueue gets this long before the sweep steps in


def lease() -> timedelta:
    """A claim older than this belongs to a dead worker (above the task time limit)."""
    return timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)


def endpoints_for_tab(*, tenant) -> list[WebhookEndpoint]:
    """The tenant's endpoints, each with its latest attempts in ``recent_attempts``.

    Two queries whatever the number of endpoints and attempts: endpoints,
    then the newest attempts of each through a window function, not every
    attempt ever made.
    """
    endpoints = list(tenant.webhook_endpoints.all())
    if not endpoints:
        return endpoints
    ranked = WebhookAttempt.objects.filter(endpoint__in=endpoints).order_by("-attempted_at", "-pk")
    recent = _newest_per_endpoint(ranked)
    by_endpoint: dict[int, list[WebhookAttempt]] = {}
    for attempt in recent:
        by_endpoint.setdefault(attempt.endpoint_id, []).append(attempt)
    for endpoint in endpoints:
        endpoint.recent_attempts = by_endpoint.get(endpoint.pk, [])
    return endpoints


def _newest_per_endpoint(queryset):
    return (
        queryset.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("endpoint_id")],
                order_by=[F("attempted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=RECENT_ATTEMPTS)
        .select_related("delivery")
        .only(
            "endpoint_id",
            "attempted_at",
            "status_code",
            "duration_ms",
            "error",
            "delivery__event_type",
            "delivery__msg_id",
        )
    )


def endpoint_in_tenant(*, tenant, pk: int) -> WebhookEndpoint:
    """The tenant's endpoint ``pk``, or 404: another tenant's id is not found."""
    return get_object_or_404(WebhookEndpoint.objects.select_related("tenant"), tenant=tenant, pk=pk)


def pending_ids(endpoint: WebhookEndpoint) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )


def deliveries_due(*, now=None):
    """Deliveries with no live task: pending and due for longer than the grace
    (their enqueue was lost, or their retry is due), or claimed by a worker
    longer ago than the lease (it died). Endpoints that are disabled wait."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(endpoint__enabled=True).filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease())
    )


def admin_emails(*, tenant) -> list[str]:
    """Who is told about the tenant's webhooks: members whose role manages them."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if MANAGE_WEBHOOKS in perms]
    return list(
        tenant.memberships.filter(role__in=roles)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def any_endpoint_wants(action: str) -> bool:
    """Whether any enabled endpoint, in any tenant, is subscribed to ``action``."""
    if connection.vendor == "postgresql":
        return WebhookEndpoint.objects.filter(enabled=True, events__contains=[action]).exists()
    # SQLite has no JSON containment lookup; local databases hold few endpoints.
    return any(
        action in events
        for events in WebhookEndpoint.objects.filter(enabled=True).values_list("events", flat=True)
    )


def admin_recipients(*, tenant) -> list[tuple[str, str, str]]:
    """(email, language, time zone) of the members told about the tenant's webhooks."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if MANAGE_WEBHOOKS in perms]
    return list(
        tenant.memberships.filter(role__in=roles)
        .order_by("user__email")
        .values_list("user__email", "user__language", "user__time_zone")
    )
