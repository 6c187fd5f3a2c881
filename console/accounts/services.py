"""Writes for accounts: each one a small keyword-only function."""

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from console.accounts.models import Segment, User, normalize_email
from console.accounts.selectors import user_email_taken

EMAIL_TAKEN_MESSAGE = "An account with this email already exists."


@transaction.atomic
def user_create(*, email: str, password: str, name: str = "", segment: str = "") -> User:
    """Create an account whose login is ``email``, unique case-insensitively.

    The password must pass ``AUTH_PASSWORD_VALIDATORS``. A taken email raises
    ``ValidationError`` on ``email``; the database constraint on ``lower(email)``
    settles a race between two sign-ups with the same address.
    """
    email = normalize_email(email)
    if segment not in Segment.values:
        segment = ""
    if user_email_taken(email):
        raise ValidationError({"email": EMAIL_TAKEN_MESSAGE})
    user = User(email=email, name=name.strip(), segment=segment)
    password_validation.validate_password(password, user=user)
    user.set_password(password)
    try:
        # A savepoint, so a lost race leaves the caller's transaction usable.
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError({"email": EMAIL_TAKEN_MESSAGE}) from error
    return user


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
