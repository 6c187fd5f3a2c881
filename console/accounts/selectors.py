"""Read paths for accounts."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import QuerySet

from console.accounts.models import normalize_email


def confirmed_addresses(*, user) -> QuerySet[EmailAddress]:
    """The user's login address, if it is confirmed (allauth's ``EmailAddress.verified``).

    The one definition of "a confirmed address": proven by a confirmation
    code or by an invitation link, never by typing it at sign-up. Usable as
    a subquery (``Exists(...)``) so a list can be filtered in the same query.
    """
    return EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=normalize_email(user.email), verified=True
    )


def email_confirmed(*, user) -> bool:
    """Whether the signed-in ``user`` has proven they own their login address."""
    if not getattr(user, "is_authenticated", False):
        return False
    return confirmed_addresses(user=user).exists()


# Authenticators that make up two-step verification; recovery codes alone do not.
TWO_STEP_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def two_step_authenticators(*, user_id) -> QuerySet[Authenticator]:
    """The user's second steps (an authenticator app, passkeys). ``user_id`` may be an
    ``OuterRef`` so a list of members is annotated in its own query."""
    return Authenticator.objects.filter(user_id=user_id, type__in=TWO_STEP_TYPES)


def two_step_enabled(*, user) -> bool:
    """Whether sign-in asks ``user`` for a second step (the tenant policy's test)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return two_step_authenticators(user_id=user.pk).exists()
