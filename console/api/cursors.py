"""Cursor pagination over primary keys for every API list.

The cursor is opaque to clients (base64 of a version tag and the last id
seen), so the encoding can change without breaking anyone who treats it as a
token. Each page is one indexed query: ``id < cursor`` (newest first) or
``id > cursor`` (oldest first), ``LIMIT limit + 1`` to learn whether a next
page exists, with no COUNT.
"""

import base64
import binascii

from django.db.models import QuerySet

from console.api.problems import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_VERSION = "v1"


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_VERSION}:{pk}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, pk = raw.partition(":")
        if version != _VERSION or not pk.isdigit():
            raise ValueError(raw)
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(
            422,
            "This cursor is not valid: pass the “next” value of the previous page as it is.",
            code="invalid-input",
            errors=[{"pointer": "#/cursor", "detail": "Not a cursor from this API."}],
        ) from None


def page(queryset: QuerySet, *, cursor: str | None, limit: int, newest_first: bool) -> dict:
    """``{"items": [...], "next": cursor or None}`` for one page of ``queryset``."""
    limit = min(max(limit, 1), MAX_LIMIT)
    if cursor:
        after = decode(cursor)
        queryset = queryset.filter(pk__lt=after) if newest_first else queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("-pk" if newest_first else "pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": encode(rows[-1].pk) if more else None}
