"""Writes for invitations: every state change of an invitation and of its email send.

Views, admin actions, tasks and the ``expire_invitations`` command call
these; none re-implements a rule. Functions that check the member limit lock
the tenant row first, so concurrent invites and accepts see each other.
"""

import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console import ratelimit
from console.accounts.models import normalize_email
from invitations import selectors, tokens
from invitations.exceptions import (
    AlreadyMember,
    InvitationActionNotAllowed,
    InvitationEmailMismatch,
    InvitationGone,
    InvitationsRefused,
    MemberLimitReached,
    RateLimited,
)
from invitations.models import (
    INVITATION_LIFETIME,
    EmailStatus,
    Invitation,
    InvitationStatus,
    SupersededLink,
)
from members.models import Membership, Role
from members.services import membership_add
from tenants import policies
from tenants.models import Tenant

logger = logging.getLogger(__name__)

RESENDS_PER_HOUR = 3
RESEND_LIMIT_MESSAGE = "You can resend this invitation at most 3 times an hour. Try again later."

# One send is tried at most this often (the first attempt and five retries)
# before it is marked failed; Resend starts a new send with a fresh count.
MAX_EMAIL_ATTEMPTS = 6


# -- Creating ------------------------------------------------------------------


@transaction.atomic
def invitation_create_bulk(
    *, tenant: Tenant, inviter, emails: list[str], role: str
) -> list[Invitation]:
    """Invite every address in ``emails`` into ``tenant`` with ``role``, all or none.

    Locks the tenant row, then checks the whole submission with
    ``selectors.invite_check`` (format, members, pending invitations, at most
    1,000 addresses, member limit / plan). Any refusal raises
    ``InvitationsRefused`` and nothing is created or sent. Each invitation
    gets its own link and a queued send (the outbox), and the submission one
    ``batch_id`` (the Invitations tab shows that batch's send progress); the
    sends are enqueued after the commit (``enqueue_invitation_batch``).

    Pending invitations of this tenant already past their expiry are marked
    Expired in the same transaction: they count as Expired everywhere, so
    they must neither hold a seat nor block re-inviting the address.
    """
    if role not in Role.values:
        raise InvitationsRefused(errors=["Choose a role: Admin or Collaborator."])
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    now = timezone.now()
    Invitation.objects.filter(
        tenant=tenant, status=InvitationStatus.PENDING, expires_at__lte=now
    ).update(status=InvitationStatus.EXPIRED)

    check = selectors.invite_check(tenant=tenant, emails=emails)
    if not check.ok:
        raise InvitationsRefused(address_errors=check.address_errors, errors=check.errors)
    _count_against_daily_limits(tenant=tenant, inviter=inviter, addresses=check.addresses)

    batch_id = uuid.uuid4()
    invitations = []
    for address in check.addresses:
        link_salt, token_hash = tokens.new_link()
        invitations.append(
            Invitation(
                tenant=tenant,
                email=address,
                role=role,
                invited_by=inviter,
                created_at=now,
                sent_at=now,
                expires_at=now + INVITATION_LIFETIME,
                link_salt=link_salt,
                token_hash=token_hash,
                email_status=EmailStatus.QUEUED,
                batch_id=batch_id,
            )
        )
    created = Invitation.objects.bulk_create(invitations)
    _enqueue_sends_on_commit([invitation.pk for invitation in created])
    return created


DAY_SECONDS = 24 * 60 * 60


def invitation_daily_limits() -> tuple[ratelimit.Limit, ratelimit.Limit, ratelimit.Limit]:
    """New invitations per inviter, per tenant and per address (across tenants) in 24 hours."""
    return (
        ratelimit.Limit(
            "invitations-per-inviter", settings.INVITATIONS_PER_INVITER_PER_DAY, DAY_SECONDS
        ),
        ratelimit.Limit(
            "invitations-per-tenant", settings.INVITATIONS_PER_TENANT_PER_DAY, DAY_SECONDS
        ),
        ratelimit.Limit(
            "invitations-per-address", settings.INVITATIONS_PER_ADDRESS_PER_DAY, DAY_SECONDS
        ),
    )


