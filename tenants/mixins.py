from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic.base import ContextMixin, View

from console.accounts.selectors import two_step_enabled
from tenants.actors import Actor
from tenants.selectors import (
    membership_among,
    membership_for_member,
    memberships_for_request,
    single_sign_on_missing,
    two_step_missing,
)

CURRENT_TENANT_SESSION_KEY = "current_tenant"
# Where "Continue" on the two-step set-up pages leads back to (a tenant page or an invitation).
TWO_STEP_RETURN_SESSION_KEY = "two_step_return"
# The public ids of the tenants whose single sign-on connection this session
# signed in through (written by console.sso, read by Require single sign-on).
SSO_SESSION_KEY = "sso_tenants"


# A view mixin: dispatch() and get_context_data() extend View's and ContextMixin's.
class TenantMixin(AccessMixin, ContextMixin, View):
    """Resolve ``<tenant_id>`` from the URL inside the signed-in user's memberships.

    Anonymous users go to the login page, non-members get 404 (the tenant's
    existence is not revealed), members without two-step verification in a
    tenant that requires it are sent to set it up, and members lacking
    ``permission_required`` get 403. Sets ``self.tenant`` and ``self.membership``.
    """

    permission_required: str | None = None
    # The Single sign-on tab opens for an admin with two-step verification even
    # when the policy would send them to the provider: a broken provider never
    # locks a tenant out.
    open_to_two_step_admins_without_sso = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method in ("GET", "HEAD"):
            # The header lists every membership anyway (one query for both).
            # Not on a POST: its view may change memberships before it renders.
            self.memberships = memberships_for_request(request)
            self.membership = membership_among(self.memberships, public_id=kwargs["tenant_id"])
        else:
            self.membership = membership_for_member(
                user=request.user, public_id=kwargs["tenant_id"]
            )
        self.tenant = self.membership.tenant
        if two_step_missing(tenant=self.tenant, user=request.user):
            return self.two_step_first(request)
        if TWO_STEP_RETURN_SESSION_KEY in request.session:
            del request.session[TWO_STEP_RETURN_SESSION_KEY]  # back where they were going
        if single_sign_on_missing(
            tenant=self.tenant,
            user=request.user,
            signed_in_through=request.session.get(SSO_SESSION_KEY, []),
        ) and not self.sso_escape_hatch_open(request):
            return self.single_sign_on_first(request)
        if self.permission_required:
            self.require(self.permission_required)
        if request.session.get(CURRENT_TENANT_SESSION_KEY) != self.tenant.public_id:
            request.session[CURRENT_TENANT_SESSION_KEY] = self.tenant.public_id
        return super().dispatch(request, *args, **kwargs)

    def two_step_first(self, request):
        """The tenant requires two-step verification and this member has none: set it up first.

        Nothing of the tenant is shown and no POST is carried out. The page to
        come back to is kept for the "Continue" link on the set-up pages.
        """
        back = request.get_full_path() if request.method == "GET" else ""
        request.session[TWO_STEP_RETURN_SESSION_KEY] = back or reverse(
            "onboarding:get_started", kwargs={"tenant_id": self.tenant.public_id}
        )
        messages.info(
            request,
            _(
                "“%(tenant)s” requires two-step verification. "
                "Set it up for your account to continue."
            )
            % {"tenant": self.tenant.name},
        )
        return redirect("mfa_index")

    def sso_escape_hatch_open(self, request) -> bool:
        return (
            self.open_to_two_step_admins_without_sso
            and self.membership.can(self.permission_required or "")
            and two_step_enabled(user=request.user)
        )

    def single_sign_on_first(self, request):
        """The tenant requires single sign-on and this session did not sign in through
        it: nothing of the tenant is shown, no POST is carried out, and the person
        goes to the tenant's identity provider (back to this page afterwards)."""
        back = request.get_full_path() if request.method == "GET" else ""
        messages.info(
            request,
            _("“%(tenant)s” requires single sign-on. Sign in through your identity provider.")
            % {"tenant": self.tenant.name},
        )
        url = reverse("sso:continue", kwargs={"tenant_id": self.tenant.public_id})
        return redirect(f"{url}?{urlencode({'next': back})}" if back else url)

    def require(self, permission: str) -> None:
        """Raise 403 unless the member's role grants ``permission``."""
        if not self.membership.can(permission):
            raise PermissionDenied(_("Only tenant admins can do this."))

    @property
    def actor(self) -> Actor:
        """The signed-in member, as every service takes the acting person."""
        return Actor.member(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tenant=self.tenant,
            membership=self.membership,
            perms_in_tenant=self.membership.permissions,
        )
        return context
