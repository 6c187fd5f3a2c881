"""Writes for memberships. Rules that guard the last admin live here, under a
row lock on the tenant.

Every function that can take the admin role away from someone locks the
tenant row first (``SELECT ... FOR UPDATE``) and only then re-reads the
memberships it is about to change. Two requests that each demote "the other"
admin therefore run one after the other, and the second one sees the first
one's result instead of a stale count. Locking the tenant (and never a
membership first) keeps the lock order the same everywhere, so these
functions cannot deadlock with each other or with ``tenant_delete``.
"""

from typing import Literal

from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from console.accounts.models import User, normalize_email
from console.accounts.services import email_address_confirm
from members.models import Membership, Role
from members.permissions import MANAGE_MEMBERS
from members.selectors import is_last_admin
from tenants import policies
from tenants.activity import activity_record
from tenants.domain_names import domain_of_address
from tenants.models import ActivityAction, ActorKind, Tenant
from tenants.selectors import seat_usage

ADMINS_ONLY = _("Only tenant admins can do this.")
LAST_ADMIN_MESSAGE = _("A tenant needs at least one admin. Make another member an admin first.")

TransferThen = Literal["stay", "leave"]
TRANSFER_THEN_CHOICES = ("stay", "leave")


class MembershipError(ValidationError):
    """A membership change refused by a rule; its message is shown to people as is."""


class LastAdminError(MembershipError):
    """The change would leave the tenant without an admin."""

    def __init__(self, message: str | None = None):
        # The default is lazy, so it is said in the language of the request.
        super().__init__(message or LAST_ADMIN_MESSAGE, code="last_admin")


class MemberLimitError(MembershipError):
    """The tenant is full: one more member would pass its member limit."""


class MemberGoneError(MembershipError):
    """The membership was removed (by someone else) before this change ran."""

    def __init__(self, message=None):
        message = message or _("This person is no longer a member of the tenant.")
        super().__init__(message, code="member_gone")


@transaction.atomic
def membership_add(
    *,
    tenant,
    user,
    role: str = Role.COLLABORATOR,
    operator=None,
    ip: str | None = None,
    via: str = "",
) -> Membership:
    """Make ``user`` a member of ``tenant`` with ``role``, recording "member joined"
    (by the person themselves, or by ``operator`` in the Django admin); ``via``
    says how when it is not an invitation (``"domain"``: Join automatically).

    Callers that must respect the member limit (invitation acceptance) lock
    the tenant and check seats before calling this.
    """
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    activity_record(
        tenant=tenant,
        action=ActivityAction.MEMBER_JOINED,
        target_user=user,
        details={"role": role, **({"via": via} if via else {})},
        ip=ip,
        **_actor(None, operator, default_user=user),
    )
    return membership


def _actor(
    actor_membership: Membership | None, operator, default_user=None, *, scim: bool = False
) -> dict:
    """The activity entry's actor: SCIM (an identity provider, through a SCIM key),
    else the acting member, else the Django admin's operator, else
    ``default_user`` (a person acting on themselves), else System."""
    if scim:
        return {"actor": None, "actor_kind": ActorKind.SCIM}
    if actor_membership is not None:
        return {"actor": actor_membership.user, "actor_kind": ActorKind.MEMBER}
    if operator is not None:
        return {"actor": operator, "actor_kind": ActorKind.OPERATOR}
    if default_user is not None:
        return {"actor": default_user, "actor_kind": ActorKind.MEMBER}
    return {"actor": None, "actor_kind": ActorKind.SYSTEM}


def _lock_tenant(tenant_id: int) -> Tenant:
    try:
        return Tenant.objects.select_for_update().get(pk=tenant_id)
    except Tenant.DoesNotExist:  # deleted by an admin a moment ago
        raise MembershipError(_("This tenant no longer exists."), code="tenant_gone") from None


