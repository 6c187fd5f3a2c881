"""Writes for SCIM: each one atomic, through the member services.

The member services keep every rule (verified domain, member limit, the
last admin, the tenant lock, one activity entry per change with actor SCIM,
webhooks through the activity signal); these functions add the SCIM
resource's own row and run a whole request's changes in one transaction, so
a refusal anywhere leaves nothing applied. The acting person is
``Actor.scim`` (recorded as SCIM, allowed what the key's creator may do now),
checked once under the tenant lock (``actor_require``) before anything is
read, as the member services do, so the lock order stays the same everywhere.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from console.accounts.models import normalize_email
from console.scim.models import ProvisionedUser
from members import services as member_services
from members.models import Membership, Role
from members.permissions import MANAGE_MEMBERS
from tenants.actors import Actor, actor_require
from tenants.models import Tenant


class AlreadyProvisioned(Exception):
    """The tenant's identity provider already has a User with this userName."""


@dataclass(frozen=True)
class UserFields:
    """What a create or a replace sets (``None``: leave as it is)."""

    given_name: str = ""
    family_name: str = ""
    external_id: str = ""
    active: bool = True


def _lock(tenant: Tenant, actor: Actor) -> Tenant:
    """The one check (``actor_require``): lock the tenant, the key's creator may manage members."""
    return actor_require(actor=actor, tenant_id=tenant.pk, permission=MANAGE_MEMBERS)


def _membership(provisioned: ProvisionedUser) -> Membership | None:
    return Membership.objects.filter(
        tenant_id=provisioned.tenant_id, user_id=provisioned.user_id
    ).first()


def _set_active(
    *, provisioned: ProvisionedUser, active: bool, actor: Actor, ip: str | None
) -> None:
    membership = _membership(provisioned)
    if active and membership is None:
        member_services.membership_provision(
            tenant=provisioned.tenant,
            email=provisioned.user.email,
            actor=actor,
            ip=ip,
        )
    elif not active and membership is not None:
        member_services.membership_remove(membership=membership, actor=actor, ip=ip)


@transaction.atomic
def scim_user_create(
    *, tenant: Tenant, user_name: str, fields: UserFields, actor: Actor, ip: str | None = None
) -> ProvisionedUser:
    """Provision ``user_name`` in ``tenant``: the membership (account created if
    needed) and the SCIM User row. ``active: false`` records the User without
    a membership."""
    locked = _lock(tenant, actor)
    email = normalize_email(user_name)
    if ProvisionedUser.objects.filter(tenant=locked, user__email__iexact=email).exists():
        raise AlreadyProvisioned
    full_name = " ".join(part for part in (fields.given_name, fields.family_name) if part)
    membership = member_services.membership_provision(
        tenant=locked, email=email, name=full_name, actor=actor, ip=ip
    )
    try:
        with transaction.atomic():
            provisioned = ProvisionedUser.objects.create(
                tenant=locked,
                user=membership.user,
                given_name=fields.given_name[:150],
                family_name=fields.family_name[:150],
                external_id=fields.external_id[:255],
            )
    except IntegrityError:
        raise AlreadyProvisioned from None
    if not fields.active:
        _set_active(provisioned=provisioned, active=False, actor=actor, ip=ip)
    return provisioned


@transaction.atomic
def scim_user_update(
    *,
    provisioned: ProvisionedUser,
    fields: UserFields,
    actor: Actor,
    ip: str | None = None,
) -> ProvisionedUser:
    """Replace what SCIM holds of a User; ``active`` removes or restores the membership."""
    _lock(provisioned.tenant, actor)
    provisioned.given_name = fields.given_name[:150]
    provisioned.family_name = fields.family_name[:150]
    provisioned.external_id = fields.external_id[:255]
    provisioned.updated_at = timezone.now()
    provisioned.save(update_fields=["given_name", "family_name", "external_id", "updated_at"])
    _set_active(provisioned=provisioned, active=fields.active, actor=actor, ip=ip)
    return provisioned


@transaction.atomic
def scim_user_delete(*, provisioned: ProvisionedUser, actor: Actor, ip: str | None = None) -> None:
    """Deprovision: the membership goes (the last admin is kept), then the SCIM User."""
    _lock(provisioned.tenant, actor)
    _set_active(provisioned=provisioned, active=False, actor=actor, ip=ip)
    provisioned.delete()


@transaction.atomic
def scim_group_change(
    *,
    tenant: Tenant,
    role: str,
    add: list[ProvisionedUser],
    remove: list[ProvisionedUser],
    actor: Actor,
    ip: str | None = None,
) -> None:
    """Members added to a role's group get that role; members removed from **Admins**
    become Collaborators (removing someone from **Collaborators** alone changes
    nothing: a member always has a role; deprovision the User to remove them).
    Only active Users (members) can be in a group."""
    _lock(tenant, actor)
    changes = [(p, role) for p in add]
    if role == Role.ADMIN:
        changes += [(p, Role.COLLABORATOR) for p in remove]
    for provisioned, new_role in changes:
        membership = _membership(provisioned)
        if membership is None:
            raise member_services.MemberGoneError
        member_services.membership_change_role(
            membership=membership, role=new_role, actor=actor, ip=ip
        )
