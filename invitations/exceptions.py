"""Why an invitation write was refused. Views map each one to a page and a status.

Like every refusal a service raises, these are ``ValidationError``s whose
``message`` is shown to the person as is; a reached rate limit is
``console.ratelimit.RateLimited``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy


class InvitationsRefused(ValidationError):
    """A bulk invite refused as a whole: nothing was created, nothing sent.

    ``address_errors`` maps each refused address (as the admin typed it) to
    its message; ``errors`` holds the refusals that concern the whole
    submission (plan, member limit, too many addresses).
    """

    def __init__(
        self, *, address_errors: dict[str, str] | None = None, errors: list[str] | None = None
    ):
        self.address_errors = dict(address_errors or {})
        self.errors = list(errors or [])
        super().__init__(self.errors + list(self.address_errors.values()))


class InvitationError(ValidationError):
    """A refused action on one invitation; ``message`` is shown to the person."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message, code=code)


class InvitationActionNotAllowed(InvitationError):
    """The action is not allowed in the invitation's status (see the SPEC's status table)."""


class InvitationGone(InvitationError):
    """The link can no longer be used: expired, revoked, accepted or superseded (HTTP 410)."""

    EXPIRED = "expired"
    REVOKED = "revoked"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"

    MESSAGES = {
        EXPIRED: gettext_lazy("This invitation has expired"),
        REVOKED: gettext_lazy("This invitation has been revoked"),
        ACCEPTED: gettext_lazy("This invitation has already been used"),
        SUPERSEDED: gettext_lazy("This invitation has been replaced by a newer one"),
    }

    def __init__(self, reason: str, invitation=None):
        self.reason = reason
        self.invitation = invitation
        super().__init__(str(self.MESSAGES[reason]), code=reason)


class InvitationEmailMismatch(InvitationError):
    """The signed-in user is not the invitee (HTTP 403)."""


class InvitationAddressUnconfirmed(InvitationError):
    """Join without the link from an account whose address is not confirmed (HTTP 403)."""


class InvitationNeedsTwoStep(InvitationError):
    """The tenant requires two-step verification and the invitee has none yet."""


class AlreadyMember(InvitationError):
    """The user already belongs to the tenant; nothing to accept."""


class MemberLimitReached(InvitationError):
    """Accepting would take the tenant past its member limit (HTTP 409)."""