def _count_against_daily_limits(*, tenant: Tenant, inviter, addresses: list[str]) -> None:
    """Refuse the whole submission (``RateLimited``) if it would pass a daily limit, else count it.

    Counted before the rows are written, inside the caller's transaction and
    tenant lock; if the cache is down the limits fail open (logged). Resends
    are limited per invitation instead (``RESEND_LIMIT``).
    """
    per_inviter, per_tenant, per_address = invitation_daily_limits()
    count = len(addresses)
    later = "Nothing was sent. Try again later: the count covers the last 24 hours."
    inviter_key = str(inviter.pk) if inviter is not None else ""
    if inviter_key and not ratelimit.allows(per_inviter, inviter_key, cost=count):
        left = max(
            per_inviter.max_hits - ratelimit.hits(per_inviter, [inviter_key])[inviter_key], 0
        )
        raise RateLimited(
            f"You can send at most {per_inviter.max_hits:,} invitations a day, and {left:,} "
            f"are left today. {later}"
        )
    if not ratelimit.allows(per_tenant, tenant.public_id, cost=count):
        left = max(
            per_tenant.max_hits - ratelimit.hits(per_tenant, [tenant.public_id])[tenant.public_id],
            0,
        )
        raise RateLimited(
            f"This tenant can send at most {per_tenant.max_hits:,} invitations a day, and {left:,} "
            f"are left today. {later}"
        )
    by_subject = {ratelimit.hashed(address): address for address in addresses}
    flooded = [
        by_subject[subject] for subject in ratelimit.over_limit(per_address, list(by_subject))
    ]
    if flooded:
        named = ", ".join(flooded[:5]) + (
            f" and {len(flooded) - 5:,} more" if len(flooded) > 5 else ""
        )
        raise RateLimited(
            f"{named} already received {per_address.max_hits} invitations today, the most one address "
            f"can receive in a day. Remove {'it' if len(flooded) == 1 else 'them'} from the list, or "
            "try again tomorrow. Nothing was sent."
        )
    if inviter_key:
        ratelimit.record(per_inviter, inviter_key, cost=count)
    ratelimit.record(per_tenant, tenant.public_id, cost=count)
    ratelimit.record_many(per_address, list(by_subject))


def _enqueue_sends_on_commit(invitation_ids: list[int]) -> None:
    # robust: the invitations are committed by then, so an unexpected error
    # while enqueuing is logged (the sweep sends later), never shown as a 500.
    transaction.on_commit(lambda: enqueue_invitation_batch(invitation_ids), robust=True)


def enqueue_invitation_batch(invitation_ids: list[int]) -> int:
    """Enqueue the sends of ``invitation_ids`` after a commit; returns the tasks enqueued.

    One send is enqueued directly. More go as one ``send_invitation_batch``
    task that enqueues each send from the worker, so the admin's request waits
    for one round trip to the broker instead of one per address (measured by
    ``enqueue_1000`` in bench/run). Each send still claims its invitation, so
    a batch task run twice sends nothing twice, and the outbox sweep covers a
    batch task that never ran.
    """
    from kombu.exceptions import OperationalError

    from invitations.tasks import send_invitation_batch  # tasks import services

    if len(invitation_ids) <= 1:
        return enqueue_invitation_emails(invitation_ids)
    try:
        send_invitation_batch.delay(list(invitation_ids))
    except (OperationalError, ConnectionError, TimeoutError) as error:
        logger.warning(
            "Broker unavailable, %d invitation email(s) left for the outbox sweep: %s",
            len(invitation_ids),
            error,
        )
        return 0
    return 1


