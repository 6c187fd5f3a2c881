"""Invitation link secrets.

The secret in a link is ``HMAC-SHA256(SECRET_KEY, link_salt)``: 256 bits no one
can compute without the server's key. The database keeps the random
``link_salt`` (so the worker can rebuild the link for an email it sends later,
even after a broker outage) and the secret's SHA-256 for lookup; it never
holds the secret itself. A new salt (Resend) makes a new secret and the old
link stops matching anything.
"""

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

KEY_SALT = "invitations.tokens.link"
# The accept URL moves the secret into the session and redirects here, so the
# secret never leaks through the Referer header (as Django's reset view does).
SESSION_TOKEN = "review"
SESSION_KEY = "invitation_token"


def new_link_salt() -> str:
    return secrets.token_hex(16)


def link_token(link_salt: str) -> str:
    digest = salted_hmac(KEY_SALT, link_salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_link() -> tuple[str, str]:
    """A fresh (link_salt, token_hash) pair for a new send."""
    salt = new_link_salt()
    return salt, token_hash(link_token(salt))
