"""Every API endpoint as every kind of caller, and IDOR probes with another tenant's ids.

Callers: no key, a revoked key, an expired key, another tenant's key, a read
key and a read-and-write key (both made by the tenant's admin); a key whose
creator's account an operator deactivated; and, with the tenant requiring
two-step verification, a key whose creator has it off (refused, 401) and one
whose creator has it on (works like any read-and-write key). Refusals
change nothing; allowed writes change the tenant's rows. Another tenant's
key only ever reaches its own tenant: ids of this tenant are 404 and lists
show none of its rows.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from console.api.models import ApiKey, ApiScope
from console.api.services import api_key_create
from invitations.models import AccessRequest, Invitation, InvitationStatus
from members.models import Membership
from tenants.actors import Actor
from tenants.models import ActivityEvent, Tenant
from tests import factories
from tests.factories import give_two_step

pytestmark = [pytest.mark.security, pytest.mark.django_db]

CALLERS = [
    "scim",
    "no_key",
    "revoked",
    "expired",
    "other_tenant",
    "read",
    "read_write",
    "deactivated_creator",
    "no_two_step_under_policy",
    "two_step_under_policy",
]
# Callers whose key is refused before anything else (401).
UNAUTHENTICATED = {
    "no_key",
    "revoked",
    "expired",
    "deactivated_creator",
    "no_two_step_under_policy",
}
# Read-and-write keys of an admin allowed to use them.
WRITERS = {"read_write", "two_step_under_policy"}


@dataclass
class World:
    tenant: Tenant
    admin: Membership
    target: Membership
    pending: Invitation
    revoked: Invitation
    other: Membership  # admin of another tenant
    other_target: Membership
    other_pending: Invitation
    other_revoked: Invitation
    keys: dict
    join_request: AccessRequest | None = None
    other_join_request: AccessRequest | None = None


def _join_request(tenant: Tenant) -> AccessRequest:
    return AccessRequest.objects.create(
        tenant=tenant, requester=factories.UserFactory(), kind="join"
    )


def _key(membership, scope=ApiScope.READ_WRITE) -> tuple[ApiKey, str]:
    return api_key_create(
        tenant=membership.tenant, actor=Actor.member(membership.user), name="probe", scope=scope
    )


@pytest.fixture
def world(db):
    admin = factories.AdminMembershipFactory(
        tenant__name="Secret Tenant", tenant__member_limit_override=50
    )
    other = factories.AdminMembershipFactory(
        tenant__name="Other Tenant", tenant__member_limit_override=50
    )
    keys = {"no_key": None}
    keys["read"] = _key(admin, ApiScope.READ)[1]
    keys["read_write"] = _key(admin)[1]
    revoked, keys["revoked"] = _key(admin)
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, keys["expired"] = _key(admin)
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    keys["other_tenant"] = _key(other)[1]
    # An identity provider's key (issue 23): SCIM only, nothing in this API.
    keys["scim"] = _key(admin, ApiScope.SCIM)[1]
    # An admin whose account an operator deactivated after they made a key.
    deactivated = factories.AdminMembershipFactory(tenant=admin.tenant)
    keys["deactivated_creator"] = _key(deactivated)[1]
    deactivated.user.is_active = False
    deactivated.user.save()
    # The admin's own read-and-write key; the tenant requires two-step in the test.
    keys["no_two_step_under_policy"] = keys["two_step_under_policy"] = keys["read_write"]
    world = World(
        tenant=admin.tenant,
        admin=admin,
        target=factories.MembershipFactory(tenant=admin.tenant),
        pending=factories.InvitationFactory(tenant=admin.tenant, invited_by=admin.user),
        revoked=factories.InvitationFactory(
            tenant=admin.tenant, invited_by=admin.user, status=InvitationStatus.REVOKED
        ),
        other=other,
        other_target=factories.MembershipFactory(tenant=other.tenant),
        other_pending=factories.InvitationFactory(tenant=other.tenant, invited_by=other.user),
        other_revoked=factories.InvitationFactory(
            tenant=other.tenant, invited_by=other.user, status=InvitationStatus.REVOKED
        ),
        keys=keys,
    )
    world.join_request = _join_request(admin.tenant)
    world.other_join_request = _join_request(other.tenant)
    return world


def snapshot(tenant: Tenant) -> tuple:
    """Every row an API call can change in ``tenant``."""
    return (
        sorted(Membership.objects.filter(tenant=tenant).values_list("pk", "role")),
        sorted(Invitation.objects.filter(tenant=tenant).values_list("pk", "status", "token_hash")),
        sorted(ActivityEvent.objects.filter(tenant=tenant).values_list("pk", flat=True)),
        sorted(AccessRequest.objects.filter(tenant=tenant).values_list("pk", "status")),
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: object  # World -> path under /api/v1
    ok: int
    write: bool
    body: object = None  # World -> dict
    ids: tuple = ()  # World attributes the path names (for the IDOR probe)


ENDPOINTS = {
    "list members": Endpoint("get", lambda w: "/members", 200, False),
    "change role": Endpoint(
        "patch",
        lambda w: f"/members/{w.target.pk}",
        200,
        True,
        lambda w: {"role": "admin"},
        ("target",),
    ),
    "remove member": Endpoint(
        "delete", lambda w: f"/members/{w.target.pk}", 204, True, ids=("target",)
    ),
    "list invitations": Endpoint("get", lambda w: "/invitations", 200, False),
    "invite": Endpoint(
        "post",
        lambda w: "/invitations",
        201,
        True,
        lambda w: {"emails": ["new@example.com"], "role": "collaborator"},
    ),
    "resend": Endpoint(
        "post", lambda w: f"/invitations/{w.pending.pk}/resend", 200, True, ids=("pending",)
    ),
    "revoke": Endpoint(
        "post", lambda w: f"/invitations/{w.pending.pk}/revoke", 200, True, ids=("pending",)
    ),
    "delete invitation": Endpoint(
        "delete", lambda w: f"/invitations/{w.revoked.pk}", 204, True, ids=("revoked",)
    ),
    "list activity": Endpoint("get", lambda w: "/activity", 200, False),
    "list requests": Endpoint("get", lambda w: "/requests", 200, False),
    "approve request": Endpoint(
        "post",
        lambda w: f"/requests/{w.join_request.pk}/approve",
        200,
        True,
        lambda w: {"role": "collaborator"},
        ("join_request",),
    ),
    "decline request": Endpoint(
        "post", lambda w: f"/requests/{w.join_request.pk}/decline", 200, True, ids=("join_request",)
    ),
}


def call(client, endpoint: Endpoint, w, key: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    path = "/api/v1" + endpoint.path(w)
    if endpoint.method == "get":
        return client.get(path, **headers)
    body = endpoint.body(w) if endpoint.body else None
    return getattr(client, endpoint.method)(
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def put_under_policy(w: World, caller: str) -> None:
    """The tenant requires two-step verification; the key's creator has it or not."""
    if caller == "two_step_under_policy":
        give_two_step(w.admin.user)
    if caller in {"no_two_step_under_policy", "two_step_under_policy"}:
        Tenant.objects.filter(pk=w.tenant.pk).update(require_two_step=True)


