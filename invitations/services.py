"""Writes for invitations: every state change of an invitation and of its email send.

Views and admin actions call these; none re-implements a rule. The email
send record lives in ``invitations.outbox`` and expiry in
``invitations.expiry``, below this module, so the tasks this module enqueues
never import it back. Functions that check the member limit lock
the tenant row first, so concurrent invites and accepts see each other.
"""

import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from console import page_cache, ratelimit
from console.accounts.models import User, normalize_email
from console.accounts.selectors import email_confirmed, two_step_enabled
from console.accounts.services import email_address_confirm
from invitations import selectors, tasks, tokens, validators
from invitations.activity import InvitationAction
from invitations.exceptions import (
    AlreadyMember,
    InvitationActionNotAllowed,
    InvitationAddressUnconfirmed,
    InvitationEmailMismatch,
    InvitationGone,
    InvitationNeedsTwoStep,
    InvitationsRefused,
    MemberLimitReached,
)
from invitations.expiry import invitations_expire_stale
from invitations.models import EmailStatus, Invitation, InvitationStatus, SupersededLink
from members.models import Membership, Role
from members.permissions import INVITE_MEMBERS, MANAGE_INVITATIONS
from members.services import membership_add
from tenants import policies
from tenants.activity import activity_entry, activity_record, activity_record_bulk
from tenants.actors import Actor, actor_require
from tenants.models import Tenant
from tenants.selectors import seat_usage

logger = logging.getLogger(__name__)

RESEND_LIMIT_MESSAGE = format_lazy(
    gettext_lazy("You can resend this invitation at most {count} times an hour. Try again later."),
    count=ratelimit.RESENDS_PER_HOUR,
)


def grouped(number: int) -> str:
    """1,000 in English, 1.000 in German, 1 000 in French (messages people read)."""
    return number_format(number, force_grouping=True)


# -- Can these addresses be invited? ---------------------------------------------------


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


def invite_check(*, tenant: Tenant, emails: list[str]) -> InviteCheck:
    """Check every address of one submission; read-only.

    Rules (SPEC, Inviting): addresses are normalised (trimmed, lower-cased)
    and duplicates folded; each must be an email address, not already a
    member and without a pending invitation; at most
    ``validators.MAX_ADDRESSES_PER_SUBMISSION`` per submission;
    the new seats must fit the member limit (Production free: nobody), and on
    Pro the added monthly cost is computed. A Pending invitation past its
    expiry does not block (it counts as Expired). Queries are constant in the
    number of addresses: one IN query for members, one for invitations, two
    counts for seats.

    ``invitation_create_bulk`` calls this under a lock on the tenant row.
    """
    check = InviteCheck()
    typed = [raw.strip() for raw in emails if raw and raw.strip()]
    try:
        validators.validate_submission_size(typed)
    except ValidationError as error:
        check.errors.extend(error.messages)
        return check
    blocked = policies.invite_blocked_reason(tenant)
    if blocked:
        check.errors.append(blocked)
        return check

    typed_by_address: dict[str, str] = {}
    for raw in typed:
        address = normalize_email(raw)
        if address in typed_by_address:
            continue  # duplicates in one submission are folded into one
        try:
            validators.validate_invitee_email(address)
        except ValidationError:
            check.address_errors[raw] = validators.not_an_address_message(raw)
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
                check.address_errors[typed_by_address[address]] = gettext(
                    "%(address)s is already a member."
                ) % {"address": address}
            elif address in pending:
                check.address_errors[typed_by_address[address]] = gettext(
                    "%(address)s already has a pending invitation."
                ) % {"address": address}
    check.addresses = [a for a in addresses if typed_by_address[a] not in check.address_errors]

    usage = seat_usage(tenant)
    adding = len(check.addresses)
    if usage.limit is not None and adding and usage.used + adding > usage.limit:
        check.errors.append(
            policies.member_limit_message(tenant, limit=usage.limit, used=usage.used, adding=adding)
        )
    check.added_monthly_cost = policies.extra_seat_cost(tenant, usage.used + adding) - (
        policies.extra_seat_cost(tenant, usage.used)
    )
    return check


# -- Creating ------------------------------------------------------------------


