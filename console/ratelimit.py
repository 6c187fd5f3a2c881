"""Fixed-window rate limits kept in the cache (Redis in production).

When the cache does not answer, limits fail open with a logged warning: a
Redis outage must not lock people out of the console.
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Raised by callers when a limit is reached; the message is shown to the person."""


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int

    def key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"


def hits(limit: Limit, subjects: list[str]) -> dict[str, int]:
    """Hits so far in the current window for each subject (0 when the cache is down)."""
    try:
        found = cache.get_many([limit.key(subject) for subject in subjects])
    except Exception:
        logger.warning("rate limit %s: cache unavailable, failing open", limit.name, exc_info=True)
        return {subject: 0 for subject in subjects}
    return {subject: int(found.get(limit.key(subject), 0)) for subject in subjects}


def allows(limit: Limit, subject: str, cost: int = 1) -> bool:
    """Whether ``cost`` more hits fit in the window, without counting them."""
    return hits(limit, [subject])[subject] + cost <= limit.max_hits


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
        raise RateLimited(message)
    record(limit, subject, cost)
