"""Read paths for invitations, including the one check of "can these addresses be invited"."""

import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from console.accounts.models import normalize_email
from invitations import tokens
from invitations.exceptions import InvitationGone
from invitations.models import EmailStatus, Invitation, InvitationStatus, SupersededLink
from members.models import Membership
from tenants import policies
from tenants.models import Tenant
from tenants.selectors import seat_usage

MAX_ADDRESSES_PER_SUBMISSION = 1000

_email_validator = EmailValidator(allowlist=[])  # not even "localhost"


def validate_invitee_email(address: str) -> None:
    """Django's email check, minus what must not leave through our mail relay.

    Internationalised domains are accepted (as Django does; the email goes to
    their punycode form), a non-ASCII local part is not. Refused on top:
    "localhost" and IP literals (``ana@[10.0.0.5]``), which would make the
    relay deliver inside its own network; invisible, control and separator
    characters (U+2028 passes Django's domain pattern); and domains with no
    punycode form, which could never be delivered.
    """
    _email_validator(address)
    domain = address.rpartition("@")[2]
    if domain.startswith("["):
        raise ValidationError("IP-literal domains are not accepted.")
    if any(unicodedata.category(character)[0] in "CZ" for character in address):
        raise ValidationError("Invisible or control characters are not accepted.")
    try:
        domain.encode("idna")
    except UnicodeError as error:
        raise ValidationError("The domain cannot be encoded for delivery.") from error


# The outbox. A claim older than the lease belongs to a worker that died
# mid-send; it is longer than the task time limit (so a live send is never
# taken over) and than the longest retry backoff (so a scheduled retry is not
# raced by the sweep). ``INVITATION_EMAIL_LEASE_SECONDS`` overrides it.
DEFAULT_EMAIL_LEASE_SECONDS = 300


def email_lease() -> timedelta:
    return timedelta(
        seconds=getattr(settings, "INVITATION_EMAIL_LEASE_SECONDS", DEFAULT_EMAIL_LEASE_SECONDS)
    )


# A fresh send is enqueued on commit; the sweep leaves it that long before
# assuming the enqueue was lost (broker down).
EMAIL_SWEEP_GRACE = timedelta(seconds=60)

STATUS_FILTERS = [
    ("", "All"),
    (InvitationStatus.PENDING, "Pending"),
    (InvitationStatus.ACCEPTED, "Accepted"),
    (InvitationStatus.EXPIRED, "Expired"),
    (InvitationStatus.REVOKED, "Revoked"),
]


