"""Writes for tenants: each one a small atomic function."""

from django.core.exceptions import ValidationError
from django.db import transaction

from console.accounts.selectors import two_step_enabled
from tenants.models import Plan, Tenant, TenantType

# members.Role.ADMIN; members depends on tenants, so the value is named here
# and the membership is created through the reverse relation.
OWNER_ROLE = "admin"


@transaction.atomic
def tenant_create(
    *, owner, name: str, type: str = TenantType.DEVELOPMENT, plan: str = ""
) -> Tenant:
    """Create a tenant and make ``owner`` its first admin, both or neither."""
    if type == TenantType.DEVELOPMENT:
        plan = ""
    elif plan not in Plan.values:
        plan = Plan.FREE
    tenant = Tenant(name=name.strip(), type=type, plan=plan)
    tenant.full_clean()
    tenant.save()
    tenant.memberships.create(user=owner, role=OWNER_ROLE)
    return tenant


@transaction.atomic
def tenant_rename(*, tenant: Tenant, name: str) -> Tenant:
    tenant.name = name.strip()
    tenant.full_clean(exclude=["public_id"])
    tenant.save(update_fields=["name"])
    return tenant


@transaction.atomic
def tenant_delete(*, tenant: Tenant, confirm_name: str) -> None:
    """Delete a tenant with its memberships and invitations; the name must be typed exactly."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if confirm_name != locked.name:
        raise ValidationError("The name you typed does not match the tenant's name.")
    locked.delete()


TWO_STEP_FIRST = (
    "Turn on two-step verification for your own account first: "
    "an admin cannot require what they do not use."
)


@transaction.atomic
def tenant_set_two_step_required(*, tenant: Tenant, actor, required: bool) -> Tenant:
    """Turn the tenant's "Require two-step verification" policy on or off.

    Only an admin who has two-step verification on may turn it on (so the
    policy never locks out the person setting it); turning it off needs no
    second step. The caller checks that ``actor`` is an admin of ``tenant``.
    """
    if required and not two_step_enabled(user=actor):
        raise ValidationError(TWO_STEP_FIRST)
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if locked.require_two_step != required:
        locked.require_two_step = required
        locked.save(update_fields=["require_two_step"])
    tenant.require_two_step = required
    return tenant
