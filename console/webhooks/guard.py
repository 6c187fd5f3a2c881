"""Where a webhook may be sent: the project's outbound-URL rule (``console.outbound``).

``WEBHOOKS_ALLOW_PRIVATE_URLS`` (development and tests) lets a loopback or
private receiver through.
"""

from django.conf import settings

from console.outbound import Target, resolve_target


def private_urls_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_URLS)


def resolve_webhook_target(url: str) -> Target:
    """Check ``url`` now and return where to connect, or raise ``UnsafeURL``."""
    return resolve_target(url, allow_private=private_urls_allowed())


def validate_webhook_url(url: str) -> None:
    """The save-time check (forms and services): raises UnsafeURL with a clear message."""
    resolve_webhook_target(url)
