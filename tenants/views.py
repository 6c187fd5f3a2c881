import csv
import datetime
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from console.accounts.selectors import two_step_enabled
from console.client_ip import client_ip
from console.pagination import DeferredJoinPaginator
from tenants import policies, selectors, services
from tenants.activity_actions import activity_actions
from tenants.forms import (
    ActivityFilterForm,
    TenantCreateForm,
    TenantDeleteForm,
    TenantRenameForm,
    TwoStepPolicyForm,
)
from tenants.mixins import TenantMixin
from tenants.models import ActorKind


class TenantCreateView(LoginRequiredMixin, FormView):
    template_name = "tenants/tenant_create.html"
    form_class = TenantCreateForm

    def form_valid(self, form):
        tenant = services.tenant_create(
            owner=self.request.user, ip=client_ip(self.request), **form.cleaned_data
        )
        messages.success(
            self.request,
            _("Tenant “%(name)s” created. You are its admin.") % {"name": tenant.name},
        )
        return redirect("onboarding:get_started", tenant_id=tenant.public_id)


class TenantSettingsView(TenantMixin, TemplateView):
    """Tenant Settings: everyone sees it; only admins rename or delete."""

    template_name = "tenants/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_rename = self.membership.can("rename_tenant")
        context.setdefault(
            "rename_form",
            TenantRenameForm(initial={"name": self.tenant.name}) if can_rename else None,
        )
        context.setdefault(
            "delete_form",
            TenantDeleteForm(tenant=self.tenant) if self.membership.can("delete_tenant") else None,
        )
        if can_rename:  # the tenant's settings: admins only
            context.setdefault(
                "two_step_form",
                TwoStepPolicyForm(initial={"require_two_step": self.tenant.require_two_step}),
            )
            context["own_two_step"] = two_step_enabled(user=self.request.user)
        context["settings_tab"] = "settings"
        return context

    def post(self, request, *args, **kwargs):
        self.require("rename_tenant")
        form = TenantRenameForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(rename_form=form), status=400)
        services.tenant_rename(
            tenant=self.tenant,
            name=form.cleaned_data["name"],
            actor=self.actor,
            ip=client_ip(request),
        )
        messages.success(request, _("Tenant renamed."))
        return redirect("tenant_settings:settings", tenant_id=self.tenant.public_id)


class TenantTwoStepPolicyView(TenantSettingsView):
    """POST: turn "Require two-step verification" on or off (admins with two-step on)."""

    permission_required = "rename_tenant"  # an edit of the tenant's settings: admins only
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = TwoStepPolicyForm(request.POST)
        form.is_valid()  # a lone checkbox: always valid
        required = form.cleaned_data["require_two_step"]
        try:
            services.tenant_set_two_step_required(
                tenant=self.tenant, actor=self.actor, required=required, ip=client_ip(request)
            )
        except ValidationError as error:
            form.add_error("require_two_step", error)
            return self.render_to_response(self.get_context_data(two_step_form=form), status=400)
        messages.success(
            request,
            _("Two-step verification is now required in this tenant.")
            if required
            else _("Two-step verification is no longer required in this tenant."),
        )
        return redirect("tenant_settings:settings", tenant_id=self.tenant.public_id)


class TenantDeleteView(TenantMixin, TemplateView):
    template_name = "tenants/settings.html"
    permission_required = "delete_tenant"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = TenantDeleteForm(request.POST, tenant=self.tenant)
        if form.is_valid():
            try:
                services.tenant_delete(
                    tenant=self.tenant,
                    actor=self.actor,
                    confirm_name=form.cleaned_data["confirm_name"],
                )
            except ValidationError as error:
                form.add_error("confirm_name", error)
            else:
                messages.success(
                    request, _("Tenant “%(name)s” was deleted.") % {"name": self.tenant.name}
                )
                return redirect("home")
        context = self.get_context_data(delete_form=form, settings_tab="settings")
        context["rename_form"] = TenantRenameForm(initial={"name": self.tenant.name})
        return self.render_to_response(context, status=400)


