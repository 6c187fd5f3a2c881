"""Who is acting, and the one check of "may this person act?" in a tenant.

Every service that changes a tenant takes the acting person as one keyword,
``actor``, an ``Actor``: a member signed in to the console, an operator in
the Django admin, the system (a job), or an API key (which acts as the admin
who created it), or an identity provider through a SCIM key (``scim``).

``actor_require`` is the one check. It locks the tenant row
(``SELECT ... FOR UPDATE``, the lock role changes and removals take) and only
then re-reads the acting person's membership and asks the permission table
(``membership.can``, ``members.permissions``): a member demoted or removed
after the view checked their role is refused here, because the change that
demoted them held the same lock. Operators and the system act outside tenant
roles; they take the lock too, so every service locks in the same order.

This module sits in ``tenants`` (below ``members``, ``invitations`` and the
webhooks), so every service can import it; it reaches memberships through
the reverse relation, as the scoping mixin does.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tenants.models import ActorKind, Tenant

ONLY_ADMINS = _("Only tenant admins can do this.")


class TenantGone(ValidationError):
    """The tenant was deleted (by an admin a moment ago) before this change ran."""

    def __init__(self):
        super().__init__(_("This tenant no longer exists."), code="tenant_gone")


@dataclass(frozen=True)
class Actor:
    """The acting person: build one with ``member``, ``operator``, ``system``, ``for_api_key``
    or ``scim``.

    ``user`` is the person the activity log names (the key's creator for a
    key, nobody for the system); ``kind`` is how the log records them
    (``ActorKind``); ``by_role`` says whether their tenant role is checked.
    """

    kind: str
    user: Any = None
    by_role: bool = False
    api_key: Any = None

    @classmethod
    def member(cls, user) -> "Actor":
        """A person signed in to the console, acting through their membership."""
        return cls(kind=ActorKind.MEMBER, user=user, by_role=True)

    @classmethod
    def operator(cls, user) -> "Actor":
        """Staff in the Django admin: outside tenant roles, recorded as Operator."""
        return cls(kind=ActorKind.OPERATOR, user=user)

    @classmethod
    def system(cls) -> "Actor":
        """A job or an internal caller: outside tenant roles, recorded as System."""
        return cls(kind=ActorKind.SYSTEM)

    @classmethod
    def for_api_key(cls, api_key, *, creator=None) -> "Actor":
        """An API request: acts as the admin who created the key, with that admin's role now.

        ``creator`` is ``api_key.created_by`` when the caller has it loaded already.
        """
        user = creator if creator is not None else api_key.created_by
        return cls(kind=ActorKind.MEMBER, user=user, by_role=True, api_key=api_key)

    @classmethod
    def scim(cls, api_key, *, creator=None) -> "Actor":
        """An identity provider through a SCIM key: recorded as SCIM, allowed what the
        key's creator may do now (their role is checked under the lock, as for any key)."""
        user = creator if creator is not None else api_key.created_by
        return cls(kind=ActorKind.SCIM, user=user, by_role=True, api_key=api_key)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def recorded_as(self) -> dict:
        """The activity entry's ``actor`` and ``actor_kind`` for this person."""
        return {"actor": self.user, "actor_kind": self.kind}


def actor_require(
    *, actor: Actor, tenant_id: int, permission: str, refusal: str | Promise = ONLY_ADMINS
) -> Tenant:
    """Lock the tenant and check, under that lock, that ``actor`` may ``permission``.

    Returns the locked tenant. A member (or a key's creator) is re-read now:
    no membership any more, or a role without ``permission``, is
    ``PermissionDenied`` (403). Operators and the system pass. A tenant
    deleted meanwhile is ``TenantGone``. Call it inside the service's
    transaction, before reading anything the check protects.
    """
    try:
        locked = Tenant.objects.select_for_update().get(pk=tenant_id)
    except Tenant.DoesNotExist:
        raise TenantGone from None
    if actor.by_role:
        membership = locked.memberships.filter(user_id=actor.user.pk).first()
        if membership is None:
            raise PermissionDenied(_("You are no longer a member of this tenant."))
        if not membership.can(permission):
            raise PermissionDenied(refusal)
    return locked
