"""Writes for memberships. Rules that guard the last admin live here, under a
row lock on the tenant."""

from django.db import transaction

from members.models import Membership, Role


@transaction.atomic
def membership_add(*, tenant, user, role: str = Role.COLLABORATOR) -> Membership:
    """Make ``user`` a member of ``tenant`` with ``role``.

    Callers that must respect the member limit (invitation acceptance) lock
    the tenant and check seats before calling this.
    """
    return Membership.objects.create(tenant=tenant, user=user, role=role)
