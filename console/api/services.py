"""Writes for API keys: create, revoke, and the throttled "last used" mark.

Creating and revoking lock the tenant row, then re-read the acting member
under that lock and ask ``members.permissions`` whether they may manage API
keys (a concurrent demotion cannot slip through), and record the activity
entry in the same transaction.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.api import keys
from console.api.activity import ApiKeyAction
from console.api.exceptions import ApiKeyError
from console.api.models import ApiKey, ApiScope
from members.permissions import MANAGE_API_KEYS
from tenants.activity import activity_record
from tenants.actors import Actor, TenantGone, actor_require
from tenants.models import Tenant

# "Last used" is a hint, not an audit trail: one write per key per minute at
# most, so a busy integration does not turn every read into a write.
LAST_USED_GRANULARITY = timedelta(seconds=60)
NAME_MAX_LENGTH = 64


def _require_key_manager(*, tenant_id: int, actor: Actor) -> Tenant:
    """Lock the tenant; ``actor`` must still be allowed to manage API keys (``actor_require``)."""
    try:
        return actor_require(
            actor=actor,
            tenant_id=tenant_id,
            permission=MANAGE_API_KEYS,
            refusal=_("Only tenant admins can manage API keys."),
        )
    except TenantGone as gone:
        raise ApiKeyError(gone.message, code=gone.code) from None


@transaction.atomic
def api_key_create(
    *,
    tenant: Tenant,
    actor: Actor,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
    ip: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for ``tenant``; returns the row and the full key (shown once, never stored).

    Admins only (re-checked under the tenant lock). The expiry, if any, must be in the future.
    """
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ApiKeyError(
            _("Give the key a name of 1 to %(max)s characters.") % {"max": NAME_MAX_LENGTH},
            code="name",
        )
    if scope not in ApiScope.values:
        raise ApiKeyError(_("Choose Read, or Read and write."), code="scope")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ApiKeyError(_("Choose an expiry date in the future."), code="expires_at")
    locked = _require_key_manager(tenant_id=tenant.pk, actor=actor)
    new = keys.new_key()
    api_key = ApiKey.objects.create(
        tenant=locked,
        name=name,
        scope=scope,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        created_by=actor.user,
        created_at=now,
        expires_at=expires_at,
    )
    activity_record(
        tenant=locked,
        action=ApiKeyAction.CREATED,
        details=_details(api_key),
        ip=ip,
        **actor.recorded_as,
    )
    return api_key, new.key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor, ip: str | None = None) -> ApiKey:
    """Revoke ``api_key`` at once: its next request gets 401.

    Admins only; revoking a revoked key is refused.
    """
    locked_tenant = _require_key_manager(tenant_id=api_key.tenant_id, actor=actor)
    current = ApiKey.objects.filter(pk=api_key.pk, tenant=locked_tenant).first()
    if current is None:
        raise ApiKeyError(_("This API key no longer exists."), code="gone")
    if current.revoked_at is not None:
        raise ApiKeyError(_("This API key is already revoked."), code="already_revoked")
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    activity_record(
        tenant=locked_tenant,
        action=ApiKeyAction.REVOKED,
        details=_details(current),
        ip=ip,
        **actor.recorded_as,
    )
    return current


def api_key_mark_used(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Record that ``api_key`` was used, at most once per ``LAST_USED_GRANULARITY``.

    No write at all when the loaded value is recent; otherwise one conditional
    UPDATE, so concurrent requests write once between them. Returns whether it wrote.
    """
    now = now or timezone.now()
    stale_before = now - LAST_USED_GRANULARITY
    if api_key.last_used_at is not None and api_key.last_used_at > stale_before:
        return False
    written = ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before), pk=api_key.pk
    ).update(last_used_at=now)
    if written:
        api_key.last_used_at = now
    return bool(written)


def _details(api_key: ApiKey) -> dict:
    return {"name": api_key.name, "scope": api_key.scope, "prefix": api_key.prefix}