def expected_status(endpoint: Endpoint, caller: str) -> int:
    if caller in UNAUTHENTICATED:
        return 401
    if caller == "scim":
        return 403
    if caller == "read" and endpoint.write:
        return 403
    if caller == "other_tenant" and endpoint.ids:
        return 404  # this tenant's ids do not exist in the key's tenant
    return endpoint.ok


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", ENDPOINTS)
def test_api_permission_matrix(client, world, name, caller, mailoutbox):
    endpoint = ENDPOINTS[name]
    put_under_policy(world, caller)
    before = snapshot(world.tenant)
    response = call(client, endpoint, world, world.keys[caller])
    status = expected_status(endpoint, caller)
    assert response.status_code == status, response.content
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == status
        assert world.tenant.name not in response.content.decode()
    if caller == "no_two_step_under_policy":
        assert response.json()["type"] == "urn:tenant-console:problem:two-step-required"
    if caller == "scim":
        assert response.json()["type"] == "urn:tenant-console:problem:scim-key"
    changes_this_tenant = status < 400 and endpoint.write and caller in WRITERS
    if changes_this_tenant:
        assert snapshot(world.tenant) != before
    else:
        assert snapshot(world.tenant) == before
    if caller == "other_tenant" and status == 200 and endpoint.method == "get":
        # Lists of the key's own tenant: nothing of this tenant in them.
        listed = response.content.decode()
        assert world.target.user.email not in listed
        assert world.pending.email not in listed


# -- IDOR: this tenant's key with another tenant's ids ------------------------------------------

IDOR = {name: endpoint for name, endpoint in ENDPOINTS.items() if endpoint.ids}


@pytest.mark.parametrize("name", IDOR)
def test_another_tenants_ids_are_404_and_change_nothing(client, world, name, mailoutbox):
    endpoint = IDOR[name]
    # given the world seen with the other tenant's rows in place of this tenant's
    swapped = World(
        **{
            **world.__dict__,
            "target": world.other_target,
            "pending": world.other_pending,
            "revoked": world.other_revoked,
            "join_request": world.other_join_request,
        }
    )
    before = (snapshot(world.tenant), snapshot(world.other.tenant))
    response = call(client, endpoint, swapped, world.keys["read_write"])
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert (snapshot(world.tenant), snapshot(world.other.tenant)) == before
    assert mailoutbox == []
    assert world.other.tenant.name not in response.content.decode()


def test_guessing_ids_reaches_nothing_of_another_tenant(client, world):
    before = snapshot(world.other.tenant)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.keys['read_write']}"}
    own_members = set(world.tenant.memberships.values_list("pk", flat=True))
    own_invitations = set(world.tenant.invitations.values_list("pk", flat=True))
    # Every id from just below this tenant's first row to just past the other
    # tenant's last one: the other tenant's rows were created in between.
    members = Membership.objects.filter(tenant__in=[world.tenant, world.other.tenant])
    invitations = Invitation.objects.filter(tenant__in=[world.tenant, world.other.tenant])
    for rows, own, request in [
        (members, own_members, lambda pk: client.delete(f"/api/v1/members/{pk}", **headers)),
        (
            invitations,
            own_invitations,
            lambda pk: client.post(f"/api/v1/invitations/{pk}/revoke", **headers),
        ),
    ]:
        ids = list(rows.values_list("pk", flat=True))
        for pk in range(min(ids) - 2, max(ids) + 3):
            if pk not in own:
                assert request(pk).status_code == 404
    assert snapshot(world.other.tenant) == before
