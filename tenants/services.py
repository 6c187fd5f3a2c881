"""Writes for tenants: each one a small atomic function."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from console.accounts.models import SecurityEvent
from console.accounts.selectors import confirmed_addresses, two_step_enabled
from tenants.activity import activity_record
from tenants.actors import Actor, actor_require
from tenants.domain_dns import txt_record_check
from tenants.domain_names import domain_name_clean, domain_of_address
from tenants.models import (
    ActivityEvent,
    Domain,
    Enrollment,
    Plan,
    Tenant,
    TenantAction,
    TenantType,
)

# The permission the tenant's settings need (members.permissions.RENAME_TENANT,
# DELETE_TENANT; members depends on tenants, so the names are written here).
RENAME_TENANT = "rename_tenant"
DELETE_TENANT = "delete_tenant"
MANAGE_DOMAINS = "manage_domains"


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


# --- Domains ------------------------------------------------------------------
# Each write locks the tenant row first, like every other tenant service, so
# two admins adding, verifying and removing at once see each other's work.

DOMAIN_TAKEN = gettext_lazy(
    "%(name)s is already verified by another tenant. Ask its admins to remove it first."
)
DOMAIN_ALREADY_ADDED = gettext_lazy("%(name)s is already on this tenant's list of domains.")
DOMAIN_NOT_VERIFIED = gettext_lazy("Verify %(name)s first: only a verified domain has enrollment.")
MAX_DOMAINS_PER_TENANT = 50
TOO_MANY_DOMAINS = gettext_lazy("A tenant can have at most %(max)d domains.")


def _domain_taken_elsewhere(*, tenant: Tenant, name: str) -> bool:
    return (
        Domain.objects.filter(name=name, verified_at__isnull=False).exclude(tenant=tenant).exists()
    )


def _address_at(*, user, name: str) -> bool:
    """Whether ``user``'s own confirmed address is at the domain ``name``."""
    return any(
        domain_of_address(email) == name
        for email in confirmed_addresses(user=user).values_list("email", flat=True)
    )


def _mark_verified(*, domain: Domain, actor: Actor, method: str, ip: str | None) -> None:
    """Verify ``domain`` (its tenant locked by the caller), or refuse when another
    tenant holds the name verified; the partial unique index backs the check."""
    if _domain_taken_elsewhere(tenant=domain.tenant, name=domain.name):
        raise ValidationError(DOMAIN_TAKEN, code="taken", params={"name": domain.name})
    domain.verified_at = timezone.now()
    try:
        with transaction.atomic():
            domain.save(update_fields=["verified_at"])
    except IntegrityError:  # another tenant verified it in between
        domain.verified_at = None
        raise ValidationError(DOMAIN_TAKEN, code="taken", params={"name": domain.name}) from None
    activity_record(
        tenant=domain.tenant,
        action=TenantAction.DOMAIN_VERIFIED,
        details={"domain": domain.name, "method": method},
        ip=ip,
        **actor.recorded_as,
    )


@transaction.atomic
def domain_add(*, tenant: Tenant, actor: Actor, name: str, ip: str | None = None) -> Domain:
    """Add a domain to ``tenant``, Unverified, or Verified at once when the adding
    admin's own confirmed address is at it ("domain added", then "domain verified").

    Refused (``ValidationError``, nothing saved): not a domain name, a free or
    disposable mail provider (``tenants.domain_names``), a name already on this
    tenant's list or verified by another tenant. ``actor`` must be an admin
    of ``tenant`` (re-checked under the lock).
    """
    clean = domain_name_clean(name)
    locked = actor_require(actor=actor, tenant_id=tenant.pk, permission=MANAGE_DOMAINS)
    params = {"name": clean}
    if locked.domains.filter(name=clean).exists():
        raise ValidationError(DOMAIN_ALREADY_ADDED, code="duplicate", params=params)
    if locked.domains.count() >= MAX_DOMAINS_PER_TENANT:
        raise ValidationError(
            TOO_MANY_DOMAINS, code="too_many", params={"max": MAX_DOMAINS_PER_TENANT}
        )
    if _domain_taken_elsewhere(tenant=locked, name=clean):
        raise ValidationError(DOMAIN_TAKEN, code="taken", params=params)
    domain = Domain.objects.create(tenant=locked, name=clean, added_by=actor.user)
    activity_record(
        tenant=locked,
        action=TenantAction.DOMAIN_ADDED,
        details={"domain": clean},
        ip=ip,
        **actor.recorded_as,
    )
    if actor.user is not None and _address_at(user=actor.user, name=clean):
        _mark_verified(domain=domain, actor=actor, method="address", ip=ip)
    return domain


def domain_verify(*, domain: Domain, actor: Actor, ip: str | None = None) -> Domain:
    """Verify ``domain`` by its DNS TXT record (``tenants.domain_dns``).

    The look-up runs before any lock is taken (it may wait for the network);
    then, under the tenant lock, the domain is re-read and marked Verified
    unless it is gone, already verified, or verified by another tenant
    meanwhile. Each failure is a ``ValidationError`` saying what went wrong.
    """
    if domain.is_verified:
        return domain
    txt_record_check(domain=domain.name, token=domain.verification_token)
    with transaction.atomic():
        actor_require(actor=actor, tenant_id=domain.tenant_id, permission=MANAGE_DOMAINS)
        locked = Domain.objects.select_related("tenant").get(pk=domain.pk)
        if not locked.is_verified:
            _mark_verified(domain=locked, actor=actor, method="dns", ip=ip)
    return locked


@transaction.atomic
def domain_remove(*, domain: Domain, actor: Actor, ip: str | None = None) -> None:
    """Remove ``domain`` (always allowed); from the commit on it lets nobody join."""
    actor_require(actor=actor, tenant_id=domain.tenant_id, permission=MANAGE_DOMAINS)
    deleted, _ = Domain.objects.filter(pk=domain.pk).delete()
    if deleted:
        activity_record(
            tenant=domain.tenant,
            action=TenantAction.DOMAIN_REMOVED,
            details={"domain": domain.name},
            ip=ip,
            **actor.recorded_as,
        )


@transaction.atomic
def domain_set_enrollment(
    *, domain: Domain, actor: Actor, enrollment: str, ip: str | None = None
) -> Domain:
    """Set a verified domain's **Enrollment** (Ask to join, Join automatically, Off)."""
    if enrollment not in Enrollment.values:
        raise ValidationError(gettext_lazy("Choose an enrollment."), code="invalid")
    actor_require(actor=actor, tenant_id=domain.tenant_id, permission=MANAGE_DOMAINS)
    locked = Domain.objects.select_related("tenant").get(pk=domain.pk)
    if not locked.is_verified:
        raise ValidationError(DOMAIN_NOT_VERIFIED, code="unverified", params={"name": locked.name})
    if locked.enrollment != enrollment:
        old = locked.enrollment
        locked.enrollment = enrollment
        locked.save(update_fields=["enrollment"])
        activity_record(
            tenant=locked.tenant,
            action=TenantAction.DOMAIN_ENROLLMENT_CHANGED,
            details={"domain": locked.name, "old_enrollment": old, "new_enrollment": enrollment},
            ip=ip,
            **actor.recorded_as,
        )
    return locked
