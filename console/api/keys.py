"""The API key format: ``tc_<prefix>_<secret>``, shown once, stored as prefix + hash.

The prefix finds the row (a unique index); the secret is 32 random bytes, so a
plain SHA-256 is enough (no slow hash needed: nothing to brute-force), and
the comparison runs in constant time.
"""

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

KEY_MARK = "tc"
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 12
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret_hash: str
    key: str  # the full key: shown to the admin once, never stored


def new_key() -> NewKey:
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return NewKey(
        prefix=prefix, secret_hash=hash_secret(secret), key=f"{KEY_MARK}_{prefix}_{secret}"
    )


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None. The secret may contain ``_``."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_LENGTH or not secret or len(secret) > 100:
        return None
    return prefix, secret


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
