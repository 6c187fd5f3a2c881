"""SCIM Users and Groups (/scim/v2/<tenant>/): members made, changed and removed by an
identity provider through the member services. Every refusal leaves nothing changed."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session

from console.accounts.models import User
from console.api.models import ApiScope
from console.api.services import api_key_create
from console.scim.models import ProvisionedUser
from members.activity import MemberAction
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.models import ActivityEvent, ActorKind
from tests import factories
from tests.scim.conftest import scim_key

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def new_user(email, **extra):
    return {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "active": True,
        **extra,
    }


def snapshot(tenant):
    return (
        sorted(Membership.objects.filter(tenant=tenant).values_list("pk", "user_id", "role")),
        sorted(ProvisionedUser.objects.filter(tenant=tenant).values_list("pk", "user_id")),
        ActivityEvent.objects.filter(tenant=tenant).count(),
        User.objects.count(),
    )


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type:
        assert body["scimType"] == scim_type


def create(scim, email="ada@corp.test", **extra):
    return scim.send("post", "Users", new_user(email, **extra))


def test_create_at_a_verified_domain_makes_a_collaborator_with_a_confirmed_address(scim):
    response = create(scim)
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["userName"] == "ada@corp.test"
    assert body["active"] is True
    assert response["Location"].endswith(f"/Users/{body['id']}")
    assert response["ETag"].startswith('W/"')
    user = User.objects.get(email="ada@corp.test")
    assert not user.has_usable_password()
    assert user.name == "Ada Lovelace"
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(tenant=scim.tenant, user=user)
    assert membership.role == Role.COLLABORATOR
    entry = ActivityEvent.objects.get(tenant=scim.tenant, action=MemberAction.JOINED)
    assert entry.actor_kind == ActorKind.SCIM
    assert entry.actor_label == "SCIM"


def test_create_for_an_existing_account_adds_the_membership(scim):
    existing = factories.UserFactory(email="grace@corp.test")
    before = User.objects.count()
    assert create(scim, "Grace@Corp.test").status_code == 201
    assert User.objects.count() == before
    assert Membership.objects.filter(tenant=scim.tenant, user=existing).exists()


def test_create_outside_the_verified_domains_is_refused_and_nothing_changes(scim):
    factories.DomainFactory(tenant=scim.tenant, name="unverified.test")
    for email in ("ada@elsewhere.test", "ada@unverified.test", "ada@sub.corp.test"):
        before = snapshot(scim.tenant)
        assert_scim_error(create(scim, email), 400, "invalidValue")
        assert snapshot(scim.tenant) == before


def test_creating_the_same_user_twice_is_a_uniqueness_conflict(scim):
    create(scim)
    before = snapshot(scim.tenant)
    assert_scim_error(create(scim, "ADA@corp.test"), 409, "uniqueness")
    assert snapshot(scim.tenant) == before


def test_filter_by_user_name_and_paging(scim):
    for n in range(3):
        create(scim, f"p{n}@corp.test")
    found = scim.get("Users", filter='userName eq "P1@corp.test"').json()
    assert found["totalResults"] == 1
    assert [r["userName"] for r in found["Resources"]] == ["p1@corp.test"]
    page = scim.get("Users", startIndex=2, count=1).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert page["Resources"][0]["userName"] == "p1@corp.test"
    none = scim.get("Users", filter='userName eq "nobody@corp.test"').json()
    assert none["totalResults"] == 0


def test_an_unsupported_filter_is_invalid_filter(scim):
    assert_scim_error(scim.get("Users", filter='title sw "x"'), 400, "invalidFilter")


def test_attributes_and_excluded_attributes(scim):
    user_id = create(scim).json()["id"]
    only = scim.get(f"Users/{user_id}", attributes="userName").json()
    assert "userName" in only and "name" not in only and "id" in only
    without = scim.get(f"Users/{user_id}", excludedAttributes="name").json()
    assert "name" not in without and "userName" in without


def test_patch_active_false_removes_the_membership_and_ends_lone_sessions(scim):
    body = create(scim).json()
    user = User.objects.get(email="ada@corp.test")
    session = Session.objects.create(
        session_key="s" * 32, session_data="", expire_date="2999-01-01T00:00Z"
    )
    UserSession.objects.create(user=user, session_key=session.session_key, ip="127.0.0.1")
    response = scim.send(
        "patch",
        f"Users/{body['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert not Membership.objects.filter(tenant=scim.tenant, user=user).exists()
    assert not Session.objects.filter(session_key=session.session_key).exists()
    removed = ActivityEvent.objects.get(tenant=scim.tenant, action=MemberAction.REMOVED)
    assert removed.actor_kind == ActorKind.SCIM
    # active again: a member again
    again = scim.send(
        "patch",
        f"Users/{body['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]},
    )
    assert again.json()["active"] is True
    assert Membership.objects.filter(tenant=scim.tenant, user=user).exists()


def test_deactivation_keeps_the_sessions_of_someone_in_another_tenant(scim):
    body = create(scim).json()
    user = User.objects.get(email="ada@corp.test")
    factories.MembershipFactory(user=user)
    session = Session.objects.create(
        session_key="t" * 32, session_data="", expire_date="2999-01-01T00:00Z"
    )
    UserSession.objects.create(user=user, session_key=session.session_key, ip="127.0.0.1")
    scim.send("delete", f"Users/{body['id']}", None, raw="")
    assert not Membership.objects.filter(tenant=scim.tenant, user=user).exists()
    assert Session.objects.filter(session_key=session.session_key).exists()


def test_delete_removes_the_membership_and_the_user(scim):
    body = create(scim).json()
    assert scim.client.delete(scim.url(f"Users/{body['id']}"), **scim.headers()).status_code == 204
    assert not Membership.objects.filter(tenant=scim.tenant, user__email="ada@corp.test").exists()
    assert scim.get(f"Users/{body['id']}").status_code == 404


def test_replace_keeps_user_name_and_sets_the_name(scim):
    body = create(scim).json()
    response = scim.send(
        "put",
        f"Users/{body['id']}",
        new_user("ada@corp.test", name={"givenName": "Augusta", "familyName": "King"}),
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"]["givenName"] == "Augusta"


def test_changing_user_name_is_refused_and_nothing_changes(scim):
    body = create(scim).json()
    before = snapshot(scim.tenant)
    response = scim.send(
        "patch",
        f"Users/{body['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "userName", "value": "eve@corp.test"}],
        },
    )
    assert_scim_error(response, 400, "mutability")
    assert snapshot(scim.tenant) == before


def _group_patch(scim, group, op, user_id):
    if op == "add":
        operation = {"op": "add", "path": "members", "value": [{"value": user_id}]}
    else:
        operation = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
    return scim.send("patch", f"Groups/{group}", {"schemas": [PATCH], "Operations": [operation]})


def test_group_patch_to_admins_makes_an_admin_and_back(scim):
    user_id = create(scim).json()["id"]
    response = _group_patch(scim, "admins", "add", user_id)
    assert response.status_code == 200, response.content
    assert user_id in [m["value"] for m in response.json()["members"]]
    membership = Membership.objects.get(tenant=scim.tenant, user__email="ada@corp.test")
    assert membership.role == Role.ADMIN
    entry = ActivityEvent.objects.get(tenant=scim.tenant, action=MemberAction.ROLE_CHANGED)
    assert entry.actor_kind == ActorKind.SCIM
    assert entry.details == {"old_role": "collaborator", "new_role": "admin"}
    _group_patch(scim, "admins", "remove", user_id)
    membership.refresh_from_db()
    assert membership.role == Role.COLLABORATOR
    users = scim.get("Groups/collaborators").json()
    assert user_id in [m["value"] for m in users["members"]]


def test_groups_list_the_two_roles(scim):
    groups = scim.get("Groups").json()
    assert sorted(g["displayName"] for g in groups["Resources"]) == ["Admins", "Collaborators"]
    assert scim.get("Groups/nope").status_code == 404


def test_the_last_admin_is_kept_409_nothing_changed(scim):
    """The only admin was provisioned by SCIM: deprovisioning or demoting them is refused."""
    user_id = create(scim).json()["id"]
    _group_patch(scim, "admins", "add", user_id)
    # The key's creator leaves the admin role to the provisioned person... by an operator.
    Membership.objects.filter(pk=scim.admin.pk).update(role=Role.COLLABORATOR)
    other_admin_key = scim_key(
        Membership.objects.get(tenant=scim.tenant, user__email="ada@corp.test")
    )
    before = snapshot(scim.tenant)
    assert_scim_error(_group_patch(scim, "admins", "remove", user_id), 403)
    assert_scim_error(
        scim.send(
            "patch",
            f"Users/{user_id}",
            {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
            key=other_admin_key,
        ),
        409,
    )
    assert_scim_error(
        scim.client.delete(scim.url(f"Users/{user_id}"), **scim.headers(other_admin_key)), 409
    )
    assert snapshot(scim.tenant) == before


def test_a_full_tenant_is_409_nothing_changed(scim):
    scim.tenant.member_limit_override = 1
    scim.tenant.save()
    before = snapshot(scim.tenant)
    assert_scim_error(create(scim), 409)
    assert snapshot(scim.tenant) == before


def test_another_tenants_key_is_404_and_a_missing_key_401(scim):
    other = factories.AdminMembershipFactory()
    before = snapshot(scim.tenant)
    assert_scim_error(create_with(scim, scim_key(other)), 404)
    response = scim.client.get(scim.url("Users"))
    assert_scim_error(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"
    assert_scim_error(create_with(scim, "tc_nothing_here"), 401)
    assert snapshot(scim.tenant) == before


def create_with(scim, key):
    return scim.send("post", "Users", new_user("ada@corp.test"), key=key)


@pytest.mark.parametrize("scope", [ApiScope.READ_WRITE, ApiScope.READ])
def test_a_read_or_read_and_write_key_is_403_in_scim(scim, scope):
    key = api_key_create(
        tenant=scim.tenant, actor=Actor.member(scim.admin.user), name="rw", scope=scope
    )[1]
    before = snapshot(scim.tenant)
    assert_scim_error(create_with(scim, key), 403)
    assert_scim_error(scim.get("Users", key=key), 403)
    assert snapshot(scim.tenant) == before


def test_a_scim_key_is_403_in_the_json_api(scim):
    response = scim.client.get("/api/v1/members", **scim.headers())
    assert response.status_code == 403
    assert response.json()["type"].endswith("scim-key")


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '"a string"',
        json.dumps({"schemas": [USER], "userName": 42}),
        json.dumps({"schemas": [USER]}),
        json.dumps({"schemas": ["urn:nope"], "userName": "ada@corp.test"}),
        json.dumps(new_user("ada@corp.test", active="maybe")),
        json.dumps(new_user("not an address")),
        b"\xff\xfe",
    ],
)
def test_malformed_bodies_are_400_with_a_scim_error_and_nothing_changes(scim, raw):
    before = snapshot(scim.tenant)
    response = scim.send("post", "Users", None, raw=raw)
    assert_scim_error(response, 400)
    assert snapshot(scim.tenant) == before


def test_an_oversized_body_is_400_and_nothing_changes(scim):
    before = snapshot(scim.tenant)
    body = new_user("ada@corp.test", displayName="x" * 70_000)
    assert_scim_error(scim.send("post", "Users", body), 400, "invalidSyntax")
    patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "1"}] * 5000}],
    }
    assert_scim_error(scim.send("patch", "Groups/admins", patch), 400, "invalidSyntax")
    assert snapshot(scim.tenant) == before


def test_a_group_patch_with_an_unknown_member_changes_nothing(scim):
    user_id = create(scim).json()["id"]
    before = snapshot(scim.tenant)
    body = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": user_id}, {"value": "999999"}]}
        ],
    }
    assert_scim_error(scim.send("patch", "Groups/admins", body), 400, "invalidValue")
    assert snapshot(scim.tenant) == before


def test_discovery_endpoints(scim):
    spc = scim.get("ServiceProviderConfig")
    assert spc.status_code == 200 and spc["Content-Type"].startswith("application/scim+json")
    assert spc.json()["patch"]["supported"] is True
    types = scim.get("ResourceTypes").json()
    assert sorted(t["name"] for t in types["Resources"]) == ["Group", "User"]
    schemas = scim.get("Schemas").json()
    assert USER in [s["id"] for s in schemas["Resources"]]
    assert scim.get(f"Schemas/{USER}").status_code == 200
    assert_scim_error(scim.get("Nope"), 404)


# Queries of one create (a new account), whatever the tenant's size (33):
#  key: 1 by prefix, 1 its creator's membership, 1 mark used;
#  SCIM service: savepoint, lock the tenant, already a SCIM User?;
#  member service: savepoint, lock, the key creator's role now, verified domain?, the account,
#  2 seat counts, insert account (+ page version and its tenants: 2), confirmed address
#  (savepoint, look up, primary flags, insert, page version, its tenants, release),
#  membership (insert, tenant and user page versions: 2), activity entry, webhook endpoints,
#  release; the SCIM User row (savepoint, insert, release); read back with the role.
CREATE_QUERIES = 33


def test_create_runs_a_constant_number_of_queries(scim, django_assert_max_num_queries):
    create(scim, "first@corp.test")
    with django_assert_max_num_queries(CREATE_QUERIES) as small:
        create(scim, "second@corp.test")
    for n in range(20):
        create(scim, f"filler{n}@corp.test")
    with django_assert_max_num_queries(CREATE_QUERIES) as large:
        assert create(scim, "last@corp.test").status_code == 201
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_key_whose_creator_lacks_the_required_two_step_is_401(scim):
    scim.tenant.require_two_step = True
    scim.tenant.save()
    before = snapshot(scim.tenant)
    assert_scim_error(create(scim), 401)
    assert snapshot(scim.tenant) == before
    factories.give_two_step(scim.admin.user)
    assert create(scim).status_code == 201


def test_webhooks_fire_for_scim_changes_as_for_any(scim, django_capture_on_commit_callbacks):
    from console.webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        tenant=scim.tenant,
        url="https://hooks.example.com/in",
        events=["member.joined", "member.role_changed", "member.removed"],
    )
    with django_capture_on_commit_callbacks():
        user_id = create(scim).json()["id"]
        _group_patch(scim, "admins", "add", user_id)
        scim.client.delete(scim.url(f"Users/{user_id}"), **scim.headers())
    assert list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("pk")
        .values_list("event_type", flat=True)
    ) == ["member.joined", "member.role_changed", "member.removed"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "Users"),
        ("delete", "Users"),
        ("patch", "Users"),
        ("post", "Users/1"),
        ("post", "Groups"),
        ("put", "Groups/admins"),
        ("delete", "Groups/admins"),
        ("post", "ServiceProviderConfig"),
        ("delete", "Schemas"),
        ("get", ".search"),
    ],
)
def test_methods_scim_does_not_offer_are_405_scim_errors_and_change_nothing(scim, method, path):
    create(scim)
    before = snapshot(scim.tenant)
    response = getattr(scim.client, method)(scim.url(path), **scim.headers())
    assert_scim_error(response, 405)
    assert snapshot(scim.tenant) == before


def test_entra_id_style_patch_deactivates(scim):
    """Entra ID capitalises the op and sends booleans as strings."""
    user_id = create(scim).json()["id"]
    response = scim.send(
        "patch",
        f"Users/{user_id}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert not Membership.objects.filter(tenant=scim.tenant, user__email="ada@corp.test").exists()


def test_okta_style_create_with_extra_attributes_is_accepted(scim):
    """Okta and Entra ID send attributes the console does not keep: ignored, not refused."""
    body = new_user(
        "okta@corp.test",
        emails=[{"value": "okta@corp.test", "primary": True, "type": "work"}],
        displayName="Okta Person",
        locale="en-US",
        title="Engineer",
        **{
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
        },
    )
    body["schemas"].append("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    response = scim.send("post", "Users", body)
    assert response.status_code == 201, response.content
    assert response.json()["userName"] == "okta@corp.test"
