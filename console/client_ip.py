"""The client's IP address, for the activity log (and anything else that records it)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the
    outermost trusted proxy saw: the Nth entry from the right of X-Forwarded-For.

    Entries further left were written by the client and can be forged, so they
    are never used. None when the address is missing (e.g. a test client).
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
