"""Read paths for memberships."""

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
