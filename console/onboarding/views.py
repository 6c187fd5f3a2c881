"""Sign-up, the invitation-aware log-in, and the Get started page."""

import logging

from allauth.account import views as allauth_views
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin

from console.accounts.forms import SegmentForm
from console.accounts.models import Segment, User
from console.accounts.services import user_set_segment
from console.onboarding import selectors, services
from console.onboarding.checklist import SEGMENT_DESCRIPTIONS, followed_link_destination
from console.page_cache import CachedPageMixin
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


class SignupView(InvitationHandoffMixin, allauth_views.SignupView):
    """``/accounts/signup/``: allauth's sign-up with the console's form (see ``forms.SignupForm``).

    Without an invitation: the account and its own Development tenant, a
    confirmation code by email, then Get started. From an invitation the
    email is the invited one (the field is disabled, a posted email is
    ignored), the link counts as proof of the address (no code), no tenant is
    created, and the visitor goes back to the invitation (or a safe ``next``).
    """

    template_name = "onboarding/signup.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["fixed_email"] = self.invitation.email if self.invitation else None
        return kwargs

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            # Two sign-ups with one address at the same moment: the database's
            # case-insensitive unique constraint let one through; this one
            # was rolled back whole (form.save is atomic).
            form.add_error("email", "An account with this email already exists.")
            return self.form_invalid(form)

    def get_success_url(self):
        if self.invitation:
            return self.safe_next_url() or str(INVITATION_REVIEW_URL)
        return self.safe_next_url() or reverse("home")


class LoginView(InvitationHandoffMixin, allauth_views.LoginView):
    """``/accounts/login/``: allauth's sign-in (code confirmation, two-step, rate limits).

    From an invitation the email is prefilled and the visitor returns to it.
    """

    template_name = "accounts/login.html"

    def get_initial(self):
        initial = super().get_initial()
        if self.invitation:
            initial["login"] = self.invitation.email
        return initial

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The page has its own "Forgot your password?" link under the field,
        # and labels rather than placeholders; the email field takes the focus.
        form.fields["password"].help_text = ""
        for field in form.fields.values():
            field.widget.attrs.pop("placeholder", None)
        form.fields["login"].widget.attrs["autofocus"] = True
        return form

    def form_invalid(self, form):
        response = super().form_invalid(form)
        # allauth refuses past its "login_failed" limit with a form error and
        # does not check the password; the page says so, with the status.
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            logger.warning("Log-in refused: too many failures for this address or client")
            response.status_code = 429
        return response

    def get_success_url(self):
        next_url = self.safe_next_url()
        if next_url:
            return next_url
        if self.invitation:
            return str(INVITATION_REVIEW_URL)
        return None


class GetStartedView(TenantMixin, CachedPageMixin, TemplateView):
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
        messages.success(request, _("Recommendations updated for: %(label)s.") % {"label": label})
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
