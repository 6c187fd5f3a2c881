"""The Members tab and the admin actions on it.

Views parse the request, check the role, scope every lookup to the tenant in
the URL and call one service; the rules (last admin, row locks) live in
``members.services``.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from console.accounts.selectors import two_step_authenticators
from console.client_ip import client_ip
from console.htmx import vary_on_htmx, wants_fragment
from console.page_cache import CachedPageMixin
from console.pagination import DeferredJoinPaginator
from members import selectors, services
from members.forms import ChangeRoleForm, OwnershipTransferForm
from members.models import Membership, Role
from members.permissions import INVITE_MEMBERS, LEAVE_TENANT, MANAGE_MEMBERS, VIEW_MEMBERS
from tenants.mixins import TenantMixin
from tenants.selectors import seat_usage

MEMBERS_PER_PAGE = 25


class MemberListView(TenantMixin, CachedPageMixin, ListView):
    """Everyone in the tenant sees its members; admins also get the actions."""

    permission_required = VIEW_MEMBERS
    template_name = "members/member_list.html"
    context_object_name = "members"
    paginate_by = MEMBERS_PER_PAGE
    paginator_class = DeferredJoinPaginator

    def get_queryset(self):
        # Ordered by the (tenant, created_at) index; the user comes in the same query,
        # and so does each member's two-step state (an EXISTS per row, no extra query).
        self.query = selectors.search_term(self.request.GET.get("q"))
        return selectors.memberships_for_tab(tenant=self.tenant, query=self.query).annotate(
            two_step=Exists(two_step_authenticators(user_id=OuterRef("user_id")))
        )

    def get_template_names(self):
        if wants_fragment(self.request):
            self.template_engine = "jinja2"
            return ["members/_member_table.jinja"]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        return vary_on_htmx(super().render_to_response(context, **response_kwargs))

    def paginate_queryset(self, queryset, page_size):
        # The seat use counts the members anyway: without a search, that count
        # is the paginator's; a search counts its matches (one query more).
        self.usage = seat_usage(self.tenant)
        count = None if self.query else self.usage.members
        paginator = self.get_paginator(queryset, page_size, count=count)
        # A page past the end (the last row of the last page was just removed)
        # shows the last page instead of a 404.
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context.update(
            settings_tab="members",
            usage=self.usage,
            can_manage=self.membership.can(MANAGE_MEMBERS),
            can_invite=self.membership.can(INVITE_MEMBERS),
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            q=self.query,
            search_query=urlencode({"q": self.query}) if self.query else "",
            search_max_length=selectors.SEARCH_MAX_LENGTH,
        )
        return context


class MemberActionMixin(TenantMixin):
    """Admin-only POST actions on one member of the tenant in the URL."""

    permission_required = MANAGE_MEMBERS
    http_method_names = ["post"]

    def get_target(self) -> Membership:
        # Scoped to this tenant: another tenant's membership id is a 404.
        return get_object_or_404(
            Membership.objects.select_related("user"), pk=self.kwargs["pk"], tenant=self.tenant
        )

    def list_url(self) -> str:
        """Back to the members list, on the page the action was taken from."""
        url = reverse("members:list", kwargs={"tenant_id": self.tenant.public_id})
        page = self.request.POST.get("page", "")
        return f"{url}?page={page}" if page.isdigit() and page != "1" else url

    def refused(self, error: services.MembershipError):
        messages.error(self.request, error.message)
        return redirect(self.list_url())


class MemberActionsMenuView(MemberActionMixin, TemplateView):
    """htmx: one member's actions menu, loaded when the admin first opens it.

    A menu (three confirmed forms) is opened for one row at a time, so it is
    rendered then rather than for every row of every page view.
    """

    template_name = "members/_member_actions_menu.html"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        page = request.GET.get("page", "")
        return self.render_to_response(
            {
                "tenant": self.tenant,
                "membership": self.membership,
                "member": self.get_target(),
                # The list page the actions return to.
                "page_number": page if page.isdigit() else "1",
            }
        )


class MemberChangeRoleView(MemberActionMixin, View):
    def post(self, request, *args, **kwargs):
        target = self.get_target()
        form = ChangeRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, str(form.errors["role"][0]))
            return redirect(self.list_url())
        try:
            updated = services.membership_change_role(
                membership=target,
                role=form.cleaned_data["role"],
                actor=self.actor,
                ip=client_ip(request),
            )
        except services.MembershipError as error:
            return self.refused(error)
        admin = updated.role == Role.ADMIN
        if updated.pk == self.membership.pk:
            messages.success(
                request, _("You are now an admin.") if admin else _("You are now a collaborator.")
            )
        else:
            messages.success(
                request,
                (_("%(name)s is now an admin.") if admin else _("%(name)s is now a collaborator."))
                % {"name": updated.user.display_name},
            )
        return redirect(self.list_url())


class MemberRemoveView(MemberActionMixin, View):
    def post(self, request, *args, **kwargs):
        target = self.get_target()
        try:
            services.membership_remove(membership=target, actor=self.actor, ip=client_ip(request))
        except services.MembershipError as error:
            return self.refused(error)
        if target.pk == self.membership.pk:
            messages.success(request, _("You left “%(tenant)s”.") % {"tenant": self.tenant.name})
            return redirect("home")
        messages.success(
            request,
            _("%(name)s was removed from “%(tenant)s”.")
            % {"name": target.user.display_name, "tenant": self.tenant.name},
        )
        return redirect(self.list_url())


class MemberLeaveView(TenantMixin, View):
    """Any member leaves the tenant (the last admin is refused)."""

    permission_required = LEAVE_TENANT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.membership_leave(membership=self.membership, ip=client_ip(request))
        except services.MembershipError as error:
            messages.error(request, error.message)
            return redirect("members:list", tenant_id=self.tenant.public_id)
        messages.success(request, _("You left “%(tenant)s”.") % {"tenant": self.tenant.name})
        return redirect("home")


class OwnershipTransferView(MemberActionMixin, TemplateView):
    """Give the admin role to the member in the URL, then stay as a
    collaborator or leave: a page to choose, and one confirmed POST."""

    template_name = "members/transfer.html"
    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        target = self.get_target()
        if target.pk == self.membership.pk:
            messages.error(request, _("Choose another member to receive the admin role."))
            return redirect("members:list", tenant_id=self.tenant.public_id)
        return self.render_to_response(
            self.get_context_data(target=target, form=OwnershipTransferForm())
        )

    def post(self, request, *args, **kwargs):
        target = self.get_target()
        form = OwnershipTransferForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(target=target, form=form), status=400
            )
        then = form.cleaned_data["then"]
        try:
            services.ownership_transfer(
                tenant=self.tenant,
                actor=self.actor,
                to_membership=target,
                then=then,
                ip=client_ip(request),
            )
        except services.MembershipError as error:
            return self.refused(error)
        name = target.user.display_name
        if then == "leave":
            messages.success(
                request, f"{name} is now an admin of “{self.tenant.name}”. You left the tenant."
            )
            return redirect("home")
        messages.success(request, f"{name} is now an admin. You are now a collaborator.")
        return redirect("members:list", tenant_id=self.tenant.public_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["settings_tab"] = "members"
        return context
