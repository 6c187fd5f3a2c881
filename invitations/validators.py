"""Can this text be invited: one address validator and one set of messages.

The invite form (as the admin types) and ``services.invite_check`` (under
the tenant lock) both call these, so they refuse the same input with the
same words.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

MAX_ADDRESSES_PER_SUBMISSION = 1000
MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a forward path, as Django's EmailField

NO_ADDRESS_MESSAGE = gettext_lazy("Enter at least one email address.")

_email_validator = EmailValidator(allowlist=[])  # not even "localhost"


def validate_submission_size(addresses: list[str]) -> None:
    """At least one address and at most ``MAX_ADDRESSES_PER_SUBMISSION`` in one submission."""
    if not addresses:
        raise ValidationError(NO_ADDRESS_MESSAGE, code="required")
    if len(addresses) > MAX_ADDRESSES_PER_SUBMISSION:
        raise ValidationError(
            gettext(
                "You can invite at most %(max)s addresses at a time; "
                "this list has %(count)s. Split it and send the rest separately."
            )
            % {
                "max": number_format(MAX_ADDRESSES_PER_SUBMISSION, force_grouping=True),
                "count": number_format(len(addresses), force_grouping=True),
            },
            code="too_many",
        )


def validate_invitee_email(address: str) -> None:
    """Django's email check, minus what must not leave through our mail relay.

    Internationalised domains are accepted (as Django does; the email goes to
    their punycode form), a non-ASCII local part is not. Refused on top:
    addresses over 254 characters, "localhost" and IP literals
    (``ana@[10.0.0.5]``), which would make the relay deliver inside its own
    network; invisible, control and separator characters (U+2028 passes
    Django's domain pattern); and domains with no punycode form, which could
    never be delivered.
    """
    if len(address) > MAX_ADDRESS_LENGTH:
        raise ValidationError(gettext("The address is too long."), code="invalid")
    _email_validator(address)
    domain = address.rpartition("@")[2]
    if domain.startswith("["):
        raise ValidationError(gettext("IP-literal domains are not accepted."), code="invalid")
    if any(unicodedata.category(character)[0] in "CZ" for character in address):
        raise ValidationError(
            gettext("Invisible or control characters are not accepted."), code="invalid"
        )
    try:
        domain.encode("idna")
    except UnicodeError as error:
        raise ValidationError(
            gettext("The domain cannot be encoded for delivery."), code="invalid"
        ) from error


def not_an_address_message(typed: str) -> str:
    """What the admin sees for an address that fails ``validate_invitee_email``."""
    return gettext("“%(typed)s” is not an email address.") % {"typed": typed}
