"""An OpenID Connect issuer's discovery document, fetched through the outbound-URL guard.

``SSO_ALLOW_PRIVATE_URLS`` (development and tests) lets a loopback issuer
through, like ``WEBHOOKS_ALLOW_PRIVATE_URLS`` for webhooks. The document
must name the same issuer and the endpoints a sign-in needs, and each of
those must pass the guard too (the sign-in connects to them).
"""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from console.outbound import FetchFailed, UnsafeURL, fetch, resolve_target

WELL_KNOWN = "/.well-known/openid-configuration"
MAX_DOCUMENT_BYTES = 64 * 1024
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def private_urls_allowed() -> bool:
    return bool(getattr(settings, "SSO_ALLOW_PRIVATE_URLS", False))


def timeout_seconds() -> float:
    return float(getattr(settings, "SSO_TIMEOUT_SECONDS", 5))


def issuer_clean(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def discovery_url(issuer: str) -> str:
    return issuer_clean(issuer) + WELL_KNOWN


def check_url(url: str) -> None:
    """Raise ``UnsafeURL`` unless the console may connect to ``url`` for single sign-on."""
    resolve_target(url, allow_private=private_urls_allowed())


def discover(issuer: str) -> dict:
    """The issuer's discovery document, checked; ``ValidationError`` says what is wrong."""
    url = discovery_url(issuer)
    try:
        body = fetch(
            url,
            allow_private=private_urls_allowed(),
            timeout=timeout_seconds(),
            max_bytes=MAX_DOCUMENT_BYTES,
            accept="application/json",
        )
        document = json.loads(body)
    except UnsafeURL:
        raise
    except (FetchFailed, ValueError) as error:
        raise ValidationError(
            _("The discovery document at %(url)s could not be read: %(reason)s"),
            code="discovery",
            params={"url": url, "reason": str(error) if isinstance(error, FetchFailed) else "JSON"},
        ) from None
    if not isinstance(document, dict) or issuer_clean(str(document.get("issuer", ""))) != (
        issuer_clean(issuer)
    ):
        raise ValidationError(
            _("The discovery document at %(url)s names another issuer."),
            code="issuer",
            params={"url": url},
        )
    for key in REQUIRED_ENDPOINTS:
        endpoint = document.get(key)
        if not isinstance(endpoint, str) or not endpoint:
            raise ValidationError(
                _("The discovery document has no %(key)s."), code="endpoint", params={"key": key}
            )
        check_url(endpoint)
    return document