@transaction.atomic
def invitation_create_bulk(
    *,
    tenant: Tenant,
    actor: Actor,
    emails: list[str],
    role: str,
    ip: str | None = None,
    email_language: str = "",
) -> list[Invitation]:
    """Invite every address in ``emails`` into ``tenant`` with ``role``, all or none.

    Locks the tenant row, then checks the whole submission with
    ``invite_check`` (format, members, pending invitations, at most
    ``MAX_ADDRESSES_PER_SUBMISSION`` addresses, member limit / plan). Any refusal raises
    ``InvitationsRefused`` and nothing is created or sent. Each invitation
    gets its own link and a queued send (the outbox), and the submission one
    ``batch_id`` (the Invitations tab shows that batch's send progress); the
    sends are enqueued after the commit (``enqueue_invitation_batch``).

    ``actor`` must still be allowed to invite once the lock is held (a
    concurrent request may have demoted them; ``actor_require``). The daily
    limits count against ``actor.user`` (none for the system).

    Pending invitations of this tenant already past their expiry are marked
    Expired in the same transaction: they count as Expired everywhere, so
    they must neither hold a seat nor block re-inviting the address.

    Records one "invitation sent" entry per address (one INSERT for all).
    """
    if role not in Role.values:
        raise InvitationsRefused(errors=[gettext("Choose a role: Admin or Collaborator.")])
    # The emails' language: as chosen, else the inviter's saved one, else English.
    inviter = actor.user
    email_language = email_language or getattr(inviter, "language", "") or settings.LANGUAGE_CODE
    if email_language not in dict(settings.LANGUAGES):
        raise InvitationsRefused(errors=[gettext("Choose one of the languages.")])
    tenant = actor_require(actor=actor, tenant_id=tenant.pk, permission=INVITE_MEMBERS)
    now = timezone.now()
    invitations_expire_stale(tenant=tenant, now=now)

    check = invite_check(tenant=tenant, emails=emails)
    if not check.ok:
        raise InvitationsRefused(address_errors=check.address_errors, errors=check.errors)
    _count_against_daily_limits(tenant=tenant, inviter=inviter, addresses=check.addresses)

    lifetime = policies.invitation_lifetime()
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
                expires_at=now + lifetime,
                link_salt=link_salt,
                token_hash=token_hash,
                email_status=EmailStatus.QUEUED,
                batch_id=batch_id,
                email_language=email_language,
            )
        )
    created = Invitation.objects.bulk_create(invitations)
    # bulk_create sends no post_save: the pages that list them (the tab, the
    # invitees' headers) are told here, as the Invitation registration would.
    page_cache.changed(
        tenants=[tenant.pk],
        users=User.objects.filter(email__in=[i.email for i in created]).values_list(
            "pk", flat=True
        ),
    )
    activity_record_bulk(
        entries=[
            activity_entry(
                tenant=tenant,
                action=InvitationAction.SENT,
                target_email=invitation.email,
                details={"role": role},
                ip=ip,
                **actor.recorded_as,
            )
            for invitation in created
        ]
    )
    _enqueue_sends_on_commit([invitation.pk for invitation in created])
    return created


def _count_against_daily_limits(*, tenant: Tenant, inviter, addresses: list[str]) -> None:
    """Refuse the whole submission (``RateLimited``) if it would pass a daily limit, else count it.

    Counted before the rows are written, inside the caller's transaction and
    tenant lock; if the cache is down the limits fail open (logged). Resends
    count toward the per-address cap too (``invitation_resend``), and are also
    limited per invitation (``ratelimit.invitation_resend_limit``).
    """
    per_inviter, per_tenant, per_address = ratelimit.invitations_per_day()
    count = len(addresses)
    later = gettext("Nothing was sent. Try again later: the count covers the last 24 hours.")
    inviter_key = str(inviter.pk) if inviter is not None else ""
    if inviter_key and not ratelimit.allows(per_inviter, inviter_key, cost=count):
        left = max(
            per_inviter.max_hits - ratelimit.hits(per_inviter, [inviter_key])[inviter_key], 0
        )
        raise ratelimit.RateLimited(
            gettext("You can send at most %(max)s invitations a day, and %(left)s are left today.")
            % {"max": grouped(per_inviter.max_hits), "left": grouped(left)}
            + " "
            + later
        )
    if not ratelimit.allows(per_tenant, tenant.public_id, cost=count):
        left = max(
            per_tenant.max_hits - ratelimit.hits(per_tenant, [tenant.public_id])[tenant.public_id],
            0,
        )
        raise ratelimit.RateLimited(
            gettext(
                "This tenant can send at most %(max)s invitations a day, and %(left)s are left "
                "today."
            )
            % {"max": grouped(per_tenant.max_hits), "left": grouped(left)}
            + " "
            + later
        )
    by_subject = {ratelimit.hashed(address): address for address in addresses}
    flooded = [
        by_subject[subject] for subject in ratelimit.over_limit(per_address, list(by_subject))
    ]
    if flooded:
        named = ", ".join(flooded[:5]) + (
            " " + gettext("and %(count)s more") % {"count": grouped(len(flooded) - 5)}
            if len(flooded) > 5
            else ""
        )
        raise ratelimit.RateLimited(
            ngettext(
                "%(named)s already received %(max)s invitations today, the most one address can "
                "receive in a day. Remove it from the list, or try again tomorrow. "
                "Nothing was sent.",
                "%(named)s already received %(max)s invitations today, the most one address can "
                "receive in a day. Remove them from the list, or try again tomorrow. "
                "Nothing was sent.",
                len(flooded),
            )
            % {"named": named, "max": per_address.max_hits}
        )
    if inviter_key:
        ratelimit.record(per_inviter, inviter_key, cost=count)
    ratelimit.record(per_tenant, tenant.public_id, cost=count)
    ratelimit.record_many(per_address, list(by_subject))


