"""Writes for accounts: each one a small keyword-only function."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.accounts.models import Segment, User, normalize_email, validate_time_zone


@transaction.atomic
def user_set_segment(*, user: User, segment: str) -> User:
    """Record what describes the user; it only changes Get started's recommendations."""
    if segment not in Segment.values:
        raise ValidationError({"segment": _("Choose one of the options.")})
    user.segment = segment
    user.save(update_fields=["segment"])
    return user


@transaction.atomic
def email_address_confirm(*, user: User) -> EmailAddress:
    """Record the user's login address as confirmed and primary (they proved they own it).

    Called when an invitation link mailed to that address is used: the link
    is the proof, as a confirmation code would be.
    """
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress(user=user, email=normalize_email(user.email))
    if not (address.verified and address.primary):
        EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(
            primary=False
        )
        address.verified = True
        address.primary = True
        address.save()
    return address


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Save the language of the console and of this account's emails ("" = the browser's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """Save the zone every date on the pages is shown in (an IANA name, e.g. Europe/Berlin)."""
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user