def _reread(membership: Membership, tenant: Tenant) -> Membership:
    """The membership as it is now (inside the lock), not as the caller loaded it."""
    try:
        return Membership.objects.select_related("user").get(pk=membership.pk, tenant=tenant)
    except Membership.DoesNotExist:
        raise MemberGoneError from None


def membership_require(
    *,
    tenant: Tenant,
    user_id: int,
    permission: str,
    refusal: str | Promise = ADMINS_ONLY,
) -> Membership:
    """The user's membership as it is now, if its role still grants ``permission``.

    Called with the tenant row locked, by every service that acts for an
    admin: a concurrent request may have demoted or removed them after the
    view checked their role (role changes take the same lock). Raises
    ``PermissionDenied`` (403) otherwise.
    """
    membership = (
        Membership.objects.select_related("user").filter(tenant=tenant, user_id=user_id).first()
    )
    if membership is None:
        raise PermissionDenied(_("You are no longer a member of this tenant."))
    if not membership.can(permission):
        raise PermissionDenied(refusal)
    return membership


def _require_manager(actor_membership: Membership | None, tenant: Tenant) -> None:
    if actor_membership is None:  # operators and internal callers
        return
    membership_require(
        tenant=tenant,
        user_id=actor_membership.user_id,
        permission=MANAGE_MEMBERS,
        refusal=_("Only tenant admins can manage members."),
    )


@transaction.atomic
def membership_change_role(
    *,
    membership: Membership,
    role: str,
    actor_membership: Membership | None = None,
    operator=None,
    ip: str | None = None,
    scim: bool = False,
) -> Membership:
    """Give ``membership`` the ``role``. Refuses to demote the tenant's last admin.

    ``scim``: an identity provider asked (its key's creator must still manage
    members); the entry's actor is SCIM."""
    if role not in Role.values:
        raise MembershipError(_("Choose Admin or Collaborator."), code="invalid_role")
    tenant = _lock_tenant(membership.tenant_id)
    _require_manager(actor_membership, tenant)
    current = _reread(membership, tenant)
    if current.role == role:
        return current
    if role != Role.ADMIN and is_last_admin(current):
        raise LastAdminError
    old_role = current.role
    current.role = role
    current.save(update_fields=["role"])
    activity_record(
        tenant=tenant,
        action=ActivityAction.ROLE_CHANGED,
        target_user=current.user,
        details={"old_role": old_role, "new_role": role},
        ip=ip,
        **_actor(actor_membership, operator, scim=scim),
    )
    return current


@transaction.atomic
def membership_remove(
    *,
    membership: Membership,
    actor_membership: Membership | None = None,
    operator=None,
    ip: str | None = None,
    scim: bool = False,
) -> None:
    """An admin removes a member. Refuses to remove the tenant's last admin.

    ``scim``: an identity provider deprovisioned the person (``active: false``
    or delete); the entry's actor is SCIM, and when the person now belongs to
    no tenant at all their sessions end (they left the company)."""
    tenant = _lock_tenant(membership.tenant_id)
    _require_manager(actor_membership, tenant)
    current = _reread(membership, tenant)
    if is_last_admin(current):
        raise LastAdminError
    current.delete()
    activity_record(
        tenant=tenant,
        action=ActivityAction.MEMBER_REMOVED,
        target_user=current.user,
        details={"role": current.role, **({"via": "scim"} if scim else {})},
        ip=ip,
        **_actor(actor_membership, operator, scim=scim),
    )
    if scim and not Membership.objects.filter(user_id=current.user_id).exists():
        for session in UserSession.objects.filter(user_id=current.user_id):
            session.end()


