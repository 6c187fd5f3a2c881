"""The DNS half of domain verification: read one TXT record, say clearly what went wrong.

The record is ``_tenant-console.<domain>`` with the value
``tenant-console-verification=<token>``. Lookups go to ``DNS_NAMESERVERS``
(``host`` or ``host:port``, comma-separated; empty = the system's resolvers)
and give up after ``DNS_TIMEOUT_SECONDS``. Nothing here touches the database:
the service calls this before it takes the tenant lock, so no lock waits on
the network.
"""

import ipaddress
import socket

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RECORD_PREFIX = "_tenant-console"
VALUE_PREFIX = "tenant-console-verification="

NO_RECORD = _(
    "No TXT record was found at %(record)s. Add it at your DNS provider, wait a few "
    "minutes for it to appear, then verify again."
)
TIMED_OUT = _(
    "The DNS lookup of %(record)s timed out: the name servers did not answer. "
    "Try again in a few minutes."
)
LOOKUP_FAILED = _(
    "The DNS lookup of %(record)s failed: the name servers answered with an error. "
    "Try again in a few minutes."
)
WRONG_VALUE = _(
    "The TXT record at %(record)s does not hold this tenant's value. "
    "Expected “%(expected)s”, found “%(found)s”."
)


def record_name(domain: str) -> str:
    return f"{RECORD_PREFIX}.{domain}"


def record_value(token: str) -> str:
    return f"{VALUE_PREFIX}{token}"


def _nameserver(entry: str) -> dns.nameserver.Do53Nameserver:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    host, port = entry.strip(), 53
    if host.startswith("["):
        host, _sep, rest = host[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif host.count(":") == 1:
        host, port_text = host.split(":")
        port = int(port_text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = socket.gethostbyname(host)  # a name server given by its name
    return dns.nameserver.Do53Nameserver(host, port)


def resolver() -> dns.resolver.Resolver:
    configured = [entry for entry in settings.DNS_NAMESERVERS if entry.strip()]
    result = dns.resolver.Resolver(configure=not configured)
    if configured:
        result.nameservers = [_nameserver(entry) for entry in configured]
    result.lifetime = settings.DNS_TIMEOUT_SECONDS
    result.timeout = settings.DNS_TIMEOUT_SECONDS
    return result


def txt_record_check(*, domain: str, token: str) -> None:
    """Return when the record holds this token's value; else ``ValidationError``
    saying which of: no record, a timeout, a failed lookup, a wrong value."""
    name = record_name(domain)
    expected = record_value(token)
    params = {"record": name, "expected": expected}
    try:
        answer = resolver().resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        raise ValidationError(NO_RECORD, code="no_record", params=params) from None
    except dns.exception.Timeout:
        raise ValidationError(TIMED_OUT, code="timeout", params=params) from None
    except (dns.resolver.NoNameservers, dns.exception.DNSException, OSError):
        raise ValidationError(LOOKUP_FAILED, code="lookup_failed", params=params) from None
    found = [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
    if expected in found:
        return
    ours = [value for value in found if value.startswith(VALUE_PREFIX)] or found
    raise ValidationError(
        WRONG_VALUE, code="wrong_value", params={**params, "found": ", ".join(ours)[:200]}
    )
