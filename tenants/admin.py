from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from tenants import policies
from tenants.models import Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "public_id",
        "type",
        "plan",
        "member_count",
        "member_limit_display",
        "created_at",
    ]
    list_filter = ["type", "plan", "created_at"]
    search_fields = ["name", "public_id", "memberships__user__email"]
    readonly_fields = ["public_id", "created_at"]
    fields = ["name", "public_id", "type", "plan", "member_limit_override", "created_at"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, tenant):
        # A link to the (paginated) membership list rather than an inline of
        # every member on the tenant's page; reversed by name, so this app
        # still does not import members.
        url = reverse("admin:members_membership_changelist") + f"?tenant__id__exact={tenant.pk}"
        return format_html('<a href="{}">{}</a>', url, tenant.member_count)

    @admin.display(description="Member limit")
    def member_limit_display(self, tenant):
        limit = policies.member_limit(tenant)
        if limit is None:
            included = policies.seats_included(tenant)
            return f"{included} included, then ${policies.PRO_EXTRA_SEAT_PRICE}/member"
        return limit
