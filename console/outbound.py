"""The SSRF guard: where the console may connect to a URL a tenant admin typed.

Webhook endpoints, and single sign-on's discovery and metadata URLs, are
typed by a tenant admin and fetched by the console, so the URL must not
reach the console's own network. One rule for all of them, checked when the
URL is saved and again before every connection (DNS can change between the
two, or between two attempts):

- ``https`` only, no credentials before the host;
- every address the host resolves to must be public: no private, loopback,
  link-local, CGNAT (100.64/10), reserved, multicast or unspecified address,
  IPv6 unique-local or link-local, and no IPv4 address hidden in an IPv6 one
  (IPv4-mapped, 6to4, Teredo);
- the worker then connects to the address it checked (``resolve_target``
  returns it), never to the name again, so there is no gap for a DNS answer
  that changes between the check and the connection.

``allow_private`` (each caller's setting: ``WEBHOOKS_ALLOW_PRIVATE_URLS``,
``SSO_ALLOW_PRIVATE_URLS``; development and tests) lets non-public addresses
through, and with them plain ``http``: a local server rarely has a
certificate. Public addresses always need ``https``.

``fetch`` GETs a checked URL with a timeout and a size limit (discovery
documents, metadata); ``connection_pool`` is the one way to open a
connection to a checked ``Target``.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValidationError):
    """The console may not connect to the URL (the message says why, for the form)."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the checked address, and the name for Host and TLS."""

    scheme: str
    host: str  # the name in the URL, for the Host header, SNI and the certificate
    ip: str  # the address checked, the one connected to
    port: int
    path: str  # path and query


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


def resolve_target(url: str, *, allow_private: bool) -> Target:
    """Check ``url`` against the rule above and return where to connect, or raise UnsafeURL."""
    parts, port = _split(url)
    host = parts.hostname or ""
    addresses = _resolve(host, port)
    public = all(is_public_address(address) for address in addresses)
    if not public and not allow_private:
        raise UnsafeURL(
            _(
                "This URL points to a private, loopback or link-local address. "
                "Only public https addresses are allowed."
            ),
            code="private",
        )
    if parts.scheme != "https" and (public or not allow_private):
        raise UnsafeURL(_("The URL must start with https://."), code="https")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, ip=str(addresses[0]), port=port, path=path)


class FetchFailed(Exception):
    """A GET of a checked URL failed (the message says why, for a form or a log)."""


def connection_pool(target: Target, *, timeout: float, ca_certs: str | None = None):
    """A one-connection pool to the checked address; TLS still verifies the name."""
    pool_timeout = urllib3.Timeout(total=timeout)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.ip,
            target.port,
            timeout=pool_timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        target.ip, target.port, timeout=pool_timeout, retries=False, maxsize=1
    )


def host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def fetch(
    url: str,
    *,
    allow_private: bool,
    timeout: float,
    max_bytes: int,
    accept: str = "*/*",
    ca_certs: str | None = None,
) -> bytes:
    """GET ``url`` after the check (no redirects followed) and return its body.

    Raises ``UnsafeURL`` when the URL breaks the rule and ``FetchFailed`` on a
    network error, a timeout, a status other than 200 or a body over
    ``max_bytes`` (read no further than that, so a huge answer costs nothing).
    """
    target = resolve_target(url, allow_private=allow_private)
    pool = connection_pool(target, timeout=timeout, ca_certs=ca_certs)
    try:
        response = pool.urlopen(
            "GET",
            target.path,
            headers={"Host": host_header(target), "Accept": accept},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            body = response.read(max_bytes + 1)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailed(f"{url} could not be reached ({type(error).__name__}).") from None
    finally:
        pool.close()
    if response.status != 200:
        raise FetchFailed(f"{url} answered HTTP {response.status}.")
    if len(body) > max_bytes:
        raise FetchFailed(f"{url} answered with more than {max_bytes} bytes.")
    return body
