"""The client's address, read the same way by every per-client limit (ours and
allauth's) and by the activity log.

``TRUSTED_PROXY_COUNT`` proxies in front of the console each append the
address they received the request from to ``X-Forwarded-For``; the client is
the entry that the outermost trusted proxy appended, counted from the right.
Entries further left come from the client itself and can be forged, so with
the default 0 the header is ignored and ``REMOTE_ADDR`` is the client.
Imports no app, so anything may use it.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address, normalised; None when there is no valid one."""
    count = settings.TRUSTED_PROXY_COUNT
    candidate = ""
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
    if not candidate:
        candidate = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate.strip("[]")))
    except ValueError:
        return None
