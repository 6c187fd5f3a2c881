"""Read paths for tenants. Memberships and invitations are reached through the
reverse relations (``memberships``, ``invitations``) so this app imports neither."""

from django.db.models import Q
from django.http import Http404

from console import page_cache
from console.accounts.selectors import two_step_enabled
from tenants import policies
from tenants.domain_names import domain_of_address
from tenants.models import ActivityEvent, Tenant


def membership_among(memberships, *, public_id: str):
    """The membership in the tenant ``public_id`` among ``memberships``, or the same 404
    as ``membership_for_member``."""
    for membership in memberships:
        if membership.tenant.public_id == public_id:
            return membership
    raise Http404("No such tenant.")


def membership_for_member(*, user, public_id: str):
    """The user's membership in the tenant ``public_id`` (tenant joined), or 404.

    Outsiders get the same 404 as for a tenant that does not exist, so a
    tenant's existence is never revealed.
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        user.memberships.select_related("tenant").filter(tenant__public_id=public_id).first()
    )
    if membership is None:
        raise Http404("No such tenant.")
    return membership


def two_step_missing(*, tenant: Tenant, user) -> bool:
    """Whether ``tenant`` requires two-step verification and ``user`` has none.

    The one answer to "is this person held back by the tenant's two-step
    policy now": the tenant-scoping mixin sends them to set it up, and the API
    refuses the keys they created (401). Only this tenant's policy counts.
    """
    return tenant.require_two_step and not two_step_enabled(user=user)


def single_sign_on_missing(*, tenant: Tenant, user, signed_in_through: list[str]) -> bool:
    """Whether ``tenant`` requires single sign-on of ``user`` and this session did not
    sign in through the tenant's connection (``signed_in_through``: the tenants'
    public ids the session did). Only members whose login address is at one of
    the tenant's verified domains are held to it; guests at other domains are not.
    """
    if not tenant.require_single_sign_on or tenant.public_id in signed_in_through:
        return False
    domain = domain_of_address(user.email)
    return bool(domain) and tenant.domains.filter(name=domain, verified_at__isnull=False).exists()


def seat_usage(tenant: Tenant) -> policies.SeatUsage:
    """Members and pending invitations of ``tenant``: two indexed counts."""
    return policies.SeatUsage(
        members=tenant.memberships.count(),
        # invitations says which hold a seat (tenants knows no status).
        pending_invitations=tenant.invitations.holding_seats().count(),
        included=policies.seats_included(tenant),
        limit=policies.member_limit(tenant),
    )


def tenants_for_user(user):
    """The user's tenants for the switcher, with the user's role on each, and the
    page cache's versions of each tenant and of the user (``page_cache.with_versions``)."""
    return page_cache.with_versions(
        user.memberships.select_related("tenant").order_by("tenant__name", "tenant__pk")
    )


def memberships_for_request(request) -> list:
    """The signed-in user's memberships (``tenants_for_user``), queried once per request.

    The header's tenant switcher lists all of them and a tenant page's own
    membership is one of them: on a GET, ``TenantMixin`` picks it from this
    list, so one query serves both.
    """
    memberships = getattr(request, "_console_memberships", None)
    if memberships is None:
        memberships = request._console_memberships = list(tenants_for_user(request.user))
    return memberships


def activity_for_tab(*, tenant: Tenant, action: str = "", person: str = ""):
    """The tenant's activity entries, newest first, optionally one action and/or one
    person (as actor or target, by email). No joins: entries carry the emails."""
    entries = ActivityEvent.objects.filter(tenant=tenant)
    if action:
        entries = entries.filter(action=action)
    if person:
        entries = entries.filter(Q(actor_email=person) | Q(target_email=person))
    return entries.order_by("-id")
