"""One webhook POST: sign with Standard Webhooks, connect to the checked address, read 1 KB.

Returns an ``Outcome`` whatever happens (the caller records it as an
attempt); only programming errors raise.
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime

import urllib3
from django.conf import settings
from standardwebhooks import Webhook

from console.outbound import UnsafeURL, connection_pool, host_header
from console.webhooks.guard import resolve_webhook_target

EXCERPT_BYTES = 1024
USER_AGENT = "TenantConsole-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""
    retryable: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def is_retryable_status(status_code: int) -> bool:
    """5xx, 408 Request Timeout and 429 Too Many Requests are worth another try;
    any other answer (4xx, and 3xx: redirects are not followed) is final."""
    return status_code >= 500 or status_code in (408, 429)


def timeout_seconds() -> float:
    return float(settings.WEBHOOK_TIMEOUT_SECONDS)


def signed_headers(*, secret: str, msg_id: str, timestamp: datetime, body: str) -> dict:
    """The Standard Webhooks headers for ``body``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
    }


def encode_body(payload: dict) -> str:
    # Compact and stable: the signature covers these exact bytes.
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _excerpt(data: bytes) -> str:
    # PostgreSQL text cannot hold NUL characters.
    return data[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "")


def post(*, url: str, secret: str, msg_id: str, payload: dict, timestamp: datetime) -> Outcome:
    """POST ``payload`` to ``url`` once, signed; the URL is checked again first."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve_webhook_target(url)
    except UnsafeURL as error:
        # Not retried: the endpoint now points somewhere it may not go.
        return Outcome(None, elapsed(), error=f"Refused: {error.messages[0]}")
    body = encode_body(payload)
    headers = {
        "Host": host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body),
    }
    pool = connection_pool(
        target,
        timeout=timeout_seconds(),
        ca_certs=settings.WEBHOOK_CA_BUNDLE or None,
    )
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers=headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            # Read no more than the excerpt: a huge answer costs nothing.
            excerpt = _excerpt(response.read(EXCERPT_BYTES))
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        # Network errors and timeouts (connect or read): worth another try.
        return Outcome(None, elapsed(), error=_describe(error), retryable=True)
    finally:
        pool.close()
    return Outcome(
        response.status,
        elapsed(),
        excerpt=excerpt,
        error="" if 200 <= response.status < 300 else f"HTTP {response.status}",
        retryable=is_retryable_status(response.status),
    )


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}: {reason or error}"[:500]
