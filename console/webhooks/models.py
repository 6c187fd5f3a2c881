"""Webhook endpoints, their deliveries (the outbox) and each delivery's attempts."""

import base64
import secrets
import uuid
from urllib.parse import urlsplit, urlunsplit

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.activity_actions import activity_actions

SECRET_PREFIX = "whsec_"
TEST_EVENT_TYPE = "webhook.test"


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def redacted_url(url: str) -> str:
    """The endpoint's URL as the console shows and sends it: no user info, no query, no fragment.

    Receivers often take a token in the query string (``?token=…``) or in
    user info; the real URL is kept for delivery only. Activity entries (and
    so their webhook payloads, the Activity tab and its CSV), the Webhooks tab
    and the disabled-webhook email show ``https://hooks.example.com/in?…``.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
    if parts.query:
        return f"{shown}?…"
    if parts.fragment:
        return f"{shown}#…"
    return shown


def new_message_id() -> str:
    """The stable ``webhook-id`` of one delivery: every attempt sends the same one,
    so a receiver can drop duplicates (delivery is at least once)."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A tenant's receiver URL, the activity actions it wants and its signing secret.

    The secret is stored (the worker signs with it) but shown only once, when
    it is created or rotated. ``consecutive_failures`` counts deliveries that
    finally failed since the last success; at ``WEBHOOK_DISABLE_AFTER_FAILURES``
    the endpoint is disabled (``enabled`` false, ``disabled_at`` set).
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=2000)
    events = models.JSONField(default=list)  # activity action values, e.g. ["member.joined"]
    secret = models.CharField(max_length=100, default=new_signing_secret, editable=False)
    enabled = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.shown_url

    @property
    def shown_url(self) -> str:
        return redacted_url(self.url)

    def wants(self, action: str) -> bool:
        return action in self.events

    @property
    def event_labels(self) -> list[str]:
        return [activity_actions.label(event) for event in self.events if event in activity_actions]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, written in the event's transaction.

    The worker claims it with a conditional UPDATE (``status`` pending and due,
    or sending with a claim older than the lease), POSTs it, and records the
    attempt. ``msg_id`` is the ``webhook-id`` header of every attempt.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    msg_id = models.CharField(max_length=40, default=new_message_id, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["msg_id"], name="webhooks_unique_msg_id"),
        ]
        indexes = [
            # The sweep: unfinished deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                name="webhooks_delivery_outbox_idx",
            ),
            # The purge: finished deliveries by age.
            models.Index(
                fields=["finished_at"],
                condition=models.Q(status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED]),
                name="webhooks_delivery_finished_idx",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the answer (or the error), how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows"
    )
    # Denormalised so the tab lists an endpoint's recent attempts from one index.
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts", db_index=False
    )
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=1024, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        indexes = [
            models.Index(
                "endpoint", models.F("attempted_at").desc(), name="webhooks_attempt_recent_idx"
            ),
        ]

    def __str__(self):
        return f"Attempt of delivery {self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
