from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.views.generic.base import ContextMixin, View

from tenants.selectors import membership_among, membership_for_member, memberships_for_request

CURRENT_TENANT_SESSION_KEY = "current_tenant"


# A view mixin: dispatch() and get_context_data() extend View's and ContextMixin's.
class TenantMixin(AccessMixin, ContextMixin, View):
    """Resolve ``<tenant_id>`` from the URL inside the signed-in user's memberships.

    Anonymous users go to the login page, non-members get 404 (the tenant's
    existence is not revealed) and members lacking ``permission_required``
    get 403. Sets ``self.tenant`` and ``self.membership``.
    """

    permission_required: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method in ("GET", "HEAD"):
            # The header lists every membership anyway (one query for both).
            # Not on a POST: its view may change memberships before it renders.
            self.membership = membership_among(
                memberships_for_request(request), public_id=kwargs["tenant_id"]
            )
        else:
            self.membership = membership_for_member(
                user=request.user, public_id=kwargs["tenant_id"]
            )
        self.tenant = self.membership.tenant
        if self.permission_required:
            self.require(self.permission_required)
        if request.session.get(CURRENT_TENANT_SESSION_KEY) != self.tenant.public_id:
            request.session[CURRENT_TENANT_SESSION_KEY] = self.tenant.public_id
        return super().dispatch(request, *args, **kwargs)

    def require(self, permission: str) -> None:
        """Raise 403 unless the member's role grants ``permission``."""
        if not self.membership.can(permission):
            raise PermissionDenied("Only tenant admins can do this.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tenant=self.tenant,
            membership=self.membership,
            perms_in_tenant=self.membership.permissions,
        )
        return context
