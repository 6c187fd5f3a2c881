"""Sign-up, the invitation-aware log-in, and the Get started page."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin

from console import ratelimit
from console.accounts import views as accounts_views
from console.accounts.forms import SegmentForm, SignupForm
from console.accounts.models import Segment, User, normalize_email
from console.accounts.services import user_set_segment
from console.onboarding import selectors, services
from console.onboarding.checklist import SEGMENT_DESCRIPTIONS, followed_link_destination
from console.responses import too_many_requests
from invitations.views import invitation_in_session
from tenants.mixins import TenantMixin
from tenants.selectors import memberships_for_request

# The invitation page the accept link redirects to once its secret is in the
# session; the visitor completes it there with "Accept invitation".
INVITATION_REVIEW_URL = reverse_lazy("invitations:review")

logger = logging.getLogger(__name__)


class InvitationHandoffMixin(ContextMixin, View):
    """A visitor in the middle of accepting an invitation goes back to it afterwards.

    ``self.invitation`` is the Pending, unexpired invitation whose link was
    opened in this session, or None.
    """

    def dispatch(self, request, *args, **kwargs):
        self.invitation = invitation_in_session(request)
        return super().dispatch(request, *args, **kwargs)

    def safe_next_url(self) -> str | None:
        next_url = self.request.POST.get("next") or self.request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return next_url
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(invitation=self.invitation, next=self.safe_next_url() or "")
        return context


class SignupView(InvitationHandoffMixin, FormView):
    """``/accounts/signup/``: an account and its own Development tenant, then Get started.

    From an invitation the email is the invited one (the field is disabled,
    so a posted email is ignored), no tenant is created, and the visitor goes
    back to the invitation (or a safe ``next``) to accept it.
    """

    form_class = SignupForm
    template_name = "onboarding/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["fixed_email"] = self.invitation.email if self.invitation else None
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            signup = services.user_signup(
                email=data["email"],
                password=data["password1"],
                name=data["name"],
                segment=data["segment"],
                create_tenant=self.invitation is None,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        login(self.request, signup.user, backend="django.contrib.auth.backends.ModelBackend")
        if signup.tenant is None:
            return redirect(self.safe_next_url() or INVITATION_REVIEW_URL)
        messages.success(
            self.request, f"Welcome! Your development tenant “{signup.tenant.name}” is ready."
        )
        return redirect("onboarding:get_started", tenant_id=signup.tenant.public_id)


def login_failure_limits() -> tuple[ratelimit.Limit, ratelimit.Limit]:
    """Failed log-ins counted per account (the email typed) and per client address."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return (
        ratelimit.Limit("login-failures-account", settings.LOGIN_FAILURES_PER_ACCOUNT, window),
        ratelimit.Limit("login-failures-ip", settings.LOGIN_FAILURES_PER_IP, window),
    )


class LoginView(InvitationHandoffMixin, accounts_views.LoginView):
    """Log in; from an invitation the email is prefilled and the visitor returns to it.

    Password guessing is limited: past too many failures for the account or
    from the client's address, every attempt gets the 429 page and the
    password is not even checked (so it cannot confirm a guess). The right
    password clears the account's count. The limits fail open while the cache
    (Redis) is down.
    """

    def throttle_subjects(self) -> tuple[str, str]:
        typed = self.request.POST.get("username", "")
        return ratelimit.hashed(normalize_email(typed)), ratelimit.client_ip(self.request)

    def post(self, request, *args, **kwargs):
        per_account, per_ip = login_failure_limits()
        account, ip = self.throttle_subjects()
        if not (ratelimit.allows(per_account, account) and ratelimit.allows(per_ip, ip)):
            logger.warning("Log-in refused: too many failures for this account or from %s", ip)
            minutes = max(per_account.window_seconds // 60, 1)
            return too_many_requests(
                request,
                f"Too many failed log-in attempts. Wait {minutes} minutes and try again, "
                "or reset your password.",
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.request.method == "POST":
            per_account, per_ip = login_failure_limits()
            account, ip = self.throttle_subjects()
            ratelimit.record(per_account, account)
            ratelimit.record(per_ip, ip)
        return super().form_invalid(form)

    def form_valid(self, form):
        per_account, _ = login_failure_limits()
        ratelimit.reset(per_account, self.throttle_subjects()[0])
        return super().form_valid(form)

    def get_initial(self):
        initial = super().get_initial()
        if self.invitation:
            initial["username"] = self.invitation.email
        return initial

    def get_default_redirect_url(self):
        if self.invitation:
            return INVITATION_REVIEW_URL
        return super().get_default_redirect_url()


class GetStartedView(TenantMixin, TemplateView):
    """``/t/<tenant>/get-started/``: the checklist, and the segment question it depends on.

    POST answers "What describes you best?"; ``?segment=change`` asks again.
    """

    template_name = "onboarding/get_started.html"

    def get_context_data(self, segment_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assert isinstance(user, User)  # TenantMixin lets only a signed-in user in
        checklist = selectors.get_started_checklist(
            user=user, membership=self.membership, memberships=memberships_for_request(self.request)
        )
        asking = (
            segment_form is not None
            or not user.segment
            or self.request.GET.get("segment") == "change"
        )
        if asking and segment_form is None:
            segment_form = SegmentForm(initial={"segment": user.segment or None})
        context.update(
            checklist=checklist,
            segment_form=segment_form,
            segment_choices=[
                (radio, SEGMENT_DESCRIPTIONS[radio.data["value"]])
                for radio in segment_form["segment"]
            ]
            if segment_form
            else [],
            changing_segment=asking and bool(user.segment),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SegmentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(segment_form=form), status=400)
        user_set_segment(user=request.user, segment=form.cleaned_data["segment"])
        label = Segment(form.cleaned_data["segment"]).label
        messages.success(request, f"Recommendations updated for: {label}.")
        return redirect(
            reverse("onboarding:get_started", kwargs={"tenant_id": self.tenant.public_id})
            + "#recommendations"
        )


class ChecklistVisibilityView(TenantMixin, View):
    """POST: hide or show the checklist (per user and tenant)."""

    hidden: bool = False
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.checklist_set_hidden(user=request.user, tenant=self.tenant, hidden=self.hidden)
        return redirect("onboarding:get_started", tenant_id=self.tenant.public_id)


class FollowLinkView(TenantMixin, View):
    """Record that a checklist link was followed, then go there.

    A plain link, not a form: the console's CSP (``form-action 'self'``)
    makes browsers refuse a form submission that redirects to another site,
    so a POST here could never reach the community server. Recording is
    idempotent (only the first follow counts) and harmless if forged.
    """

    http_method_names = ["get"]

    def get(self, request, *args, link, **kwargs):
        if link not in services.FOLLOWED_LINK_FIELDS:
            raise Http404("No such link.")
        services.checklist_record_link_followed(user=request.user, tenant=self.tenant, link=link)
        return redirect(followed_link_destination(link))
