"""``/api/v1/requests``: the tenant's open join and invite requests, Approve and Decline.

A router of its own, mounted by ``console.api.api`` (by its dotted path, so
this module may use the API's shared helpers once they are defined). Calls
the same services as the Members tab's Requests section.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema

from console.api import cursors
from console.api.api import ERRORS, WRITE_ERRORS, _holder, _in_tenant
from console.api.problems import Problem
from console.api.schemas import RoleName
from console.client_ip import client_ip
from invitations import access_requests
from invitations.exceptions import InvitationsRefused, MemberLimitReached
from invitations.models import AccessRequest, RequestStatus
from members.permissions import MANAGE_MEMBERS

router = Router(tags=["requests"])


class RequestOut(Schema):
    id: int
    kind: Literal["join", "invite"]
    status: Literal["open", "approved", "declined"]
    requester_email: str
    emails: list[str] = Field(
        description="A join: the requester's address; an invite: the addresses."
    )
    created_at: datetime
    decided_at: datetime | None
    role: str = Field(description="The role an approved join request gave; empty otherwise.")

    @staticmethod
    def resolve_requester_email(obj: AccessRequest) -> str:
        return obj.requester.email


class RequestPage(Schema):
    items: list[RequestOut]
    next: str | None = Field(description="The cursor of the next page; null on the last page.")


class ApproveIn(Schema):
    role: RoleName = Field("collaborator", description="For a join request: the new member's role.")


@router.get("", response={200: RequestPage, **ERRORS}, url_name="requests")
def list_requests(request, cursor: str | None = None, limit: int = cursors.DEFAULT_LIMIT):
    """The tenant's open join and invite requests, oldest first."""
    holder = _holder(request, MANAGE_MEMBERS, write=False)
    requests = AccessRequest.objects.filter(
        tenant_id=holder.tenant.pk, status=RequestStatus.OPEN
    ).select_related("requester")
    return cursors.page(requests, cursor=cursor, limit=limit, newest_first=False)


def _request(holder, request_id: int) -> AccessRequest:
    return _in_tenant(
        AccessRequest.objects.filter(tenant_id=holder.tenant.pk).select_related(
            "requester", "tenant"
        ),
        request_id,
    )


def _refused(error: ValidationError) -> Problem:
    if isinstance(error, MemberLimitReached):
        return Problem(409, " ".join(error.messages), code="member-limit")
    if isinstance(error, InvitationsRefused) and not error.address_errors:
        return Problem(409, " ".join(error.errors), code="member-limit")
    if error.code == "decided":
        return Problem(409, " ".join(error.messages), code="already-decided")
    return Problem(422, " ".join(error.messages), code="invalid-input")


@router.post(
    "/{request_id}/approve", response={200: RequestOut, **WRITE_ERRORS}, url_name="request_approve"
)
def approve_request(request, request_id: int, payload: ApproveIn | None = None):
    """Approve: a join request makes the member (``role``; 409 when the tenant is full);
    an invite request sends its invitations as the invite form would (all or none)."""
    holder = _holder(request, MANAGE_MEMBERS, write=True)
    access_request = _request(holder, request_id)
    try:
        access_requests.request_approve(
            access_request=access_request,
            actor=holder.membership.user,
            role=payload.role if payload else "collaborator",
            ip=client_ip(request),
        )
    except PermissionDenied as error:
        raise Problem(403, str(error), code="forbidden") from error
    except ValidationError as error:
        raise _refused(error) from error
    return _request(holder, request_id)


@router.post(
    "/{request_id}/decline", response={200: RequestOut, **WRITE_ERRORS}, url_name="request_decline"
)
def decline_request(request, request_id: int):
    """Decline: the requester is emailed and cannot ask again for 30 days."""
    holder = _holder(request, MANAGE_MEMBERS, write=True)
    access_request = _request(holder, request_id)
    try:
        access_requests.request_decline(
            access_request=access_request, actor=holder.membership.user, ip=client_ip(request)
        )
    except PermissionDenied as error:
        raise Problem(403, str(error), code="forbidden") from error
    except ValidationError as error:
        raise _refused(error) from error
    return _request(holder, request_id)
