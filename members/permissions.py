"""The roles and what each may do: the one table that views and templates both ask,
and the words that describe it to people (forms, pages, emails).

Permissions are plain strings so the tenant-scoping mixin (in ``tenants``)
can ask ``membership.can("rename_tenant")`` without importing this app.
``Role`` lives here, below ``members.models`` (which imports it), so the
model and its permission table need no import inside a function.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    COLLABORATOR = "collaborator", _("Collaborator")


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
MANAGE_WEBHOOKS = "manage_webhooks"  # the Webhooks tab: endpoints, secrets, test events
MANAGE_API_KEYS = "manage_api_keys"  # the API keys tab
MANAGE_DOMAINS = "manage_domains"  # the Domains tab: add, verify, remove, enrollment
MANAGE_SSO = "manage_sso"  # the Single sign-on tab: the connection, Require single sign-on

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
        MANAGE_WEBHOOKS,
        MANAGE_API_KEYS,
        MANAGE_DOMAINS,
        MANAGE_SSO,
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


# What each role may do, in words (lower case, to sit inside a sentence).
ROLE_DESCRIPTIONS: dict[str, str | Promise] = {
    Role.ADMIN: _("full access, including billing, managing members and deleting the tenant"),
    Role.COLLABORATOR: _("sees the tenant and its members; no billing, inviting or managing"),
}

# The powers an invited admin gets, listed before the admin confirmation.
ADMIN_POWERS: tuple[str | Promise, ...] = (
    _("see and manage billing"),
    _("invite, remove and change the role of members"),
    _("rename and delete the tenant"),
)


def role_description(role: str) -> str:
    return str(ROLE_DESCRIPTIONS.get(role, ""))
