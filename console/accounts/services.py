"""Writes for accounts: each one a small keyword-only function."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction

from console.accounts.models import Segment, User, normalize_email


@transaction.atomic
def user_set_segment(*, user: User, segment: str) -> User:
    """Record what describes the user; it only changes Get started's recommendations."""
    if segment not in Segment.values:
        raise ValidationError({"segment": "Choose one of the options."})
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
