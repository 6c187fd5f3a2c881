"""Writes for tenants: each one a small atomic function."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from console.accounts.models import SecurityEvent
from console.accounts.selectors import two_step_enabled
from tenants.activity import activity_record
from tenants.actors import Actor, actor_require
from tenants.models import ActivityEvent, Plan, Tenant, TenantAction, TenantType

# The permission the tenant's settings need (members.permissions.RENAME_TENANT,
# DELETE_TENANT; members depends on tenants, so the names are written here).
RENAME_TENANT = "rename_tenant"
DELETE_TENANT = "delete_tenant"


@transaction.atomic
def tenant_create(
    *,
    owner,
    name: str,
    type: str = TenantType.DEVELOPMENT,
    plan: str = "",
    ip: str | None = None,
) -> Tenant:
    """Create a tenant and make ``owner`` its first admin, both or neither."""
    if type == TenantType.DEVELOPMENT:
        plan = ""
    elif plan not in Plan.values:
        plan = Plan.FREE
    tenant = Tenant(name=name.strip(), type=type, plan=plan)
    tenant.full_clean()
    tenant.save()
    # Through the reverse relation: members knows which role an owner has.
    tenant.memberships.create_owner(user=owner)
    activity_record(
        tenant=tenant,
        action=TenantAction.CREATED,
        actor=owner,
        target_user=owner,
        details={"name": tenant.name, "type": tenant.type, "plan": tenant.plan},
        ip=ip,
    )
    return tenant


@transaction.atomic
def tenant_rename(*, tenant: Tenant, name: str, actor: Actor, ip: str | None = None) -> Tenant:
    """Rename the tenant (admins only, re-checked under the tenant lock)."""
    old_name = actor_require(actor=actor, tenant_id=tenant.pk, permission=RENAME_TENANT).name
    tenant.name = name.strip()
    tenant.full_clean(exclude=["public_id"])
    if tenant.name == old_name:
        return tenant
    tenant.save(update_fields=["name"])
    activity_record(
        tenant=tenant,
        action=TenantAction.RENAMED,
        details={"old_name": old_name, "new_name": tenant.name},
        ip=ip,
        **actor.recorded_as,
    )
    return tenant


@transaction.atomic
def tenant_operator_save(*, tenant: Tenant, actor: Actor, ip: str | None = None) -> Tenant:
    """Save the Django admin's edit of ``tenant`` (its fields already set from the
    form) and record each change as Operator: created, renamed, plan changed
    (type and plan), member limit changed.

    The stored row is locked and compared with the edit, so the entries say
    what really changed, in the same transaction as the save.
    """
    recorded = {**actor.recorded_as, "ip": ip}
    if tenant.type == TenantType.DEVELOPMENT:
        tenant.plan = ""
    elif tenant.plan not in Plan.values:
        tenant.plan = Plan.FREE
    tenant.full_clean(exclude=["public_id"])
    if tenant.pk is None:
        tenant.save()
        activity_record(
            tenant=tenant,
            action=TenantAction.CREATED,
            details={"name": tenant.name, "type": tenant.type, "plan": tenant.plan},
            **recorded,
        )
        return tenant
    old = actor_require(actor=actor, tenant_id=tenant.pk, permission=RENAME_TENANT)
    tenant.save()
    if old.name != tenant.name:
        activity_record(
            tenant=tenant,
            action=TenantAction.RENAMED,
            details={"old_name": old.name, "new_name": tenant.name},
            **recorded,
        )
    if (old.type, old.plan) != (tenant.type, tenant.plan):
        activity_record(
            tenant=tenant,
            action=TenantAction.PLAN_CHANGED,
            details={
                "old_type": old.type,
                "old_plan": old.plan,
                "new_type": tenant.type,
                "new_plan": tenant.plan,
            },
            **recorded,
        )
    if old.member_limit_override != tenant.member_limit_override:
        activity_record(
            tenant=tenant,
            action=TenantAction.MEMBER_LIMIT_CHANGED,
            details={
                "old_limit": old.member_limit_override,
                "new_limit": tenant.member_limit_override,
            },
            **recorded,
        )
    return tenant


@transaction.atomic
def tenant_delete(*, tenant: Tenant, actor: Actor, confirm_name: str) -> None:
    """Delete a tenant with its memberships and invitations; the name must be typed exactly.

    Admins only, re-checked under the tenant lock.
    """
    locked = actor_require(actor=actor, tenant_id=tenant.pk, permission=DELETE_TENANT)
    if confirm_name != locked.name:
        raise ValidationError(gettext_lazy("The name you typed does not match the tenant's name."))
    locked.delete()


ACTIVITY_PURGE_BATCH = 5000


def activity_purge_old(
    *,
    now: datetime | None = None,
    retention_days: int | None = None,
    batch_size: int = ACTIVITY_PURGE_BATCH,
    max_batches: int = 1000,
) -> int:
    """Delete activity entries, and accounts' security events, older than
    ``ACTIVITY_RETENTION_DAYS``; returns how many rows went.

    Set-based and bounded: each DELETE covers one range of ``batch_size`` ids
    (between the oldest id and the newest row past the cutoff, both found
    through an index) and commits on its own, so no statement locks or
    rewrites millions of rows at once and the log stays writable meanwhile.
    ``max_batches`` caps one run per table; the next run carries on.
    """
    if retention_days is None:
        retention_days = settings.ACTIVITY_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=retention_days)
    return sum(
        _purge_before(model, cutoff=cutoff, batch_size=batch_size, max_batches=max_batches)
        for model in (ActivityEvent, SecurityEvent)
    )


def _purge_before(model, *, cutoff: datetime, batch_size: int, max_batches: int) -> int:
    old = model.objects.filter(created_at__lt=cutoff)
    # The newest old row, read backwards along the created_at index.
    last = old.order_by("-created_at", "-id").values_list("id", flat=True).first()
    if last is None:
        return 0
    first = model.objects.order_by("id").values_list("id", flat=True).first()
    deleted = 0
    start = first
    for _ in range(max_batches):
        if start > last:
            break
        end = min(start + batch_size - 1, last)
        # created_at is re-checked: ids follow time closely, not exactly.
        count, _ = old.filter(id__gte=start, id__lte=end).delete()
        deleted += count
        start = end + 1
    return deleted


TWO_STEP_FIRST = gettext_lazy(
    "Turn on two-step verification for your own account first: "
    "an admin cannot require what they do not use."
)


@transaction.atomic
def tenant_set_two_step_required(
    *, tenant: Tenant, actor: Actor, required: bool, ip: str | None = None
) -> Tenant:
    """Turn the tenant's "Require two-step verification" policy on or off.

    Only an admin who has two-step verification on may turn it on (so the
    policy never locks out the person setting it); turning it off needs no
    second step. ``actor`` must be an admin of ``tenant`` (re-checked under the lock).
    """
    if required and not two_step_enabled(user=actor.user):
        raise ValidationError(TWO_STEP_FIRST)
    locked = actor_require(actor=actor, tenant_id=tenant.pk, permission=RENAME_TENANT)
    if locked.require_two_step != required:
        locked.require_two_step = required
        locked.save(update_fields=["require_two_step"])
        activity_record(
            tenant=locked,
            action=TenantAction.TWO_STEP_REQUIREMENT_CHANGED,
            details={"required": required},
            ip=ip,
            **actor.recorded_as,
        )
    tenant.require_two_step = required
    return tenant
