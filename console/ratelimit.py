"""Fixed-window rate limits kept in the cache (Redis in production).

When the cache does not answer, limits fail open with a logged warning: a
Redis outage must not lock people out of the console.
"""

import hashlib
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
    """Whether ``cost`` more hits fit in the window, without counting them (yes when the cache is down)."""
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
        raise RateLimited(message)
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


def hashed(value: str) -> str:
    """A short fixed-length subject for arbitrary input (an email typed by anyone)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
