from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from console.client_ip import client_ip
from console.readonly_admin import ReadOnlyModelAdmin
from tenants import policies, services
from tenants.actors import Actor
from tenants.models import ActivityEvent, ActorKind, Domain, Tenant


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

    def save_model(self, request, obj, form, change):
        # Through the service, so each change is recorded as Operator in the
        # tenant's activity log (plan changed, member limit changed, ...).
        services.tenant_operator_save(
            tenant=obj, actor=Actor.operator(request.user), ip=client_ip(request)
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("Members"), ordering="member_count")
    def member_count(self, tenant):
        # A link to the (paginated) membership list rather than an inline of
        # every member on the tenant's page; reversed by name, so this app
        # still does not import members.
        url = reverse("admin:members_membership_changelist") + f"?tenant__id__exact={tenant.pk}"
        return format_html('<a href="{}">{}</a>', url, tenant.member_count)

    @admin.display(description=_("Member limit"))
    def member_limit_display(self, tenant):
        limit = policies.member_limit(tenant)
        if limit is None:
            included = policies.seats_included(tenant)
            return gettext("%(included)s included, then %(price)s/member") % {
                "included": included,
                "price": policies.format_usd(policies.extra_seat_price()),
            }
        return limit


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyModelAdmin):
    """The activity log, read-only for everyone (superusers too): entries are
    evidence, so operators can find them but never add, edit or delete one."""

    list_display = [
        "created_at",
        "tenant",
        "action",
        "actor_display",
        "target_email",
        "summary",
        "ip",
    ]
    list_filter = ["action", "actor_kind", "created_at"]
    search_fields = [
        "tenant__name",
        "tenant__public_id",
        "actor_email",
        "target_email",
        "=ip",
    ]
    list_select_related = ["tenant"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    # Counting a multi-million-row log on every page is slow; "show all" too.
    show_full_result_count = False
    readonly_fields = (
        "created_at",
        "tenant",
        "action",
        "actor_kind",
        "actor",
        "actor_email",
        "target_user",
        "target_email",
        "details",
        "ip",
    )
    fields = readonly_fields

    @admin.display(description=_("Actor"), ordering="actor_email")
    def actor_display(self, event):
        # Operators see who the operator was; the tab shows "Operator".
        if event.actor_kind == ActorKind.OPERATOR and event.actor_email:
            return gettext("Operator (%(email)s)") % {"email": event.actor_email}
        return event.actor_label


@admin.register(Domain)
class DomainAdmin(ReadOnlyModelAdmin):
    """Tenants' domains, to find which tenant holds a name. Read-only: a domain is
    added, verified and removed by the tenant's admins on the Domains tab, where
    each change is recorded."""

    list_display = ["name", "tenant", "is_verified", "enrollment", "verified_at", "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), "enrollment"]
    search_fields = ["name", "tenant__name", "tenant__public_id"]
    list_select_related = ["tenant"]
    exclude = ["verification_token"]

    @admin.display(description=_("Verified"), boolean=True)
    def is_verified(self, domain):
        return domain.is_verified
