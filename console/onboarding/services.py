"""Writes for onboarding: sign-up and the user's own Get started state."""

from django.db import transaction
from django.utils import timezone

from console import page_cache
from console.accounts.models import User
from console.onboarding.models import ChecklistState
from tenants.models import Tenant

TENANT_NAME_SUFFIX = "'s tenant"


def first_tenant_name(*, name: str, email: str) -> str:
    """“Ada Lovelace's tenant”, or the email's local part when no name was given; at most 64
    chars."""
    owner = (name or "").strip() or email.split("@")[0]
    return owner[: 64 - len(TENANT_NAME_SUFFIX)] + TENANT_NAME_SUFFIX


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
    if ChecklistState.objects.filter(pk=state.pk, **{f"{field}__isnull": True}).update(
        **{field: timezone.now()}
    ):
        # update() sends no post_save: the Get started page ticks the step.
        page_cache.changed(users=[user.pk])