def _enqueue_sends_on_commit(invitation_ids: list[int]) -> None:
    # robust: the invitations are committed by then, so an unexpected error
    # while enqueuing is logged (the sweep sends later), never shown as a 500.
    transaction.on_commit(lambda: tasks.enqueue_invitation_batch(invitation_ids), robust=True)


# -- Actions on one invitation (the SPEC's status table) --------------------------------


def _locked(invitation: Invitation, actor: Actor) -> Invitation:
    """The invitation locked for an action, after re-checking the acting person.

    The tenant row is locked first (``actor_require``: the lock that role
    changes take; operators act outside tenant roles but take it too) and then
    the invitation, the order ``invitation_accept`` uses. The invitation's FOR
    UPDATE names only its own row: a plain one would also lock the joined
    tenant row after the invitation, the opposite order, and a revoke racing
    an accept could deadlock.
    """
    actor_require(actor=actor, tenant_id=invitation.tenant_id, permission=MANAGE_INVITATIONS)
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("tenant")
        .get(pk=invitation.pk)
    )


# Why an action is refused, per (status, action): the statuses as people see them.
REFUSALS = {
    ("accepted", "resent"): gettext_lazy("This invitation is accepted, so it can't be resent."),
    ("expired", "resent"): gettext_lazy("This invitation is expired, so it can't be resent."),
    ("revoked", "resent"): gettext_lazy("This invitation is revoked, so it can't be resent."),
    ("accepted", "revoked"): gettext_lazy("This invitation is accepted, so it can't be revoked."),
    ("expired", "revoked"): gettext_lazy("This invitation is expired, so it can't be revoked."),
    ("revoked", "revoked"): gettext_lazy("This invitation is revoked, so it can't be revoked."),
    ("pending", "deleted"): gettext_lazy("This invitation is pending, so it can't be deleted."),
    ("pending", "expired"): gettext_lazy("This invitation is pending, so it can't be expired."),
    ("accepted", "expired"): gettext_lazy("This invitation is accepted, so it can't be expired."),
    ("expired", "expired"): gettext_lazy("This invitation is expired, so it can't be expired."),
    ("revoked", "expired"): gettext_lazy("This invitation is revoked, so it can't be expired."),
}


def _refuse_unless(invitation: Invitation, allowed: set[str], action: str) -> None:
    status = invitation.effective_status
    if status not in allowed:
        # Whole sentences, so each language can say them its own way.
        raise InvitationActionNotAllowed(
            str(
                REFUSALS.get((status, action))
                or gettext("This invitation can't be changed that way any more.")
            )
        )


def invitation_resend_allowed(*, invitation: Invitation) -> bool:
    """Whether the per-invitation resend limit leaves room for one more (fails open)."""
    return ratelimit.allows(ratelimit.invitation_resend_limit(), str(invitation.pk))


@transaction.atomic
def invitation_resend(
    *,
    invitation: Invitation,
    actor: Actor,
    ip: str | None = None,
) -> Invitation:
    """Send a Pending invitation again with a new link and a new lifetime.

    The old link is superseded (its hash is kept so its page can say so),
    the send record starts over (a failed email can be resent), and at most
    ``ratelimit.RESENDS_PER_HOUR`` resends per invitation are allowed (the first send
    does not count).
    A resend is an email to the invitee's address, so it also counts toward
    the address's daily cap (first sends and resends, from every tenant).
    """
    invitation = _locked(invitation, actor)
    _refuse_unless(invitation, {InvitationStatus.PENDING}, "resent")
    # Both limits are checked before either is counted. The window starts at
    # the first resend; the cache failing open (Redis down) allows the resend
    # with a logged warning.
    per_address = ratelimit.invitations_per_day()[2]
    address = ratelimit.hashed(invitation.email)
    if not ratelimit.allows(per_address, address):
        raise ratelimit.RateLimited(
            gettext(
                "%(email)s already received %(max)s invitations today, the most one address can "
                "receive in a day. Try again tomorrow. Nothing was sent."
            )
            % {"email": invitation.email, "max": per_address.max_hits}
        )
    ratelimit.check_and_record(
        ratelimit.invitation_resend_limit(), str(invitation.pk), str(RESEND_LIMIT_MESSAGE)
    )
    ratelimit.record(per_address, address)
    SupersededLink.objects.create(invitation=invitation, token_hash=invitation.token_hash)
    now = timezone.now()
    invitation.link_salt, invitation.token_hash = tokens.new_link()
    invitation.sent_at = now
    invitation.expires_at = now + policies.invitation_lifetime()
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
    _record(invitation, InvitationAction.RESENT, actor, ip)
    _enqueue_sends_on_commit([invitation.pk])
    logger.info("Invitation %s resent by %s", invitation.pk, actor.user_id)
    return invitation