def enqueue_invitation_emails(invitation_ids: Iterable[int]) -> int:
    """Enqueue one send task per invitation; returns how many were enqueued.

    The send record is already committed, so a broker outage must not fail
    the admin's request: log it and stop; the beat sweep enqueues the rest.
    """
    from kombu.exceptions import OperationalError

    from invitations.tasks import send_invitation_email  # tasks import services

    enqueued = 0
    invitation_ids = list(invitation_ids)
    for invitation_id in invitation_ids:
        try:
            send_invitation_email.delay(invitation_id)
        except (OperationalError, ConnectionError, TimeoutError) as error:
            logger.warning(
                "Broker unavailable, %d invitation email(s) left for the outbox sweep: %s",
                len(invitation_ids) - enqueued,
                error,
            )
            break
        enqueued += 1
    return enqueued


# -- Actions on one invitation (the SPEC's status table) --------------------------------


def _locked(invitation: Invitation) -> Invitation:
    # Lock the invitation row only: a plain FOR UPDATE would also lock the
    # joined tenant row, in the opposite order to invitation_accept (tenant,
    # then invitation), and a revoke racing an accept would deadlock.
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("tenant")
        .get(pk=invitation.pk)
    )


def _refuse_unless(invitation: Invitation, allowed: set[str], action: str) -> None:
    status = invitation.effective_status
    if status not in allowed:
        label = InvitationStatus(status).label.lower()
        raise InvitationActionNotAllowed(f"This invitation is {label}, so it can't be {action}.")


RESEND_LIMIT = ratelimit.Limit(
    "invitation-resend", max_hits=RESENDS_PER_HOUR, window_seconds=60 * 60
)


def invitation_resend_allowed(*, invitation: Invitation) -> bool:
    """Whether the per-invitation resend limit leaves room for one more (fails open)."""
    return ratelimit.allows(RESEND_LIMIT, str(invitation.pk))


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """Send a Pending invitation again with a new link and a new 7 days.

    The old link is superseded (its hash is kept so its page can say so),
    the send record starts over (a failed email can be resent), and at most
    ``RESENDS_PER_HOUR`` resends per invitation are allowed (the first send
    does not count).
    """
    invitation = _locked(invitation)
    _refuse_unless(invitation, {InvitationStatus.PENDING}, "resent")
    try:
        # The window starts at the first resend; the cache failing open
        # (Redis down) allows the resend with a logged warning.
        ratelimit.check_and_record(RESEND_LIMIT, str(invitation.pk), RESEND_LIMIT_MESSAGE)
    except ratelimit.RateLimited as error:
        raise RateLimited(str(error)) from error
    SupersededLink.objects.create(invitation=invitation, token_hash=invitation.token_hash)
    now = timezone.now()
    invitation.link_salt, invitation.token_hash = tokens.new_link()
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.email_status = EmailStatus.QUEUED
    invitation.email_attempts = 0
    invitation.email_claimed_at = None
    invitation.email_sent_at = None
    invitation.email_error = ""
    invitation.save(
        update_fields=[
            "link_salt",
            "token_hash",
            "sent_at",
            "expires_at",
            "email_status",
            "email_attempts",
            "email_claimed_at",
            "email_sent_at",
            "email_error",
        ]
    )
    _enqueue_sends_on_commit([invitation.pk])
    logger.info("Invitation %s resent by %s", invitation.pk, getattr(actor, "pk", None))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Cancel a Pending invitation: its link stops working and its seat is freed."""
    invitation = _locked(invitation)
    _refuse_unless(invitation, {InvitationStatus.PENDING}, "revoked")
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


@transaction.atomic
def invitation_delete(*, invitation: Invitation, actor) -> None:
    """Delete an Accepted, Expired or Revoked invitation (a Pending one must be revoked first)."""
    invitation = _locked(invitation)
    _refuse_unless(
        invitation,
        {InvitationStatus.ACCEPTED, InvitationStatus.EXPIRED, InvitationStatus.REVOKED},
        "deleted",
    )
    invitation.delete()


@transaction.atomic
def invitation_expire_now(*, invitation: Invitation, actor) -> Invitation:
    """An operator's "Expire now": a Pending invitation becomes Expired at once."""
    invitation = _locked(invitation)
    if invitation.status != InvitationStatus.PENDING:
        _refuse_unless(invitation, set(), "expired")
    now = timezone.now()
    invitation.status = InvitationStatus.EXPIRED
    invitation.expires_at = min(invitation.expires_at, now)
    invitation.save(update_fields=["status", "expires_at"])
    return invitation


