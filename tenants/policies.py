"""Member limits per tenant type and plan: the one place that knows the numbers."""

from dataclasses import dataclass
from decimal import Decimal

from tenants.models import Tenant

DEVELOPMENT_MEMBER_LIMIT = 3
PRODUCTION_FREE_MEMBER_LIMIT = 1
PRO_INCLUDED_SEATS = 3
PRO_EXTRA_SEAT_PRICE = Decimal("8.00")  # US dollars per additional member per month


def seats_included(tenant: Tenant) -> int:
    """Seats that cost nothing extra; an operator's override raises them."""
    if tenant.member_limit_override is not None:
        return tenant.member_limit_override
    if tenant.is_pro:
        return PRO_INCLUDED_SEATS
    if tenant.is_production_free:
        return PRODUCTION_FREE_MEMBER_LIMIT
    return DEVELOPMENT_MEMBER_LIMIT


def member_limit(tenant: Tenant) -> int | None:
    """The hard cap on seats (members + pending invitations); None means no cap (Pro)."""
    if tenant.is_pro:
        return None
    return seats_included(tenant)


def extra_seat_cost(tenant: Tenant, seats: int) -> Decimal:
    """Monthly cost of the seats beyond the included ones (Pro only)."""
    if not tenant.is_pro:
        return Decimal("0.00")
    return max(seats - seats_included(tenant), 0) * PRO_EXTRA_SEAT_PRICE


@dataclass(frozen=True)
class SeatUsage:
    members: int
    pending_invitations: int
    included: int
    limit: int | None

    @property
    def used(self) -> int:
        return self.members + self.pending_invitations

    @property
    def available(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def extra(self) -> int:
        return max(self.used - self.included, 0)
