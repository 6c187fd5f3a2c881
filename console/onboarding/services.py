"""Writes for onboarding: sign-up and the user's own Get started state."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from console.accounts.models import User
from console.accounts.services import user_create
from console.onboarding.models import ChecklistState
from tenants.models import Tenant, TenantType
from tenants.services import tenant_create

TENANT_NAME_SUFFIX = "'s tenant"


@dataclass(frozen=True)
class Signup:
    user: User
    tenant: Tenant | None


def first_tenant_name(*, name: str, email: str) -> str:
    """“Ada Lovelace's tenant”, or the email's local part when no name was given; at most 64
    chars."""
    owner = (name or "").strip() or email.split("@")[0]
    return owner[: 64 - len(TENANT_NAME_SUFFIX)] + TENANT_NAME_SUFFIX


@transaction.atomic
def user_signup(
    *, email: str, password: str, name: str = "", segment: str = "", create_tenant: bool = True
) -> Signup:
    """Create an account and, unless it joins by invitation, its own Development tenant.

    Both or neither: a failure while creating the tenant rolls the user back
    too. Someone signing up to accept an invitation gets no tenant of their
    own (``create_tenant=False``); they join the inviting tenant instead.
    """
    user = user_create(email=email, password=password, name=name, segment=segment)
    tenant = None
    if create_tenant:
        tenant = tenant_create(
            owner=user,
            name=first_tenant_name(name=user.name, email=user.email),
            type=TenantType.DEVELOPMENT,
        )
    return Signup(user=user, tenant=tenant)


@transaction.atomic
def checklist_set_hidden(*, user: User, tenant: Tenant, hidden: bool) -> ChecklistState:
    """Hide or show the user's checklist in ``tenant`` (a personal preference)."""
    state, _ = ChecklistState.objects.update_or_create(
        user=user, tenant=tenant, defaults={"hidden": hidden}
    )
    return state


# The links whose following is recorded, each to its own timestamp.
FOLLOWED_LINK_FIELDS = {
    "community": "community_joined_at",
    "self-hosting-guide": "self_hosting_guide_opened_at",
}


@transaction.atomic
def checklist_record_link_followed(*, user: User, tenant: Tenant, link: str) -> None:
    """Mark a checklist link as followed; the first time counts, repeats change nothing."""
    field = FOLLOWED_LINK_FIELDS[link]
    state, _ = ChecklistState.objects.get_or_create(user=user, tenant=tenant)
    ChecklistState.objects.filter(pk=state.pk, **{f"{field}__isnull": True}).update(
        **{field: timezone.now()}
    )
