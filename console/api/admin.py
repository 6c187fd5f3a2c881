from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from console.api.models import ApiKey
from console.readonly_admin import ReadOnlyModelAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyModelAdmin):
    """Operators can find a tenant's keys (by tenant, name or the prefix a
    customer quotes) and see their state. Read-only: keys are created and
    revoked by the tenant's admins on the API keys tab, through the services,
    so each change has its activity entry."""

    list_display = [
        "name",
        "prefix",
        "tenant",
        "scope",
        "status_display",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    list_filter = ["scope", "created_at"]
    search_fields = ["=prefix", "name", "tenant__name", "tenant__public_id"]
    list_select_related = ["tenant", "created_by"]
    ordering = ["-id"]
    readonly_fields = (
        "name",
        "prefix",
        "tenant",
        "scope",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    fields = readonly_fields

    @admin.display(description=_("Status"))
    def status_display(self, obj: ApiKey) -> str:
        return obj.status()
