"""The plan's numbers and words: the one place that knows them.

Member limits per tenant type and plan, the seats Pro includes, the price of
an extra seat, how long an invitation link lives, and the sentences that
state them. Templates read them through ``plan_terms()`` (a context
processor), forms, emails and services call these functions. The price and
the lifetime are settings (``PRO_EXTRA_SEAT_PRICE``, ``INVITATION_LIFETIME``)
with the defaults below, read at call time.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from tenants.models import Tenant

DEVELOPMENT_MEMBER_LIMIT = 3
PRODUCTION_FREE_MEMBER_LIMIT = 1
PRO_INCLUDED_SEATS = 3
DEFAULT_PRO_EXTRA_SEAT_PRICE = Decimal("8.00")  # US dollars per additional member per month
DEFAULT_INVITATION_LIFETIME = timedelta(days=7)


def extra_seat_price() -> Decimal:
    """Pro's monthly price of a member beyond the included seats, in US dollars."""
    price = getattr(settings, "PRO_EXTRA_SEAT_PRICE", DEFAULT_PRO_EXTRA_SEAT_PRICE)
    return Decimal(str(price)).quantize(Decimal("0.01"))


def invitation_lifetime() -> timedelta:
    """How long an invitation link works after it was sent (or resent)."""
    return getattr(settings, "INVITATION_LIFETIME", DEFAULT_INVITATION_LIFETIME)


def duration_words(duration: timedelta) -> str:
    """``timedelta(days=7)`` as "7 days"; a lifetime that is not whole days in hours."""
    seconds = int(duration.total_seconds())
    if seconds % 86400 == 0:
        number, unit = seconds // 86400, "day"
    else:
        number, unit = max(seconds // 3600, 1), "hour"
    return f"{number} {unit}{'s' if number != 1 else ''}"


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
    return max(seats - seats_included(tenant), 0) * extra_seat_price()


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
        """Seats beyond the included ones, pending invitations counted."""
        return max(self.used - self.included, 0)

    @property
    def extra_members(self) -> int:
        """Members beyond the included seats: what is billed today."""
        return max(self.members - self.included, 0)


# -- The words ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTerms:
    """The plan's figures as pages show them (``{{ PLAN.pro_terms }}``)."""

    extra_seat_price: Decimal
    pro_included_seats: int
    invitation_lifetime: str  # "7 days"

    @property
    def pro_terms(self) -> str:
        return (
            f"{self.pro_included_seats} members included, then ${self.extra_seat_price} "
            "per additional member per month"
        )


def plan_terms() -> PlanTerms:
    return PlanTerms(
        extra_seat_price=extra_seat_price(),
        pro_included_seats=PRO_INCLUDED_SEATS,
        invitation_lifetime=duration_words(invitation_lifetime()),
    )


def added_cost_message(count: int, cost: Decimal) -> str:
    """What inviting ``count`` more people adds to a Pro tenant's monthly bill."""
    return f"Inviting {count} more member{'s' if count != 1 else ''} adds ${cost} per month"


def invite_blocked_reason(tenant: Tenant) -> str | None:
    """Why nobody at all can be invited into ``tenant`` (Production free), or None."""
    if tenant.is_production_free and (member_limit(tenant) or 0) <= PRODUCTION_FREE_MEMBER_LIMIT:
        return (
            "Inviting members needs the Pro plan. A Production tenant on the Free plan "
            "has one member: its admin."
        )
    return None


def _limited_to(tenant: Tenant, limit: int, this: str = "this") -> str:
    return (
        f"{this} {tenant.get_type_display()} tenant is limited to {limit} "
        f"member{'s' if limit != 1 else ''}"
    )


def member_limit_message(
    tenant: Tenant, *, limit: int, used: int, adding: int | None = None
) -> str:
    """Why an invitation does not fit: seats used (pending invitations count) against the limit."""
    available = max(limit - used, 0)
    message = f"{_limited_to(tenant, limit, 'This')} ({used} used"
    if adding is None:
        message += ")."
    elif available:
        message += (
            f", counting pending invitations), so you can invite {available} more, not {adding}."
        )
    else:
        message += ", counting pending invitations)."
    return message + " Remove someone or ask an operator to raise the limit."


def member_limit_full_message(tenant: Tenant, *, limit: int, members: int) -> str:
    """Why an accept does not fit: only members count (other invitations do not block it)."""
    return (
        f"“{tenant.name}” is full: {_limited_to(tenant, limit)} and has {members}. Ask one of "
        "its admins to remove someone, or an operator to raise the limit, then accept again."
    )