@transaction.atomic
def membership_provision(
    *,
    tenant: Tenant,
    email: str,
    name: str = "",
    actor_membership: Membership,
    ip: str | None = None,
) -> Membership:
    """An identity provider (SCIM) adds the person with ``email`` as a Collaborator.

    The address must be at one of the tenant's verified domains. An existing
    account gets the membership; otherwise the account is created with that
    address confirmed and no password (they sign in with single sign-on or set
    a password by reset). The member limit counts as at acceptance (members
    only) and is checked under the tenant lock; all or nothing, one "member
    joined" entry with actor SCIM.
    """
    locked = _lock_tenant(tenant.pk)
    _require_manager(actor_membership, locked)
    email = normalize_email(email)
    domain = domain_of_address(email)
    if not domain or not locked.domains.filter(name=domain, verified_at__isnull=False).exists():
        raise MembershipError(
            _("The address must be at one of the tenant's verified domains."),
            code="domain_not_verified",
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        existing = Membership.objects.filter(tenant=locked, user=user).first()
        if existing is not None:  # already in: nothing changes, nothing is recorded
            return existing
    usage = seat_usage(locked)
    if usage.limit is not None and usage.members + 1 > usage.limit:
        raise MemberLimitError(
            policies.member_limit_full_message(locked, limit=usage.limit, members=usage.members),
            code="member_limit",
        )
    if user is None:
        user = User.objects.create_user(email, password=None, name=name[:150])
        email_address_confirm(user=user)
    membership = Membership.objects.create(tenant=locked, user=user, role=Role.COLLABORATOR)
    activity_record(
        tenant=locked,
        action=ActivityAction.MEMBER_JOINED,
        target_user=user,
        details={"role": Role.COLLABORATOR, "via": "scim"},
        ip=ip,
        **_actor(actor_membership, None, scim=True),
    )
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, ip: str | None = None) -> None:
    """A member leaves the tenant. The last admin cannot leave."""
    tenant = _lock_tenant(membership.tenant_id)
    current = _reread(membership, tenant)
    if is_last_admin(current):
        raise LastAdminError
    current.delete()
    activity_record(
        tenant=tenant,
        action=ActivityAction.MEMBER_LEFT,
        actor=current.user,
        target_user=current.user,
        details={"role": current.role},
        ip=ip,
    )


@transaction.atomic
def ownership_transfer(
    *,
    tenant: Tenant,
    from_membership: Membership,
    to_membership: Membership,
    then: TransferThen,
    ip: str | None = None,
) -> Membership:
    """Give ``to_membership`` the admin role, then make ``from_membership`` a
    collaborator (``then="stay"``) or remove it (``then="leave"``): all or nothing.

    ``from_membership`` must be an admin when the lock is taken; the receiver
    must still be a member. Because the receiver is an admin before the giver
    steps down, the tenant keeps an admin.
    """
    if then not in TRANSFER_THEN_CHOICES:
        raise MembershipError(
            _("Choose whether to stay as a collaborator or leave the tenant."), code="invalid"
        )
    locked = _lock_tenant(tenant.pk)
    giver = membership_require(
        tenant=locked,
        user_id=from_membership.user_id,
        permission=MANAGE_MEMBERS,
        refusal=_("Only tenant admins can transfer ownership."),
    )
    receiver = _reread(to_membership, locked)
    if receiver.pk == giver.pk:
        raise MembershipError(
            _("Choose another member to receive the admin role."), code="same_member"
        )
    receiver_old_role = receiver.role
    if receiver.role != Role.ADMIN:
        receiver.role = Role.ADMIN
        receiver.save(update_fields=["role"])
    # Re-checked although the receiver is now an admin: this is the rule's
    # one home, and it costs one indexed query.
    if is_last_admin(giver):
        raise LastAdminError
    if then == "stay":
        giver.role = Role.COLLABORATOR
        giver.save(update_fields=["role"])
    else:
        giver.delete()
    # One entry for the whole transfer: its details say what happened to both.
    activity_record(
        tenant=locked,
        action=ActivityAction.OWNERSHIP_TRANSFERRED,
        actor=giver.user,
        target_user=receiver.user,
        details={"receiver_old_role": receiver_old_role, "then": then},
        ip=ip,
    )
    return receiver
