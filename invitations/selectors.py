"""Read paths for invitations: queries only (no writes, no request, no messages)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from console.accounts.selectors import confirmed_addresses
from invitations import tokens
from invitations.exceptions import InvitationGone
from invitations.models import (
    AccessRequest,
    EmailStatus,
    Invitation,
    InvitationStatus,
    RequestStatus,
    SupersededLink,
)
from tenants.domain_names import domain_of_address, is_mail_provider
from tenants.models import Domain, Enrollment, Tenant


def pending_invitations_for_user(user):
    """Invitations addressed to the user's email that can still be accepted.

    None unless the address is confirmed: typing someone's address at sign-up
    must not reveal (or let anyone take) their invitations. The check is a
    subquery, so the list stays one query.
    """
    return (
        Invitation.objects.filter(
            Exists(confirmed_addresses(user=user)),
            email=user.email,
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .select_related("tenant", "invited_by")
        .order_by("-sent_at")
    )


def join_offers(*, user) -> list[dict]:
    """Tenants offering ``user`` **Request to join** (Ask to join at their confirmed
    address's domain, not a member yet): ``{"public_id", "name", "requested"}``
    each, ``requested`` when their request is open. For the header of every page
    (through ``header_offers``) and the landing page.

    One query (the confirmed address, the membership and the open request are
    subqueries), none for an address at a mail provider. A cached page keeps
    its header: the domain, the request, the tenant and the email address
    advance the person's page version when they change (``apps.py`` of
    ``tenants`` and ``invitations``).
    """
    name = domain_of_address(user.email)
    if not name or is_mail_provider(name):
        return []
    return [
        {"public_id": public_id, "name": tenant_name, "requested": requested}
        for public_id, tenant_name, requested in Domain.objects.filter(
            Exists(confirmed_addresses(user=user)),
            name=name,
            verified_at__isnull=False,
            enrollment=Enrollment.ASK,
        )
        .exclude(tenant__memberships__user=user)
        .annotate(
            requested=Exists(
                AccessRequest.objects.filter(
                    tenant_id=OuterRef("tenant_id"),
                    requester=user,
                    status=RequestStatus.OPEN,
                )
            )
        )
        .order_by("tenant__name")
        .values_list("tenant__public_id", "tenant__name", "requested")
    ]


@dataclass(frozen=True)
class HeaderOffers:
    pending_invitations: list[Invitation]
    join_offers: list[dict]


def header_offers(*, user) -> HeaderOffers:
    """What the header's tenant switcher offers ``user`` besides their tenants: the
    invitations waiting for them and the tenants of their domain they may ask to join.

    Most people have neither, and each list is an ORM query whose compiling
    cost more CPU than the rest of a rendered page's header. So one plain
    statement first asks whether each list could hold anything, and only a
    list that could runs its query: one query for the two on most pages.
    """
    could_be_invited, could_be_offered = _header_offers_possible(user)
    return HeaderOffers(
        pending_invitations=list(pending_invitations_for_user(user)) if could_be_invited else [],
        join_offers=join_offers(user=user) if could_be_offered else [],
    )


def _header_offers_possible(user) -> tuple[bool, bool]:
    """(a pending invitation to this address exists, a verified Ask-to-join domain of
    it exists): looser than the lists' own conditions (no confirmed-address,
    expiry or membership test), so a False never hides an offer."""
    domain = domain_of_address(user.email)
    offerable_domain = "" if not domain or is_mail_provider(domain) else domain
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{Invitation._meta.db_table}" '
            '   WHERE "email" = %s AND "status" = %s), '
            f'EXISTS (SELECT 1 FROM "{Domain._meta.db_table}" '
            '   WHERE "name" = %s AND "verified_at" IS NOT NULL AND "enrollment" = %s)',
            [user.email, InvitationStatus.PENDING, offerable_domain, Enrollment.ASK],
        )
        could_be_invited, could_be_offered = cursor.fetchone()
    return bool(could_be_invited), bool(could_be_offered)


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
    ``expires_at``: an index-only scan instead of five filtered COUNTs over
    the rows. Pending invitations past their expiry count as
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


def pending_invitation_for_token(token: str) -> Invitation | None:
    """The Pending, unexpired invitation a link's secret belongs to, or None."""
    return (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(
            token_hash=tokens.token_hash(token),
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
