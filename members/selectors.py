"""Read paths for memberships."""

from django.db.models import Q

from members.models import Membership, Role


def is_last_admin(membership: Membership) -> bool:
    """True when ``membership`` is its tenant's only admin (one indexed EXISTS).

    Services ask this under the tenant's row lock; forms may ask it early for a
    friendlier message, but only the services' answer counts.
    """
    if membership.role != Role.ADMIN:
        return False
    return not (
        Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


# The longest search the tabs accept; a longer one is cut (no one types more).
SEARCH_MAX_LENGTH = 100


def search_term(raw: str | None) -> str:
    """The tab's ``?q=`` as searched: trimmed and cut to ``SEARCH_MAX_LENGTH``."""
    return (raw or "").strip()[:SEARCH_MAX_LENGTH]


def memberships_for_tab(*, tenant, query: str = ""):
    """The Members tab's rows, oldest first, with the user joined (one query per page).

    ``query`` keeps members whose name or email contains it, case-insensitively
    (``icontains``: ``UPPER(..) LIKE`` on SQLite, ``ILIKE '%q%'`` on PostgreSQL,
    where the ``pg_trgm`` GIN indexes of members/migrations/0003 serve it).
    """
    queryset = tenant.memberships.select_related("user").order_by("created_at", "pk")
    if query:
        queryset = queryset.filter(Q(user__email__icontains=query) | Q(user__name__icontains=query))
    return queryset
