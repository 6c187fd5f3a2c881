"""Client secrets at rest: Fernet tokens under ``SSO_ENCRYPTION_KEYS``, with rotation.

The first key encrypts; every key in the list decrypts (``MultiFernet``), so
a new key is put first, ``reencrypt`` moves a stored token onto it, and
the old key can leave the list once nothing uses it. Secrets are decrypted
only into the in-memory ``SocialApp`` that signs in (``console.sso.adapter``),
never into a page or a log.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "SSO_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("SSO_ENCRYPTION_KEYS must name at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext, or raise ``InvalidToken`` (no key in the list opens it)."""
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret under the first key (rotation)."""
    return _fernet().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "reencrypt"]
