from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from console.accounts.selectors import two_step_enabled
from tenants import policies, selectors, services
from tenants.forms import TenantCreateForm, TenantDeleteForm, TenantRenameForm, TwoStepPolicyForm
from tenants.mixins import TenantMixin


class TenantCreateView(LoginRequiredMixin, FormView):
    template_name = "tenants/tenant_create.html"
    form_class = TenantCreateForm

    def form_valid(self, form):
        tenant = services.tenant_create(owner=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"Tenant “{tenant.name}” created. You are its admin.")
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
        services.tenant_rename(tenant=self.tenant, name=form.cleaned_data["name"])
        messages.success(request, "Tenant renamed.")
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
                tenant=self.tenant, actor=request.user, required=required
            )
        except ValidationError as error:
            form.add_error("require_two_step", error)
            return self.render_to_response(self.get_context_data(two_step_form=form), status=400)
        messages.success(
            request,
            "Two-step verification is now required in this tenant."
            if required
            else "Two-step verification is no longer required in this tenant.",
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
                    tenant=self.tenant, confirm_name=form.cleaned_data["confirm_name"]
                )
            except ValidationError as error:
                form.add_error("confirm_name", error)
            else:
                messages.success(request, f"Tenant “{self.tenant.name}” was deleted.")
                return redirect("home")
        context = self.get_context_data(delete_form=form, settings_tab="settings")
        context["rename_form"] = TenantRenameForm(initial={"name": self.tenant.name})
        return self.render_to_response(context, status=400)


class BillingView(TenantMixin, TemplateView):
    """Plan, seats included and used, extra members × $8 and the monthly total."""

    template_name = "tenants/billing.html"
    permission_required = "view_billing"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        usage = selectors.seat_usage(self.tenant)
        extra_members = max(usage.members - usage.included, 0) if self.tenant.is_pro else 0
        context.update(
            settings_tab="billing",
            usage=usage,
            extra_members=extra_members,
            extra_seat_price=policies.PRO_EXTRA_SEAT_PRICE,
            monthly_total=policies.extra_seat_cost(self.tenant, usage.members),
            total_if_pending_accepted=policies.extra_seat_cost(self.tenant, usage.used),
        )
        return context
