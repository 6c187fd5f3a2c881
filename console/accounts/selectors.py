"""Read paths for accounts."""

from allauth.account.models import EmailAddress
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