# -- Accepting ----------------------------------------------------------------------------


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Make ``user`` a member of the invitation's tenant with the invited role.

    Under locks on the tenant and the invitation, re-checks everything: the
    invitation is Pending and not past its expiry (even if the job has not
    marked it yet), the user's email is the invited one, the user is not a
    member yet, and the new member fits the limit (members + 1 <= limit;
    other people's Pending invitations do not block it; Pro has no cap).
    Then creates the membership and marks the invitation Accepted, together.
    """
    tenant = Tenant.objects.select_for_update().get(pk=invitation.tenant_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    reason = selectors.invitation_gone_reason(invitation)
    if reason:
        raise InvitationGone(reason, invitation)
    if normalize_email(user.email) != invitation.email:
        raise InvitationEmailMismatch(
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            f"Sign in as {invitation.email} to accept it."
        )
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise AlreadyMember(f"You are already a member of “{tenant.name}”.")
    limit = policies.member_limit(tenant)
    members = tenant.memberships.count()
    if limit is not None and members + 1 > limit:
        kind = "Production" if tenant.type == "production" else "Development"
        raise MemberLimitReached(
            f"“{tenant.name}” is full: this {kind} tenant is limited to {limit} "
            f"member{'s' if limit != 1 else ''} and has {members}. Ask one of its admins to "
            "remove someone, or an operator to raise the limit, then accept again."
        )
    membership = membership_add(tenant=tenant, user=user, role=invitation.role)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    return membership


# -- Expiry --------------------------------------------------------------------------------


def invitations_expire_stale() -> int:
    """Mark every Pending invitation past its expiry as Expired: one set-based UPDATE.

    The filter matches the partial index on ``expires_at`` where status is
    pending. Returns how many were marked.
    """
    return Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=timezone.now()
    ).update(status=InvitationStatus.EXPIRED)


# -- The send record (outbox) -----------------------------------------------------------------


def invitation_email_claim(*, invitation_id: int) -> Invitation | None:
    """Claim the invitation's current send for this worker, or None if it is not ours to send.

    One conditional UPDATE: only a queued send, or one whose claim is older
    than the lease (its worker died), of a Pending unexpired invitation can be
    claimed. A duplicate or redelivered task finds nothing to claim and does
    nothing, so one send is delivered once.
    """
    now = timezone.now()
    claimed = (
        Invitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.PENDING, expires_at__gt=now
        )
        .filter(
            Q(email_status=EmailStatus.QUEUED)
            | Q(
                email_status=EmailStatus.SENDING,
                email_claimed_at__lte=now - selectors.email_lease(),
            )
        )
        .update(
            email_status=EmailStatus.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Invitation.objects.select_related("tenant", "invited_by").get(pk=invitation_id)


def _ours(invitation: Invitation):
    """Our claim on this send: still sending, and still the same link (no Resend since)."""
    return Invitation.objects.filter(
        pk=invitation.pk, email_status=EmailStatus.SENDING, link_salt=invitation.link_salt
    )


def invitation_email_mark_sent(*, invitation: Invitation) -> bool:
    return bool(
        _ours(invitation).update(
            email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
        )
    )


def invitation_email_release(*, invitation: Invitation, error: str) -> bool:
    """A transient failure: the send goes back to the queue for the retry.

    ``email_claimed_at`` keeps the attempt's time, so the sweep leaves the
    send to the scheduled retry until the lease has passed.
    """
    return bool(_ours(invitation).update(email_status=EmailStatus.QUEUED, email_error=error[:500]))


def invitation_email_mark_failed(*, invitation: Invitation, error: str) -> bool:
    """Refused permanently (SMTP 5xx) or out of retries: the tab shows "Email failed"."""
    return bool(_ours(invitation).update(email_status=EmailStatus.FAILED, email_error=error[:500]))
