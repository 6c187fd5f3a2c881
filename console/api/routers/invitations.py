"""``/invitations``: list, invite, resend, revoke, delete. Refusals are mapped by
``problems.install`` (the same rules and words as the invite form)."""

from ninja import Router, Status

from console.api import cursors
from console.api.access import ERRORS, WRITE_ERRORS, actor_of, holder_for, in_tenant
from console.api.schemas import InvitationOut, InvitationPage, InvitationsCreated, InviteIn
from console.api.selectors import KeyHolder
from console.client_ip import client_ip
from invitations import services, validators
from invitations.models import Invitation, InvitationStatus
from invitations.selectors import invitations_for_tab
from members.permissions import INVITE_MEMBERS, MANAGE_INVITATIONS

router = Router(tags=["invitations"])


@router.get("/invitations", response={200: InvitationPage, **ERRORS}, url_name="invitations")
def list_invitations(
    request,
    status: InvitationStatus | None = None,
    cursor: str | None = None,
    limit: int = cursors.DEFAULT_LIMIT,
):
    """The tenant's invitations, newest first, optionally of one status (as the tab shows it)."""
    holder = holder_for(request, MANAGE_INVITATIONS, write=False)
    invitations = invitations_for_tab(tenant=holder.tenant, status=status or "")
    return cursors.page(invitations, cursor=cursor, limit=limit, newest_first=True)


@router.post(
    "/invitations", response={201: InvitationsCreated, **WRITE_ERRORS}, url_name="invitations"
)
def create_invitations(request, payload: InviteIn):
    """Invite every address with one role, all or none, under the same rules as the invite form.

    Wrong addresses (not an address, already a member, already invited) are
    listed in ``errors`` (422); a submission past the member limit or the
    plan is 409; past a daily invitation limit, 429. Nothing is created then.
    """
    holder = holder_for(request, INVITE_MEMBERS, write=True)
    # The form's own size check and wording (one home: invitations.validators).
    validators.validate_submission_size([a for a in payload.emails if a.strip()])
    created = services.invitation_create_bulk(
        tenant=holder.tenant,
        actor=actor_of(holder),
        emails=payload.emails,
        role=payload.role,
        ip=client_ip(request),
        email_language=payload.language or "",
    )
    return Status(201, {"items": created})


def _invitation(holder: KeyHolder, invitation_id: int) -> Invitation:
    return in_tenant(invitations_for_tab(tenant=holder.tenant), invitation_id)


@router.post(
    "/invitations/{invitation_id}/resend",
    response={200: InvitationOut, **WRITE_ERRORS},
    url_name="invitation_resend",
)
def resend_invitation(request, invitation_id: int):
    """Send a Pending invitation again with a new link and 7 more days (3 times an hour at most)."""
    holder = holder_for(request, MANAGE_INVITATIONS, write=True)
    invitation = services.invitation_resend(
        invitation=_invitation(holder, invitation_id),
        actor=actor_of(holder),
        ip=client_ip(request),
    )
    return _invitation(holder, invitation.pk)


@router.post(
    "/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **WRITE_ERRORS},
    url_name="invitation_revoke",
)
def revoke_invitation(request, invitation_id: int):
    """Revoke a Pending invitation: its link stops working and its seat is freed."""
    holder = holder_for(request, MANAGE_INVITATIONS, write=True)
    invitation = services.invitation_revoke(
        invitation=_invitation(holder, invitation_id),
        actor=actor_of(holder),
        ip=client_ip(request),
    )
    return _invitation(holder, invitation.pk)


@router.delete(
    "/invitations/{invitation_id}",
    response={204: None, **WRITE_ERRORS},
    url_name="invitation",
)
def delete_invitation(request, invitation_id: int):
    """Delete an Accepted, Expired or Revoked invitation (revoke a Pending one first)."""
    holder = holder_for(request, MANAGE_INVITATIONS, write=True)
    services.invitation_delete(
        invitation=_invitation(holder, invitation_id),
        actor=actor_of(holder),
        ip=client_ip(request),
    )
    return Status(204, None)
