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
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.accounts.models import User, normalize_email
from console.accounts.services import email_address_confirm
from members.activity import MemberAction
from members.models import Membership, Role
from members.permissions import MANAGE_MEMBERS
from members.selectors import is_last_admin
from tenants import policies
from tenants.activity import activity_record
from tenants.actors import Actor, TenantGone, actor_require
from tenants.domain_names import domain_of_address
from tenants.models import ActorKind, Tenant
from tenants.selectors import seat_usage

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
    actor: Actor | None = None,
    ip: str | None = None,
    via: str = "",
) -> Membership:
    """Make ``user`` a member of ``tenant`` with ``role``, recording "member joined"
    (by the person themselves, or by ``actor``: an operator in the Django admin);
    ``via`` says how when it is not an invitation (``"domain"``: Join automatically).

    Callers that must respect the member limit (invitation acceptance) lock
    the tenant and check seats before calling this.
    """
    membership = Membership.objects.create(tenant=tenant, user=user, role=role)
    activity_record(
        tenant=tenant,
        action=MemberAction.JOINED,
        target_user=user,
        details={"role": role, **({"via": via} if via else {})},
        ip=ip,
        **(actor or Actor.member(user)).recorded_as,
    )
    return membership


def _lock_tenant(tenant_id: int) -> Tenant:
    try:
        return Tenant.objects.select_for_update().get(pk=tenant_id)
    except Tenant.DoesNotExist:  # deleted by an admin a moment ago
        raise MembershipError(_("This tenant no longer exists."), code="tenant_gone") from None


def _require_manager(actor: Actor, tenant_id: int) -> Tenant:
    """Lock the tenant; ``actor`` must still be allowed to manage members (``actor_require``)."""
    try:
        return actor_require(
            actor=actor,
            tenant_id=tenant_id,
            permission=MANAGE_MEMBERS,
            refusal=_("Only tenant admins can manage members."),
        )
    except TenantGone as gone:  # said as a membership refusal, like _lock_tenant
        raise MembershipError(gone.message, code=gone.code) from None


def _reread(membership: Membership, tenant: Tenant) -> Membership:
    """The membership as it is now (inside the lock), not as the caller loaded it."""
    try:
        return Membership.objects.select_related("user").get(pk=membership.pk, tenant=tenant)
    except Membership.DoesNotExist:
        raise MemberGoneError from None


@transaction.atomic
def membership_change_role(
    *,
    membership: Membership,
    role: str,
    actor: Actor,
    ip: str | None = None,
) -> Membership:
    """Give ``membership`` the ``role``. Refuses to demote the tenant's last admin."""
    if role not in Role.values:
        raise MembershipError(_("Choose Admin or Collaborator."), code="invalid_role")
    tenant = _require_manager(actor, membership.tenant_id)
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
        action=MemberAction.ROLE_CHANGED,
        target_user=current.user,
        details={"old_role": old_role, "new_role": role},
        ip=ip,
        **actor.recorded_as,
    )
    return current


@transaction.atomic
def membership_remove(
    *,
    membership: Membership,
    actor: Actor,
    ip: str | None = None,
) -> None:
    """An admin removes a member. Refuses to remove the tenant's last admin.

    Removed by an identity provider (``actor`` is SCIM: ``active: false`` or
    delete): when the person now belongs to no tenant at all, their sessions
    end (they left the company)."""
    tenant = _require_manager(actor, membership.tenant_id)
    current = _reread(membership, tenant)
    if is_last_admin(current):
        raise LastAdminError
    current.delete()
    activity_record(
        tenant=tenant,
        action=MemberAction.REMOVED,
        target_user=current.user,
        details={"role": current.role},
        ip=ip,
        **actor.recorded_as,
    )
    if (
        actor.kind == ActorKind.SCIM
        and not Membership.objects.filter(user_id=current.user_id).exists()
    ):
        for session in UserSession.objects.filter(user_id=current.user_id):
            session.end()


@transaction.atomic
def membership_provision(
    *,
    tenant: Tenant,
    email: str,
    name: str = "",
    actor: Actor,
    ip: str | None = None,
) -> Membership:
    """An identity provider (SCIM) adds the person with ``email`` as a Collaborator.

    The address must be at one of the tenant's verified domains. An existing
    account gets the membership (an existing member keeps theirs, unchanged);
    otherwise the account is created with that address confirmed and no
    password (they sign in with single sign-on or set a password by reset).
    The member limit counts as at acceptance (members only), checked under
    the tenant lock with ``actor`` re-checked there; all or nothing, one
    "member joined" entry.
    """
    locked = _require_manager(actor, tenant.pk)
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
        action=MemberAction.JOINED,
        target_user=user,
        details={"role": Role.COLLABORATOR, "via": "scim"},
        ip=ip,
        **actor.recorded_as,
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
        action=MemberAction.LEFT,
        actor=current.user,
        target_user=current.user,
        details={"role": current.role},
        ip=ip,
    )


@transaction.atomic
def ownership_transfer(
    *,
    tenant: Tenant,
    actor: Actor,
    to_membership: Membership,
    then: TransferThen,
    ip: str | None = None,
) -> Membership:
    """Give ``to_membership`` the admin role, then make the giver (``actor``'s
    membership) a collaborator (``then="stay"``) or remove it (``then="leave"``):
    all or nothing.

    ``actor`` must be an admin when the lock is taken; the receiver
    must still be a member. Because the receiver is an admin before the giver
    steps down, the tenant keeps an admin.
    """
    if then not in TRANSFER_THEN_CHOICES:
        raise MembershipError(
            _("Choose whether to stay as a collaborator or leave the tenant."), code="invalid"
        )
    if not actor.by_role:  # an operator or the system has no membership to give away
        raise MembershipError(_("Only a member can transfer their admin role."), code="not_member")
    locked = actor_require(
        actor=actor,
        tenant_id=tenant.pk,
        permission=MANAGE_MEMBERS,
        refusal=_("Only tenant admins can transfer ownership."),
    )
    giver = locked.memberships.select_related("user").get(user_id=actor.user.pk)
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
        action=MemberAction.OWNERSHIP_TRANSFERRED,
        actor=giver.user,
        target_user=receiver.user,
        details={"receiver_old_role": receiver_old_role, "then": then},
        ip=ip,
    )
    return receiver
