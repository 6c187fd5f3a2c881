"""The confirmation code last mailed to each address, so sign-in can reuse it while it is valid.

allauth keeps a code in the session that asked for it and refuses a new one
for 10 s (``ACCOUNT_RATE_LIMITS["confirm_email"]``). Signing in right after
signing up (from another browser, or after "Cancel") would then need a new
code and get a 429. Instead, the code already mailed, still valid and not
voided, is handed to the signing-in session: the person types the code from
the email they already have, and no new email is sent.

Kept in the cache (Redis) for the code's lifetime; while the cache is down
nothing is remembered and sign-in behaves as allauth's (fail open).
"""

import time

from allauth.account import app_settings
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.signals import email_confirmed, email_verification_code_rejected
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache

from console.accounts.models import normalize_email
from console.ratelimit import hashed


def _key(email: str) -> str:
    return "confirmation-code:" + hashed(normalize_email(email))


def _left(state: dict) -> float:
    return state["at"] + app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT - time.time()


def remember(state: dict) -> None:
    """A code was just mailed (allauth's verification state: code, address, account, time)."""
    if state.get("user_id") and state.get("email") and _left(state) > 0:
        cache.set(_key(state["email"]), dict(state), timeout=int(_left(state)) + 1)


def still_valid(*, user, email: str) -> dict | None:
    """The state of the code mailed to ``email`` for ``user``, if it still works."""
    if not email:
        return None
    state = cache.get(_key(email))
    if (
        not state
        or state.get("user_id") != user_id_to_str(user)
        or normalize_email(state.get("email", "")) != normalize_email(email)
        or _left(state) <= 0
        or state.get("failed_attempts", 0) >= app_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS
    ):
        return None
    return state


def _forget(email: str) -> None:
    cache.delete(_key(email))


def _on_confirmed(sender, request=None, email_address=None, **kwargs):
    if email_address is not None:
        _forget(email_address.email)


def _on_rejected(sender, request=None, user=None, last_attempt=False, **kwargs):
    """A wrong code counts for every session holding it; the last one voids it everywhere."""
    email = getattr(user, "email", "")
    if not email:
        return
    state = still_valid(user=user, email=email)
    if last_attempt and request is not None:
        _free_the_wait_for_a_new_code(request, email)
    if last_attempt or state is None:
        _forget(email)
        return
    state["failed_attempts"] = state.get("failed_attempts", 0) + 1
    remember(state)


def _free_the_wait_for_a_new_code(request, email: str) -> None:
    """The code was voided by wrong guesses: the next sign-in may mail a new one at once.

    allauth allows one code per address every 10 s (``confirm_email``'s
    ``/key`` rate); a person who mistyped three times and signs in again
    would otherwise be refused. Only the per-address wait is cleared: the
    per-client hourly cap (``/ip``) keeps counting, so guessing three times
    is no way to mail more codes from one machine. allauth's public
    ``ratelimit.clear`` clears every rate of the action, so this names the
    ``/key`` rates through its internal ``clear`` (django-allauth 65.x;
    ``tests/onboarding/test_signup.py`` pins the behaviour).
    """
    configured = app_settings.RATE_LIMITS.get("confirm_email") or ""
    per_address = ",".join(rate for rate in configured.split(",") if rate.endswith("/key"))
    if per_address:
        allauth_ratelimit.clear(
            request,
            app="allauth.account",
            action="confirm_email",
            config={"confirm_email": per_address},
            key=email.lower(),
        )


def connect_receivers() -> None:
    email_confirmed.connect(_on_confirmed, dispatch_uid="accounts-code-confirmed")
    email_verification_code_rejected.connect(_on_rejected, dispatch_uid="accounts-code-rejected")
