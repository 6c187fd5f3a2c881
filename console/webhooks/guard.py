"""The SSRF guard: where a webhook may be sent.

A tenant admin types the URL and the console's worker connects to it, so
the URL must not reach the console's own network. The rule, checked when an
endpoint is saved and again before every attempt (DNS can change between
the two, or between two attempts):

- ``https`` only, no credentials before the host;
- every address the host resolves to must be public: no private, loopback,
  link-local, CGNAT (100.64/10), reserved, multicast or unspecified address,
  IPv6 unique-local or link-local, and no IPv4 address hidden in an IPv6 one
  (IPv4-mapped, 6to4, Teredo);
- the worker then connects to the address it checked (``resolve_target``
  returns it), never to the name again, so there is no gap for a DNS answer
  that changes between the check and the connection.

``WEBHOOKS_ALLOW_PRIVATE_URLS`` (development and tests) lets non-public
addresses through, and with them plain ``http``: a local receiver rarely has
a certificate. Public addresses always need ``https``.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValidationError):
    """The URL may not receive webhooks (the message says why, for the form)."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the checked address, and the name for Host and TLS."""

    scheme: str
    host: str  # the name in the URL, for the Host header, SNI and the certificate
    ip: str  # the address checked, the one connected to
    port: int
    path: str  # path and query


def private_urls_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_URLS)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _split(url: str):
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (ValidationError, ValueError):
        raise UnsafeURL(_("Enter a valid URL starting with https://."), code="invalid") from None
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(
            _("Leave credentials out of the URL (put a token in the path or query instead)."),
            code="credentials",
        )
    return parts, port


def _unresolvable(host: str) -> str:
    return _("The host “%(host)s” could not be resolved.") % {"host": host}


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL(_unresolvable(host), code="unresolvable") from None
    # Scope ids (fe80::1%eth0) are dropped: the address itself decides.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeURL(_unresolvable(host), code="unresolvable")
    return addresses


def resolve_target(url: str) -> Target:
    """Check ``url`` against the rule above and return where to connect, or raise UnsafeURL."""
    parts, port = _split(url)
    host = parts.hostname or ""
    addresses = _resolve(host, port)
    public = all(is_public_address(address) for address in addresses)
    if not public and not private_urls_allowed():
        raise UnsafeURL(
            _(
                "This URL points to a private, loopback or link-local address. "
                "Webhooks go only to public https addresses."
            ),
            code="private",
        )
    if parts.scheme != "https" and (public or not private_urls_allowed()):
        raise UnsafeURL(_("The URL must start with https://."), code="https")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, ip=str(addresses[0]), port=port, path=path)


def validate_webhook_url(url: str) -> None:
    """The save-time check (forms and services): raises UnsafeURL with a clear message."""
    resolve_target(url)
