"""``/members``: list, change a role, remove. Refusals are mapped by ``problems.install``."""

from ninja import Router, Status

from console.api import cursors
from console.api.access import ERRORS, WRITE_ERRORS, actor_of, holder_for, in_tenant
from console.api.schemas import MemberOut, MemberPage, RoleIn
from console.client_ip import client_ip
from members import services
from members.permissions import MANAGE_MEMBERS, VIEW_MEMBERS
from members.selectors import memberships_for_tab

router = Router(tags=["members"])


@router.get("/members", response={200: MemberPage, **ERRORS}, url_name="members")
def list_members(request, cursor: str | None = None, limit: int = cursors.DEFAULT_LIMIT):
    """The tenant's members, oldest first."""
    holder = holder_for(request, VIEW_MEMBERS, write=False)
    memberships = memberships_for_tab(tenant=holder.tenant)
    return cursors.page(memberships, cursor=cursor, limit=limit, newest_first=False)


@router.patch("/members/{member_id}", response={200: MemberOut, **WRITE_ERRORS}, url_name="member")
def change_member_role(request, member_id: int, payload: RoleIn):
    """Give a member a role. Refused (409) when it would leave the tenant without an admin."""
    holder = holder_for(request, MANAGE_MEMBERS, write=True)
    membership = in_tenant(memberships_for_tab(tenant=holder.tenant), member_id)
    return services.membership_change_role(
        membership=membership, role=payload.role, actor=actor_of(holder), ip=client_ip(request)
    )


@router.delete("/members/{member_id}", response={204: None, **WRITE_ERRORS}, url_name="member")
def remove_member(request, member_id: int):
    """Remove a member. The tenant's last admin cannot be removed (409)."""
    holder = holder_for(request, MANAGE_MEMBERS, write=True)
    membership = in_tenant(memberships_for_tab(tenant=holder.tenant), member_id)
    services.membership_remove(membership=membership, actor=actor_of(holder), ip=client_ip(request))
    return Status(204, None)
