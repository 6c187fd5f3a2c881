"""Read paths for invitations: queries only (no writes, no request, no messages)."""

from django.db.models import Count, Exists, Q
from django.http import Http404
from django.utils import timezone

from console.accounts.selectors import confirmed_addresses
from invitations import tokens
from invitations.exceptions import InvitationGone
from invitations.models import Invitation, InvitationStatus, SupersededLink
from tenants.models import Tenant


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


def invitations_for_tab(*, tenant: Tenant, status: str = "", now=None):
    """The tenant's invitations, newest first, with the inviter joined (one query per page).

    Ordered by the (tenant, created_at, id) index, or (tenant, status, created_at, id)
    when filtered, so a page is read from the index without sorting the table.
    """
    queryset = tenant.invitations.select_related("invited_by").order_by("-created_at", "-pk")
    if status in InvitationStatus.values:
        queryset = queryset.filter(_status_q(status, now or timezone.now()))
    return queryset


def invitation_status_counts(*, tenant: Tenant, now=None) -> dict[str, int]:
    """How many invitations each status filter shows ("all" and every status).

    One GROUP BY status over the (tenant, status, ...) index, which carries
    ``expires_at``: an index-only scan instead of five filtered COUNTs over
    the rows. Pending invitations past their expiry count as
    Expired, as ``_status_q`` shows them.
    """
    now = now or timezone.now()
    rows = (
        tenant.invitations.order_by()
        .values_list("status")
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