@transaction.atomic
def invitation_revoke(
    *,
    invitation: Invitation,
    actor: Actor,
    ip: str | None = None,
) -> Invitation:
    """Cancel a Pending invitation: its link stops working and its seat is freed."""
    invitation = _locked(invitation, actor)
    _refuse_unless(invitation, {InvitationStatus.PENDING}, "revoked")
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    _record(invitation, InvitationAction.REVOKED, actor, ip)
    return invitation


@transaction.atomic
def invitation_delete(
    *,
    invitation: Invitation,
    actor: Actor,
    ip: str | None = None,
) -> None:
    """Delete an Accepted, Expired or Revoked invitation (a Pending one must be revoked first)."""
    invitation = _locked(invitation, actor)
    _refuse_unless(
        invitation,
        {InvitationStatus.ACCEPTED, InvitationStatus.EXPIRED, InvitationStatus.REVOKED},
        "deleted",
    )
    status = invitation.effective_status
    invitation.delete()
    _record(invitation, InvitationAction.DELETED, actor, ip, status=status)


@transaction.atomic
def invitation_expire_now(
    *,
    invitation: Invitation,
    actor: Actor,
    ip: str | None = None,
) -> Invitation:
    """An operator's "Expire now": a Pending invitation becomes Expired at once."""
    invitation = _locked(invitation, actor)
    if invitation.status != InvitationStatus.PENDING:
        _refuse_unless(invitation, set(), "expired")
    now = timezone.now()
    invitation.status = InvitationStatus.EXPIRED
    invitation.expires_at = min(invitation.expires_at, now)
    invitation.save(update_fields=["status", "expires_at"])
    _record(invitation, InvitationAction.EXPIRED, actor, ip)
    return invitation


def _record(invitation: Invitation, action: str, actor: Actor, ip: str | None, **details) -> None:
    """The activity entry of an action on one invitation (inside its transaction)."""
    activity_record(
        tenant=invitation.tenant,
        action=action,
        target_email=invitation.email,
        details={"role": invitation.role, **details},
        ip=ip,
        **actor.recorded_as,
    )


# -- Accepting ----------------------------------------------------------------------------


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user, by_link: bool = False, ip: str | None = None
) -> Membership:
    """Make ``user`` a member of the invitation's tenant with the invited role.

    Owning the invited address must be proven: ``by_link`` (the visitor
    opened the emailed link, so the address is theirs, and it is recorded as
    confirmed) or a confirmed address (``Join``); otherwise
    ``InvitationAddressUnconfirmed`` and nothing changes. A tenant that
    requires two-step verification takes only invitees who have it on
    (``InvitationNeedsTwoStep``).

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
            gettext(
                "This invitation is for %(invited)s, but you are signed in as %(current)s. "
                "Sign in as %(invited)s to accept it."
            )
            % {"invited": invitation.email, "current": user.email}
        )
    if not by_link and not email_confirmed(user=user):
        raise InvitationAddressUnconfirmed(
            gettext(
                "Confirm %(email)s first: open the invitation link emailed to it, "
                "or the confirmation code sent when you signed up."
            )
            % {"email": invitation.email}
        )
    if tenant.require_two_step and not two_step_enabled(user=user):
        raise InvitationNeedsTwoStep(
            gettext(
                "“%(tenant)s” requires two-step verification. Set it up for your account, "
                "then accept the invitation."
            )
            % {"tenant": tenant.name}
        )
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise AlreadyMember(
            gettext("You are already a member of “%(tenant)s”.") % {"tenant": tenant.name}
        )
    limit = policies.member_limit(tenant)
    members = tenant.memberships.count()
    if limit is not None and members + 1 > limit:
        raise MemberLimitReached(
            policies.member_limit_full_message(tenant, limit=limit, members=members)
        )
    if by_link:
        email_address_confirm(user=user)
    membership = membership_add(tenant=tenant, user=user, role=invitation.role, ip=ip)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    activity_record(
        tenant=tenant,
        action=InvitationAction.ACCEPTED,
        actor=user,
        target_user=user,
        target_email=invitation.email,
        details={"role": invitation.role},
        ip=ip,
    )
    return membership
