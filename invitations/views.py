"""Invitation pages: the invite form, the Invitations tab, and the accept flow.

Views parse, check the role, scope lookups and call one service each; every
rule lives in ``invitations.services`` / ``invitations.selectors``.
"""

import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from console.accounts.selectors import email_confirmed
from console.client_ip import client_ip
from console.htmx import vary_on_htmx, wants_fragment
from console.page_cache import CachedPageMixin
from console.pagination import DeferredJoinPaginator
from console.ratelimit import RateLimited
from console.responses import too_many_requests
from invitations import selectors, services, tokens
from invitations.exceptions import (
    AlreadyMember,
    InvitationActionNotAllowed,
    InvitationAddressUnconfirmed,
    InvitationEmailMismatch,
    InvitationGone,
    InvitationNeedsTwoStep,
    InvitationsRefused,
    MemberLimitReached,
)
from invitations.forms import InviteForm, split_addresses
from invitations.models import Invitation, InvitationStatus
from invitations.validators import MAX_ADDRESSES_PER_SUBMISSION
from members.models import Role
from members.permissions import (
    ADMIN_POWERS,
    INVITE_MEMBERS,
    MANAGE_INVITATIONS,
    role_description,
)
from members.selectors import SEARCH_MAX_LENGTH, search_term
from tenants import policies
from tenants.mixins import TWO_STEP_RETURN_SESSION_KEY, TenantMixin
from tenants.selectors import seat_usage

INVITATIONS_PER_PAGE = 25

# The Invitations tab's status filters, in order ("" is All).
STATUS_FILTERS = [
    ("", gettext_lazy("All")),
    (InvitationStatus.PENDING, gettext_lazy("Pending")),
    (InvitationStatus.ACCEPTED, gettext_lazy("Accepted")),
    (InvitationStatus.EXPIRED, gettext_lazy("Expired")),
    (InvitationStatus.REVOKED, gettext_lazy("Revoked")),
]

REQUEST_TOO_LARGE = format_lazy(
    gettext_lazy(
        "This request is too large. Send at most {count} addresses at a "
        "time; split the list and send the rest separately. Nothing was sent."
    ),
    # Grouped for the language of the page it is shown on (1,000 / 1.000 / 1 000).
    count=lazy(lambda: number_format(MAX_ADDRESSES_PER_SUBMISSION, force_grouping=True), str)(),
)


# -- Inviting ------------------------------------------------------------------------


