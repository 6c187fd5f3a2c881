"""What each role may do: the one table that views and templates both ask.

Permissions are plain strings so the tenant-scoping mixin (in ``tenants``)
can ask ``membership.can("rename_tenant")`` without importing this app.
"""

from members.models import Role

VIEW_TENANT = "view_tenant"
VIEW_MEMBERS = "view_members"
LEAVE_TENANT = "leave_tenant"
RENAME_TENANT = "rename_tenant"
DELETE_TENANT = "delete_tenant"
VIEW_BILLING = "view_billing"
INVITE_MEMBERS = "invite_members"
MANAGE_MEMBERS = "manage_members"
MANAGE_INVITATIONS = "manage_invitations"
VIEW_ACTIVITY = "view_activity"  # the Activity tab and its CSV
MANAGE_API_KEYS = "manage_api_keys"  # the API keys tab

ALL_PERMISSIONS = frozenset(
    {
        VIEW_TENANT,
        VIEW_MEMBERS,
        LEAVE_TENANT,
        RENAME_TENANT,
        DELETE_TENANT,
        VIEW_BILLING,
        INVITE_MEMBERS,
        MANAGE_MEMBERS,
        MANAGE_INVITATIONS,
        VIEW_ACTIVITY,
        MANAGE_API_KEYS,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Full access and management of all tenant resources.
    Role.ADMIN: ALL_PERMISSIONS,
    # Sees the tenant and its members; no billing, no inviting or managing
    # members, no renaming, no deleting.
    Role.COLLABORATOR: frozenset({VIEW_TENANT, VIEW_MEMBERS, LEAVE_TENANT}),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