class BillingView(TenantMixin, TemplateView):
    """Plan, seats included and used, extra members × the seat price and the monthly total."""

    template_name = "tenants/billing.html"
    permission_required = "view_billing"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        usage = selectors.seat_usage(self.tenant)
        context.update(
            settings_tab="billing",
            usage=usage,
            monthly_total=policies.extra_seat_cost(self.tenant, usage.members),
            total_if_pending_accepted=policies.extra_seat_cost(self.tenant, usage.used),
        )
        return context


# -- The Activity tab ------------------------------------------------------------------------

ACTIVITY_PER_PAGE = 50
ACTIVITY_CSV_CHUNK = 2000
VIEW_ACTIVITY = "view_activity"  # members.permissions.VIEW_ACTIVITY (members imports tenants)


class ActivityFilterMixin(View):
    def activity_filters(self) -> dict[str, str]:
        self.filter_form = ActivityFilterForm(self.request.GET)
        return self.filter_form.filters()


class ActivityView(ActivityFilterMixin, TenantMixin, ListView):
    """Admins: the tenant's activity log, newest first, filtered by action and person."""

    permission_required = VIEW_ACTIVITY
    template_name = "tenants/activity.html"
    context_object_name = "events"
    paginate_by = ACTIVITY_PER_PAGE
    paginator_class = DeferredJoinPaginator

    def get_queryset(self):
        self.filters = self.activity_filters()
        return selectors.activity_for_tab(tenant=self.tenant, **self.filters)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        # Past the end (entries purged meanwhile): the last page, not a 404.
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        query = urlencode({key: value for key, value in self.filters.items() if value})
        context.update(
            settings_tab="activity",
            filter_form=self.filter_form,
            filtered=bool(query),
            filter_query=query,
            csv_url=reverse(
                "tenant_settings:activity_csv", kwargs={"tenant_id": self.tenant.public_id}
            )
            + (f"?{query}" if query else ""),
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        )
        return context


class _Echo:
    """A file-like whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value):
        return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet will show as text: one starting like a formula
    (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading ``'`` (OWASP's advice)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


ACTIVITY_CSV_HEADER = [
    "Time (UTC)",
    "Action",
    "Action id",
    "Actor",
    "Actor email",
    "Target email",
    "Details",
    "Details (JSON)",
    "IP address",
]


class ActivityCsvView(ActivityFilterMixin, TenantMixin, View):
    """Download CSV of the filtered activity log, streamed: rows are read from a
    server-side cursor in chunks and written as they come, so 100,000 entries
    never sit in memory."""

    permission_required = VIEW_ACTIVITY
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        entries = selectors.activity_for_tab(tenant=self.tenant, **self.activity_filters())
        writer = csv.writer(_Echo())
        labels = dict(activity_actions.choices())
        actor_kinds = dict(ActorKind.choices)

        def rows():
            yield writer.writerow(ACTIVITY_CSV_HEADER)
            fields = ("created_at", "action", "actor_kind", "actor_email", "target_email")
            for (
                created_at,
                action,
                kind,
                actor_email,
                target_email,
                details,
                ip,
            ) in entries.values_list(*fields, "details", "ip").iterator(
                chunk_size=ACTIVITY_CSV_CHUNK
            ):
                actor = actor_email if kind == ActorKind.MEMBER else actor_kinds[kind]
                yield writer.writerow(
                    [
                        csv_cell(value)
                        for value in (
                            created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                            labels.get(action, action),
                            action,
                            actor,
                            actor_email,
                            target_email,
                            activity_actions.summary(action, details),
                            json.dumps(details, sort_keys=True, ensure_ascii=False),
                            ip,
                        )
                    ]
                )

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="activity-{self.tenant.public_id}-{stamp}.csv"'
        )
        return response