def pending_invitations_for_user(user):
    """Invitations addressed to the user's email that can still be accepted."""
    return (
        Invitation.objects.filter(
            email=user.email, status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("tenant", "invited_by")
        .order_by("-sent_at")
    )


# -- Can these addresses be invited? ------------------------------------------


@dataclass
class InviteCheck:
    """The outcome of checking one submission against a tenant, before any write."""

    addresses: list[str] = field(default_factory=list)  # normalised, duplicates folded, in order
    address_errors: dict[str, str] = field(default_factory=dict)  # typed address -> message
    errors: list[str] = field(default_factory=list)  # about the whole submission
    added_monthly_cost: Decimal = Decimal("0.00")

    @property
    def ok(self) -> bool:
        return not self.address_errors and not self.errors


def invite_blocked_reason(tenant: Tenant) -> str | None:
    """Why nobody at all can be invited into ``tenant`` (Production free), or None."""
    if (
        tenant.is_production_free
        and (policies.member_limit(tenant) or 0) <= policies.PRODUCTION_FREE_MEMBER_LIMIT
    ):
        return (
            "Inviting members needs the Pro plan. A Production tenant on the Free plan "
            "has one member: its admin."
        )
    return None


def member_limit_message(
    tenant: Tenant, *, limit: int, used: int, adding: int | None = None
) -> str:
    kind = "Production" if tenant.type == "production" else "Development"
    available = max(limit - used, 0)
    message = (
        f"This {kind} tenant is limited to {limit} member{'s' if limit != 1 else ''} ({used} used"
    )
    if adding is None:
        message += ")."
    elif available:
        message += (
            f", counting pending invitations), so you can invite {available} more, not {adding}."
        )
    else:
        message += ", counting pending invitations)."
    return message + " Remove someone or ask an operator to raise the limit."


def invite_check(*, tenant: Tenant, emails: list[str]) -> InviteCheck:
    """Check every address of one submission; read-only.

    Rules (SPEC, Inviting): addresses are normalised (trimmed, lower-cased)
    and duplicates folded; each must be an email address, not already a
    member and without a pending invitation; at most 1,000 per submission;
    the new seats must fit the member limit (Production free: nobody), and on
    Pro the added monthly cost is computed. A Pending invitation past its
    expiry does not block (it counts as Expired). Queries are constant in the
    number of addresses: one IN query for members, one for invitations, two
    counts for seats.

    ``invitation_create_bulk`` calls this under a lock on the tenant row.
    """
    check = InviteCheck()
    typed = [raw.strip() for raw in emails if raw and raw.strip()]
    if not typed:
        check.errors.append("Enter at least one email address.")
        return check
    if len(typed) > MAX_ADDRESSES_PER_SUBMISSION:
        check.errors.append(
            f"You can invite at most {MAX_ADDRESSES_PER_SUBMISSION:,} addresses at a time; "
            f"this list has {len(typed):,}. Split it and send the rest separately."
        )
        return check
    blocked = invite_blocked_reason(tenant)
    if blocked:
        check.errors.append(blocked)
        return check

    typed_by_address: dict[str, str] = {}
    for raw in typed:
        address = normalize_email(raw)
        if address in typed_by_address:
            continue  # duplicates in one submission are folded into one
        try:
            if len(address) > 254:
                raise ValidationError("too long")
            validate_invitee_email(address)
        except ValidationError:
            check.address_errors[raw] = f"“{raw}” is not an email address."
            continue
        typed_by_address[address] = raw

    addresses = list(typed_by_address)
    if addresses:
        members = set(
            Membership.objects.filter(tenant=tenant, user__email__in=addresses).values_list(
                "user__email", flat=True
            )
        )
        pending = set(
            Invitation.objects.filter(
                tenant=tenant,
                status=InvitationStatus.PENDING,
                expires_at__gt=timezone.now(),
                email__in=addresses,
            ).values_list("email", flat=True)
        )
        for address in addresses:
            if address in members:
                check.address_errors[typed_by_address[address]] = f"{address} is already a member."
            elif address in pending:
                check.address_errors[typed_by_address[address]] = (
                    f"{address} already has a pending invitation."
                )
    check.addresses = [a for a in addresses if typed_by_address[a] not in check.address_errors]

    usage = seat_usage(tenant)
    adding = len(check.addresses)
    if usage.limit is not None and adding and usage.used + adding > usage.limit:
        check.errors.append(
            member_limit_message(tenant, limit=usage.limit, used=usage.used, adding=adding)
        )
    check.added_monthly_cost = policies.extra_seat_cost(tenant, usage.used + adding) - (
        policies.extra_seat_cost(tenant, usage.used)
    )
    return check


# -- The Invitations tab ---------------------------------------------------------


def _status_q(status: str, now) -> Q:
    """What a person sees as ``status``: a Pending invitation past expiry shows as Expired."""
    if status == InvitationStatus.PENDING:
        return Q(status=InvitationStatus.PENDING, expires_at__gt=now)
    if status == InvitationStatus.EXPIRED:
        return Q(status=InvitationStatus.EXPIRED) | Q(
            status=InvitationStatus.PENDING, expires_at__lte=now
        )
    return Q(status=status)


def invitations_for_tab(*, tenant: Tenant, status: str = "", query: str = "", now=None):
    """The tenant's invitations, newest first, with the inviter joined (one query per page).

    Ordered by the (tenant, created_at, id) index, or (tenant, status, created_at, id)
    when filtered, so a page is read from the index without sorting the table.
    ``query`` keeps the invitations whose email contains it, case-insensitively
    (on PostgreSQL through the trigram index of migration 0005).
    """
    queryset = tenant.invitations.select_related("invited_by").order_by("-created_at", "-pk")
    if status in InvitationStatus.values:
        queryset = queryset.filter(_status_q(status, now or timezone.now()))
    if query:
        queryset = queryset.filter(email__icontains=query)
    return queryset


def invitation_status_counts(*, tenant: Tenant, query: str = "", now=None) -> dict[str, int]:
    """How many invitations each status filter shows ("all" and every status).

    One GROUP BY status over the (tenant, status, ...) index, which carries
    ``expires_at``: an index-only scan, about half the time of five filtered
    COUNTs over the rows. Pending invitations past their expiry count as
    Expired, as ``_status_q`` shows them.
    """
    now = now or timezone.now()
    invitations = tenant.invitations.order_by()
    if query:  # the tabs then count the matches of each status
        invitations = invitations.filter(email__icontains=query)
    rows = (
        invitations.values_list("status")
        # Count columns of that index (both NOT NULL), not the id, which is not in it.
        .annotate(total=Count("*"), past_expiry=Count("expires_at", filter=Q(expires_at__lte=now)))
    )
    counts = dict.fromkeys(InvitationStatus.values, 0)
    for status, total, past_expiry in rows:
        if status == InvitationStatus.PENDING:
            counts[InvitationStatus.PENDING] += total - past_expiry
            counts[InvitationStatus.EXPIRED] += past_expiry
        else:
            counts[status] = counts.get(status, 0) + total
    counts["all"] = sum(counts.values())
    return counts


@dataclass(frozen=True)
class BatchProgress:
    """Where the emails of one bulk invite stand (the outbox state of each)."""

    batch_id: str
    queued: int  # waiting for a worker or being sent now
    sent: int
    failed: int

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed


def invitation_batch_progress(*, tenant: Tenant, batch_id) -> BatchProgress | None:
    """How many of the batch's emails are queued, sent and failed; None if the
    batch is not this tenant's (or no longer has any invitation).

    One GROUP BY over the (batch_id, email_status) index. Counts the
    invitations still in the tenant: a deleted one leaves the batch.
    """
    rows = (
        Invitation.objects.filter(tenant=tenant, batch_id=batch_id)
        .order_by()
        .values_list("email_status")
        .annotate(total=Count("*"))
    )
    counts = dict(rows)
    if not counts:
        return None
    return BatchProgress(
        batch_id=str(batch_id),
        queued=counts.get(EmailStatus.QUEUED, 0) + counts.get(EmailStatus.SENDING, 0),
        sent=counts.get(EmailStatus.SENT, 0),
        failed=counts.get(EmailStatus.FAILED, 0),
    )


# -- Links --------------------------------------------------------------------------


def invitation_gone_reason(invitation: Invitation) -> str | None:
    """Why the invitation can no longer be accepted, or None while it can."""
    status = invitation.effective_status
    if status == InvitationStatus.ACCEPTED:
        return InvitationGone.ACCEPTED
    if status == InvitationStatus.REVOKED:
        return InvitationGone.REVOKED
    if status == InvitationStatus.EXPIRED:
        return InvitationGone.EXPIRED
    return None


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link's secret belongs to, if it can still be accepted.

    Raises ``InvitationGone`` (410) for an expired, revoked, used or
    superseded link and ``Http404`` for a secret that never existed.
    """
    digest = tokens.token_hash(token or "")
    invitation = (
        Invitation.objects.select_related("tenant", "invited_by").filter(token_hash=digest).first()
    )
    if invitation is None:
        superseded = (
            SupersededLink.objects.select_related("invitation__tenant", "invitation__invited_by")
            .filter(token_hash=digest)
            .first()
        )
        if superseded is None:
            raise Http404("No such invitation.")
        raise InvitationGone(InvitationGone.SUPERSEDED, superseded.invitation)
    reason = invitation_gone_reason(invitation)
    if reason:
        raise InvitationGone(reason, invitation)
    return invitation


def invitation_in_session(request) -> Invitation | None:
    """The Pending, unexpired invitation whose link was opened in this session, or None.

    Sign-up and sign-in read it to prefill (and fix) the invitee's email.
    """
    token = request.session.get(tokens.SESSION_KEY)
    if not token:
        return None
    return (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(
            token_hash=tokens.token_hash(token),
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


# -- The outbox ----------------------------------------------------------------------


def invitation_outbox_due(*, now=None):
    """Invitations whose current email is not delivered and has no live worker on it.

    Queued sends older than the sweep grace (their enqueue may have been lost
    to a broker outage) or whose last attempt is older than the lease, and
    sends claimed by a worker longer ago than the lease (the worker died).
    """
    now = now or timezone.now()
    stale = now - email_lease()
    return Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__gt=now).filter(
        Q(
            email_status=EmailStatus.QUEUED,
            email_claimed_at__isnull=True,
            sent_at__lte=now - EMAIL_SWEEP_GRACE,
        )
        | Q(email_status=EmailStatus.QUEUED, email_claimed_at__lte=stale)
        | Q(email_status=EmailStatus.SENDING, email_claimed_at__lte=stale)
    )
