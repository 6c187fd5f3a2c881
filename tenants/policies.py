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
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext

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
        days = seconds // 86400
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    hours = max(seconds // 3600, 1)
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def format_usd(amount: Decimal | int) -> str:
    """A US-dollar amount in the current language: "$8.00" (en), "8,00 $" (de, fr).

    The one home of price formatting (billing, the invite form's cost line,
    emails; templates through the ``usd`` filter of ``tenants_format``).
    The number follows the locale; where the sign goes is the translation's.
    """
    number = number_format(Decimal(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    return pgettext("price in US dollars", "$%(amount)s") % {"amount": number}


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
        return ngettext(
            "%(count)s member included, then %(price)s per additional member per month",
            "%(count)s members included, then %(price)s per additional member per month",
            self.pro_included_seats,
        ) % {"count": self.pro_included_seats, "price": format_usd(self.extra_seat_price)}

    @property
    def extra_seat_price_text(self) -> str:
        return format_usd(self.extra_seat_price)


def plan_terms() -> PlanTerms:
    return PlanTerms(
        extra_seat_price=extra_seat_price(),
        pro_included_seats=PRO_INCLUDED_SEATS,
        invitation_lifetime=duration_words(invitation_lifetime()),
    )


def added_cost_message(count: int, cost: Decimal) -> str:
    """What inviting ``count`` more people adds to a Pro tenant's monthly bill."""
    return ngettext(
        "Inviting %(count)s more member adds %(cost)s per month",
        "Inviting %(count)s more members adds %(cost)s per month",
        count,
    ) % {"count": count, "cost": format_usd(cost)}


def invite_blocked_reason(tenant: Tenant) -> str | None:
    """Why nobody at all can be invited into ``tenant`` (Production free), or None."""
    if tenant.is_production_free and (member_limit(tenant) or 0) <= PRODUCTION_FREE_MEMBER_LIMIT:
        return gettext(
            "Inviting members needs the Pro plan. A Production tenant on the Free plan "
            "has one member: its admin."
        )
    return None


def _limited_to(tenant: Tenant, limit: int, *, starts_sentence: bool = False) -> str:
    # Whole clauses per case, so each language can order its words.
    if starts_sentence:
        clause = ngettext(
            "This %(type)s tenant is limited to %(limit)s member",
            "This %(type)s tenant is limited to %(limit)s members",
            limit,
        )
    else:
        clause = ngettext(
            "this %(type)s tenant is limited to %(limit)s member",
            "this %(type)s tenant is limited to %(limit)s members",
            limit,
        )
    return clause % {"type": tenant.get_type_display(), "limit": limit}


def member_limit_message(
    tenant: Tenant, *, limit: int, used: int, adding: int | None = None
) -> str:
    """Why an invitation does not fit: seats used (pending invitations count) against the limit."""
    available = max(limit - used, 0)
    values = {
        "limited": _limited_to(tenant, limit, starts_sentence=True),
        "used": used,
        "available": available,
    }
    if adding is None:
        message = gettext("%(limited)s (%(used)s used).") % values
    elif available:
        message = gettext(
            "%(limited)s (%(used)s used, counting pending invitations), so you can invite "
            "%(available)s more, not %(adding)s."
        ) % {**values, "adding": adding}
    else:
        message = gettext("%(limited)s (%(used)s used, counting pending invitations).") % values
    return message + " " + gettext("Remove someone or ask an operator to raise the limit.")


def member_limit_full_message(tenant: Tenant, *, limit: int, members: int) -> str:
    """Why an accept does not fit: only members count (other invitations do not block it)."""
    return gettext(
        "“%(tenant)s” is full: %(limited)s and has %(members)s. Ask one of its admins to "
        "remove someone, or an operator to raise the limit, then accept again."
    ) % {"tenant": tenant.name, "limited": _limited_to(tenant, limit), "members": members}
