"""Fixed-window rate limits kept in the cache (Redis in production).

When the cache does not answer, limits fail open with a logged warning: a
Redis outage must not lock people out of the console.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


class RateLimited(ValidationError):
    """A limit was reached (HTTP 429): the one class for every rate limit.

    A ``ValidationError`` like every refusal a service raises; ``message`` is
    shown to the person as is.
    """

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message, code="rate_limited")
        # Seconds to wait at most (the window's length), when the raiser knows it.
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int

    def key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"


def _counts(limit: Limit, subjects: list[str]) -> dict[str, int] | None:
    """Hits so far in the current window for each subject, or None when the cache is down."""
    try:
        found = cache.get_many([limit.key(subject) for subject in subjects])
    except Exception:
        logger.warning("rate limit %s: cache unavailable, failing open", limit.name, exc_info=True)
        return None
    return {subject: int(found.get(limit.key(subject), 0)) for subject in subjects}


def hits(limit: Limit, subjects: list[str]) -> dict[str, int]:
    """Hits so far in the current window for each subject (0 when the cache is down)."""
    counts = _counts(limit, subjects)
    return counts if counts is not None else dict.fromkeys(subjects, 0)


def allows(limit: Limit, subject: str, cost: int = 1) -> bool:
    """Whether ``cost`` more hits fit in the window, without counting them (yes when the cache
    is down)."""
    counts = _counts(limit, [subject])
    return counts is None or counts[subject] + cost <= limit.max_hits


def record(limit: Limit, subject: str, cost: int = 1) -> None:
    """Count ``cost`` hits; the window starts with the first hit."""
    key = limit.key(subject)
    try:
        cache.add(key, 0, timeout=limit.window_seconds)
        cache.incr(key, cost)
    except ValueError:
        # The key expired between add and incr: start a new window.
        cache.set(key, cost, timeout=limit.window_seconds)
    except Exception:
        logger.warning("rate limit %s: cache unavailable, failing open", limit.name, exc_info=True)


def check_and_record(limit: Limit, subject: str, message: str, cost: int = 1) -> None:
    """Raise ``RateLimited(message)`` when over the limit; otherwise count the hits."""
    if not allows(limit, subject, cost):
        raise RateLimited(message, retry_after=limit.window_seconds)
    record(limit, subject, cost)


def over_limit(limit: Limit, subjects: list[str]) -> list[str]:
    """The subjects with no room left for one more hit (none when the cache is down)."""
    counts = _counts(limit, subjects) or {}
    return [subject for subject, count in counts.items() if count + 1 > limit.max_hits]


def record_many(limit: Limit, subjects: list[str]) -> None:
    """Count one hit for each subject in a few cache round trips, however many subjects.

    New windows are written together (``set_many``); running windows are
    incremented, which keeps their expiry. Two requests starting the same
    subject's window at the same moment may count one hit instead of two: a
    slight undercount, acceptable for limits that stop abuse, not billing.
    """
    keys = {limit.key(subject) for subject in subjects}
    try:
        running = cache.get_many(list(keys))
        new = {key: 1 for key in keys if key not in running}
        if new:
            cache.set_many(new, timeout=limit.window_seconds)
        for key in running:
            try:
                cache.incr(key)
            except ValueError:  # expired since get_many: a new window
                cache.set(key, 1, timeout=limit.window_seconds)
    except Exception:
        logger.warning("rate limit %s: cache unavailable, failing open", limit.name, exc_info=True)


def reset(limit: Limit, subject: str) -> None:
    """Forget the subject's hits (e.g. failed log-ins once the right password is given)."""
    try:
        cache.delete(limit.key(subject))
    except Exception:
        logger.warning("rate limit %s: cache unavailable, failing open", limit.name, exc_info=True)


# -- The console's limits --------------------------------------------------------------
# Every limit is built here, from settings read at call time; services count
# against them. (Log-in and password-reset limits are django-allauth's.)

HOUR = 60 * 60
DAY = 24 * HOUR
RESENDS_PER_HOUR = 3


def invitation_resend_limit() -> Limit:
    """Resends of one invitation per hour (the first send does not count)."""
    return Limit("invitation-resend", RESENDS_PER_HOUR, HOUR)


def invitations_per_day() -> tuple[Limit, Limit, Limit]:
    """New invitations per inviter and per tenant, and invitation emails per address (first
    sends and resends, across tenants), in 24 hours."""
    return (
        Limit("invitations-per-inviter", settings.INVITATIONS_PER_INVITER_PER_DAY, DAY),
        Limit("invitations-per-tenant", settings.INVITATIONS_PER_TENANT_PER_DAY, DAY),
        Limit("invitations-per-address", settings.INVITATIONS_PER_ADDRESS_PER_DAY, DAY),
    )


def hashed(value: str) -> str:
    """A short fixed-length subject for arbitrary input (an email typed by anyone)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