class InviteView(TenantMixin, FormView):
    """ "Invite members": many addresses, one role, "Send invitations".

    Works without JavaScript: choosing Admin needs the confirmation checkbox,
    and on Pro a submission that adds cost is first shown back with the
    monthly amount and a "Confirm and send" button.
    """

    permission_required = INVITE_MEMBERS
    template_name = "invitations/invite.html"
    form_class = InviteForm

    def get_initial(self):
        # The emails' language defaults to the one the inviter is using now.
        return {**super().get_initial(), "email_language": translation.get_language()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            settings_tab="members",
            usage=seat_usage(self.tenant),
            blocked_reason=policies.invite_blocked_reason(self.tenant),
            admin_powers=ADMIN_POWERS,
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            _ = request.POST  # parsing may refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        except RequestDataTooBig:
            return self.render_to_response(
                self.get_context_data(form=InviteForm(), request_error=REQUEST_TOO_LARGE),
                status=413,
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Show the per-address problems together with the form's own errors
        # (e.g. the admin confirmation), so one round trip finds them all.
        emails = form.cleaned_data.get("emails")
        if emails and not form.has_error("emails") and not self.tenant_blocked():
            for message in services.invite_check(
                tenant=self.tenant, emails=emails
            ).address_errors.values():
                form.add_error("emails", message)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def tenant_blocked(self) -> bool:
        return policies.invite_blocked_reason(self.tenant) is not None

    def form_valid(self, form):
        emails, role = form.cleaned_data["emails"], form.cleaned_data["role"]
        if self.tenant.is_pro:
            check = services.invite_check(tenant=self.tenant, emails=emails)
            cost = check.added_monthly_cost
            if check.ok and cost > 0 and form.cleaned_data["reviewed_cost"] != str(cost):
                data = form.data.copy()
                data["reviewed_cost"] = str(cost)
                return self.render_to_response(
                    self.get_context_data(
                        form=InviteForm(data),
                        review_cost=policies.added_cost_message(len(check.addresses), cost),
                        review_count=len(check.addresses),
                    )
                )
        try:
            created = services.invitation_create_bulk(
                tenant=self.tenant,
                actor=self.actor,
                emails=emails,
                role=role,
                ip=client_ip(self.request),
                email_language=form.cleaned_data["email_language"] or translation.get_language(),
            )
        except InvitationsRefused as refused:
            for message in refused.errors:
                form.add_error(None, message)
            for message in refused.address_errors.values():
                form.add_error("emails", message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except RateLimited as error:
            return too_many_requests(self.request, str(error.message))
        count = len(created)
        messages.success(
            self.request,
            ngettext(
                "%(count)s invitation sent as %(role)s. Each email goes out in a moment; "
                "invitations expire in %(lifetime)s.",
                "%(count)s invitations sent as %(role)s. Each email goes out in a moment; "
                "invitations expire in %(lifetime)s.",
                count,
            )
            % {
                "count": count,
                "role": Role(role).label,
                "lifetime": policies.plan_terms().invitation_lifetime,
            },
        )
        url = reverse("tenant_invitations:list", kwargs={"tenant_id": self.tenant.public_id})
        # The tab follows this batch's sends (queued, sent, failed).
        return redirect(f"{url}?{urlencode({'batch': created[0].batch_id})}")


class InvitePreviewView(TenantMixin, View):
    """htmx: what the typed addresses would cost and whether they fit, as the admin types."""

    permission_required = INVITE_MEMBERS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        addresses = split_addresses(request.POST.get("emails", ""))
        check = services.invite_check(tenant=self.tenant, emails=addresses) if addresses else None
        return render(
            request,
            "invitations/partials/invite_preview.html",
            {
                "tenant": self.tenant,
                "check": check,
                "cost_message": check
                and policies.added_cost_message(len(check.addresses), check.added_monthly_cost),
                "problems": check and len(check.address_errors) + len(check.errors),
            },
        )


# -- The Invitations tab -------------------------------------------------------------------


class InvitationListView(TenantMixin, CachedPageMixin, ListView):
    """Admins see every invitation of the tenant, filtered by status, 25 a page."""

    permission_required = MANAGE_INVITATIONS
    template_name = "invitations/invitation_list.html"
    context_object_name = "invitations"
    paginate_by = INVITATIONS_PER_PAGE
    paginator_class = DeferredJoinPaginator

    def page_cacheable(self) -> bool:
        # Just after a bulk invite (?batch=), the page shows its send progress.
        return "batch" not in self.request.GET

    def status_filter(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in InvitationStatus.values else ""

    def get_queryset(self):
        # One clock for the rows and the counts, so the tab badges and the pages agree.
        self.now = timezone.now()
        self.query = search_term(self.request.GET.get("q"))
        return selectors.invitations_for_tab(
            tenant=self.tenant, status=self.status_filter(), query=self.query, now=self.now
        )

    def get_template_names(self):
        if wants_fragment(self.request):
            self.template_engine = "jinja2"
            return ["invitations/partials/invitation_table.jinja"]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        return vary_on_htmx(super().render_to_response(context, **response_kwargs))

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # The status tabs count every filter anyway; the current one is the paginator's count.
        self.status_counts = selectors.invitation_status_counts(
            tenant=self.tenant, query=self.query, now=self.now
        )
        count = self.status_counts[self.status_filter() or "all"]
        return super().get_paginator(
            queryset, per_page, orphans, allow_empty_first_page, count=count, **kwargs
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        status = self.status_filter()
        counts = self.status_counts
        context.update(
            settings_tab="invitations",
            status=status,
            status_label=dict(STATUS_FILTERS)[status],
            q=self.query,
            search_max_length=SEARCH_MAX_LENGTH,
            # Kept by the page links (status and search) and the status tabs (search).
            status_query=urlencode({k: v for k, v in (("status", status), ("q", self.query)) if v}),
            status_tabs=[
                (
                    value,
                    label,
                    counts[value or "all"],
                    urlencode({k: v for k, v in (("status", value), ("q", self.query)) if v}),
                )
                for value, label in STATUS_FILTERS
            ],
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            can_invite=self.membership.can(INVITE_MEMBERS),
            # The empty state explains instead of offering a form that cannot send.
            invite_blocked_reason=policies.invite_blocked_reason(self.tenant),
            progress=batch_progress(self.request, self.tenant),
        )
        return context


def batch_progress(request, tenant) -> selectors.BatchProgress | None:
    """The progress of the batch in ``?batch=`` (just sent by the invite form), if any."""
    try:
        batch_id = uuid.UUID(request.GET.get("batch", ""))
    except ValueError:
        return None  # none asked for, or not a batch id: nothing to show
    return selectors.invitation_batch_progress(tenant=tenant, batch_id=batch_id)


class InvitationBatchProgressView(TenantMixin, TemplateView):
    """htmx: the send progress of one bulk invite, polled while emails are queued."""

    permission_required = MANAGE_INVITATIONS
    template_name = "invitations/partials/batch_progress.html"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        progress = selectors.invitation_batch_progress(
            tenant=self.tenant, batch_id=kwargs["batch_id"]
        )
        if progress is None:
            raise Http404("No such batch in this tenant.")
        return self.render_to_response({"tenant": self.tenant, "progress": progress})


class InvitationActionView(TenantMixin, View):
    """An admin's POST action on one invitation of the tenant in the URL."""

    permission_required = MANAGE_INVITATIONS
    http_method_names = ["post"]
    action: Callable[..., object]  # the service to call, set by each subclass
    done_message: str | Promise = ""  # with %(email)s

    def list_url(self) -> str:
        """Back to the tab, on the filter and page the action was taken from."""
        url = reverse("tenant_invitations:list", kwargs={"tenant_id": self.tenant.public_id})
        query = {}
        if self.request.POST.get("status") in InvitationStatus.values:
            query["status"] = self.request.POST["status"]
        page = self.request.POST.get("page", "")
        if page.isdigit() and page != "1":
            query["page"] = page
        return f"{url}?{urlencode(query)}" if query else url

    def post(self, request, *args, **kwargs):
        # Scoped to this tenant: another tenant's invitation id is a 404.
        invitation = get_object_or_404(Invitation, pk=kwargs["pk"], tenant=self.tenant)
        try:
            type(self).action(invitation=invitation, actor=self.actor, ip=client_ip(request))
        except RateLimited as error:
            return too_many_requests(request, str(error.message))
        except InvitationActionNotAllowed as error:
            messages.error(request, error.message)
        else:
            messages.success(request, self.done_message % {"email": invitation.email})
        return redirect(self.list_url())


class InvitationResendView(InvitationActionView):
    action = services.invitation_resend
    done_message = gettext_lazy(
        "Invitation to %(email)s sent again with a new link. The previous link no longer works."
    )


class InvitationRevokeView(InvitationActionView):
    action = services.invitation_revoke
    done_message = gettext_lazy("Invitation to %(email)s revoked. Its link no longer works.")


class InvitationDeleteView(InvitationActionView):
    action = services.invitation_delete
    done_message = gettext_lazy("Invitation to %(email)s deleted.")


def invitation_in_session(request) -> Invitation | None:
    """The Pending, unexpired invitation whose link was opened in this session, or None.

    Sign-up and sign-in read it to prefill (and fix) the invitee's email.
    """
    token = request.session.get(tokens.SESSION_KEY)
    return selectors.pending_invitation_for_token(token) if token else None


# -- Accepting -------------------------------------------------------------------------------


def render_gone(request, error: InvitationGone):
    return render(
        request,
        "invitations/gone.html",
        {"reason": error.reason, "headline": error.message, "invitation": error.invitation},
        status=410,
    )


def render_not_found(request):
    return render(request, "invitations/not_found.html", status=404)


class AcceptMixin:
    """Accept an invitation for the signed-in user and answer with the right page."""

    def accept_url(self, invitation: Invitation) -> str:
        raise NotImplementedError

    by_link = False  # whether the visitor proved the address by opening the emailed link

    def accept(self, request, invitation: Invitation):
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                user=request.user,
                by_link=self.by_link,
                ip=client_ip(request),
            )
        except InvitationGone as error:
            return render_gone(request, error)
        except (InvitationEmailMismatch, InvitationAddressUnconfirmed) as error:
            return self.render_review(request, invitation, error=str(error.message), status=403)
        except MemberLimitReached as error:
            # 409 Conflict: the request is fine, the tenant's state refuses it.
            return self.render_review(request, invitation, error=str(error.message), status=409)
        except InvitationNeedsTwoStep as error:
            # Set it up, then come back here to accept (the link stays in the session).
            request.session[TWO_STEP_RETURN_SESSION_KEY] = (
                reverse("invitations:review") if self.by_link else reverse("home")
            )
            messages.info(request, error.message)
            return redirect("mfa_index")
        except AlreadyMember as error:
            request.session.pop(tokens.SESSION_KEY, None)
            messages.info(request, error.message)
            return redirect("onboarding:get_started", tenant_id=invitation.tenant.public_id)
        request.session.pop(tokens.SESSION_KEY, None)  # the link has done its job
        messages.success(
            request,
            _("Welcome to %(tenant)s! You joined as %(role)s.")
            % {"tenant": membership.tenant.name, "role": membership.get_role_display()},
        )
        return redirect("onboarding:get_started", tenant_id=membership.tenant.public_id)

    def render_review(self, request, invitation: Invitation, *, error: str = "", status: int = 200):
        user = request.user
        signed_in = user.is_authenticated
        review_url = reverse("invitations:review")
        return render(
            request,
            "invitations/review.html",
            {
                "invitation": invitation,
                "role_description": role_description(invitation.role),
                "signed_in": signed_in,
                "email_matches": signed_in and user.email == invitation.email,
                "error": error,
                "next_query": urlencode({"next": review_url}),
                "accept_url": self.accept_url(invitation),
            },
            status=status,
        )


@method_decorator(never_cache, name="dispatch")
class InvitationOpenView(View):
    """``/invitations/<token>/``: move the secret into the session and redirect.

    Like Django's password-reset confirm view: the page the visitor then sees
    has no secret in its URL, so it cannot leak through the Referer header
    or browser history. Mail scanners that prefetch the link accept nothing.
    """

    http_method_names = ["get", "head"]

    def get(self, request, token):
        request.session[tokens.SESSION_KEY] = token
        response = redirect("invitations:review")
        response["Referrer-Policy"] = "no-referrer"
        return response


@method_decorator(never_cache, name="dispatch")
class InvitationReviewView(AcceptMixin, View):
    """``/invitations/review/``: tenant, inviter, role; accept by POST only."""

    by_link = True  # the secret in the session came from the emailed link

    def accept_url(self, invitation: Invitation) -> str:
        return reverse("invitations:review")

    def invitation_or_response(self, request):
        token = request.session.get(tokens.SESSION_KEY)
        if not token:
            return None, render_not_found(request)
        try:
            return selectors.invitation_for_token(token), None
        except InvitationGone as error:
            return None, render_gone(request, error)
        except Http404:
            return None, render_not_found(request)

    def get(self, request):
        invitation, response = self.invitation_or_response(request)
        return response or self.render_review(request, invitation)

    def post(self, request):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("invitations:review"))
        invitation, response = self.invitation_or_response(request)
        return response or self.accept(request, invitation)


class InvitationSignOutView(View):
    """ "Sign out and continue": sign out the wrong account but keep the invitation link."""

    http_method_names = ["post"]

    def post(self, request):
        token = request.session.get(tokens.SESSION_KEY)
        logout(request)  # flushes the session, so the link is put back after
        if token:
            request.session[tokens.SESSION_KEY] = token
        return redirect("invitations:review")


class InvitationJoinView(LoginRequiredMixin, AcceptMixin, View):
    """ "Join" in the tenant switcher and on the landing page: accept one's own invitation."""

    http_method_names = ["post"]

    def accept_url(self, invitation: Invitation) -> str:
        return reverse("invitations:join", kwargs={"pk": invitation.pk})

    def post(self, request, pk):
        # Without the link, only a confirmed address proves the invitation is
        # the user's: typing it at sign-up proves nothing. Refused before the
        # lookup, so an unconfirmed account learns nothing about invitations.
        if not email_confirmed(user=request.user):
            raise PermissionDenied(
                _("Confirm your email address to see and join your pending invitations.")
            )
        # Only invitations addressed to the signed-in user: anyone else's id is a 404.
        invitation = get_object_or_404(
            Invitation.objects.select_related("tenant", "invited_by"),
            pk=pk,
            email=request.user.email,
        )
        return self.accept(request, invitation)
