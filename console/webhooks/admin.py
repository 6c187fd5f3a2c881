from django.contrib import admin

from console.readonly_admin import ReadOnlyModelAdmin
from console.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Operators look; tenant admins change endpoints on their Webhooks tab,
# through the services (activity entries, SSRF guard).
_ReadOnly = ReadOnlyModelAdmin


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_ReadOnly):
    # The signing secret is left out: it is the tenant's, not the operator's.
    list_display = ["url", "tenant", "enabled", "consecutive_failures", "disabled_at", "created_at"]
    list_filter = ["enabled"]
    list_select_related = ["tenant"]
    search_fields = ["url", "tenant__name", "tenant__public_id"]
    fields = ["tenant", "url", "events", "enabled", "consecutive_failures", "disabled_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ["msg_id", "event_type", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["msg_id", "endpoint__url", "endpoint__tenant__public_id"]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(_ReadOnly):
    list_display = ["attempted_at", "delivery", "status_code", "duration_ms", "error"]
    list_select_related = ["delivery"]
    search_fields = ["delivery__msg_id", "error"]
