"""Reads for API keys: the tab's list and the request's key."""

from dataclasses import dataclass

from django.db.models import QuerySet

from console.api import keys
from console.api.models import ApiKey
from members.models import Membership
from tenants.models import Tenant


def api_keys_for_tab(*, tenant: Tenant) -> QuerySet[ApiKey]:
    """The tenant's keys, newest first, with their creator (one query per page)."""
    return tenant.api_keys.select_related("created_by").order_by("-pk")


@dataclass(frozen=True)
class KeyHolder:
    """Who a request's key acts as: the key and its creator's current membership."""

    api_key: ApiKey
    membership: Membership

    @property
    def tenant(self) -> Tenant:
        return self.membership.tenant


def key_holder_for_token(token: str, *, now) -> KeyHolder | None:
    """The usable key ``token`` names and its creator's membership, else None.

    None for a malformed, unknown, wrong-secret, revoked or expired key, and
    for a key whose creator is no longer a member of its tenant or whose
    account an operator deactivated (the key is not revoked: it works again if
    the account is reactivated). Two queries: the key by its prefix (unique
    index), then the creator's membership with their account.
    """
    parts = keys.split_key(token)
    if parts is None:
        return None
    prefix, secret = parts
    api_key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first()
    if api_key is None or not keys.secret_matches(secret, api_key.secret_hash):
        return None
    if not api_key.is_usable(now) or api_key.created_by_id is None:
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(tenant_id=api_key.tenant_id, user_id=api_key.created_by_id)
        .first()
    )
    if membership is None or not membership.user.is_active:
        return None
    membership.tenant = api_key.tenant  # same row: saves the scoping a query
    return KeyHolder(api_key=api_key, membership=membership)
