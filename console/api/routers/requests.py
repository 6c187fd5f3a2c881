"""``/api/v1/requests``: the tenant's open join and invite requests, Approve and Decline.

A router of its own, mounted by ``console.api.api`` like every resource.
Calls the same services as the Members tab's Requests section; refusals are
mapped by ``problems.install``.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema

from console.api import cursors
from console.api.access import ERRORS, WRITE_ERRORS, actor_of, holder_for, in_tenant
from console.api.schemas import RoleName
from console.client_ip import client_ip
from invitations import access_requests
from invitations.models import AccessRequest
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


@router.get("/requests", response={200: RequestPage, **ERRORS}, url_name="requests")
def list_requests(request, cursor: str | None = None, limit: int = cursors.DEFAULT_LIMIT):
    """The tenant's open join and invite requests, oldest first."""
    holder = holder_for(request, MANAGE_MEMBERS, write=False)
    requests = access_requests.open_requests(tenant=holder.tenant)
    return cursors.page(requests, cursor=cursor, limit=limit, newest_first=False)


def _request(holder, request_id: int) -> AccessRequest:
    return in_tenant(
        AccessRequest.objects.filter(tenant_id=holder.tenant.pk).select_related(
            "requester", "tenant"
        ),
        request_id,
    )


@router.post(
    "/requests/{request_id}/approve",
    response={200: RequestOut, **WRITE_ERRORS},
    url_name="request_approve",
)
def approve_request(request, request_id: int, payload: ApproveIn | None = None):
    """Approve: a join request makes the member (``role``; 409 when the tenant is full);
    an invite request sends its invitations as the invite form would (all or none)."""
    holder = holder_for(request, MANAGE_MEMBERS, write=True)
    access_request = _request(holder, request_id)
    access_requests.request_approve(
        access_request=access_request,
        actor=actor_of(holder),
        role=payload.role if payload else "collaborator",
        ip=client_ip(request),
    )
    return _request(holder, request_id)


@router.post(
    "/requests/{request_id}/decline",
    response={200: RequestOut, **WRITE_ERRORS},
    url_name="request_decline",
)
def decline_request(request, request_id: int):
    """Decline: the requester is emailed and cannot ask again for 30 days."""
    holder = holder_for(request, MANAGE_MEMBERS, write=True)
    access_request = _request(holder, request_id)
    access_requests.request_decline(
        access_request=access_request, actor=actor_of(holder), ip=client_ip(request)
    )
    return _request(holder, request_id)
