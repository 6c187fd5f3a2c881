"""The endpoints call the console's services: same rules, same limits, problem details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from console.api import cursors
from console.api.activity import ApiKeyAction
from invitations.activity import InvitationAction
from invitations.models import Invitation, InvitationStatus
from members.activity import MemberAction
from members.models import Membership, Role
from tenants.models import ActivityEvent, ActorKind
from tests import factories
from tests.api.test_api_auth import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def roomy_tenant(db):
    """A tenant whose limit an operator raised, with its admin."""
    return factories.AdminMembershipFactory(tenant__member_limit_override=50)


@pytest.fixture
def api(api_as, roomy_tenant, make_key):
    return api_as(make_key(roomy_tenant)[1])


# -- Members -----------------------------------------------------------------------------------


def test_list_members_pages_through_every_member_once(api, roomy_tenant):
    for _ in range(4):
        factories.MembershipFactory(tenant=roomy_tenant.tenant)
    factories.MembershipFactory()  # another tenant's member is never listed
    seen, cursor = [], None
    while True:
        body = api.get("/members", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == list(
        Membership.objects.filter(tenant=roomy_tenant.tenant)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    first = api.get("/members").json()["items"][0]
    assert first == {
        "id": roomy_tenant.pk,
        "email": roomy_tenant.user.email,
        "name": roomy_tenant.user.name,
        "role": "admin",
        "joined_at": first["joined_at"],
    }


def test_limit_is_capped(api, roomy_tenant, settings, monkeypatch):
    monkeypatch.setattr(cursors, "MAX_LIMIT", 2)
    for _ in range(3):
        factories.MembershipFactory(tenant=roomy_tenant.tenant)
    body = api.get("/members", {"limit": 1000}).json()
    assert len(body["items"]) == 2 and body["next"]


@pytest.mark.parametrize("cursor", ["garbage", "djE6YWJj", "!!"])
def test_invalid_cursor_is_422(api, cursor):
    body = assert_problem(api.get("/members", {"cursor": cursor}), 422, "invalid-input")
    assert body["errors"][0]["pointer"] == "#/cursor"


def test_change_role(api, roomy_tenant):
    target = factories.MembershipFactory(tenant=roomy_tenant.tenant)
    response = api.patch(f"/members/{target.pk}", {"role": "admin"})
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert Membership.objects.get(pk=target.pk).role == Role.ADMIN
    event = ActivityEvent.objects.get(action=MemberAction.ROLE_CHANGED)
    # The key acts as the admin who created it.
    assert (event.actor, event.actor_kind) == (roomy_tenant.user, ActorKind.MEMBER)
    assert event.target_user == target.user


def test_demoting_the_last_admin_is_409_and_changes_nothing(api, roomy_tenant):
    body = assert_problem(
        api.patch(f"/members/{roomy_tenant.pk}", {"role": "collaborator"}), 409, "last-admin"
    )
    assert "at least one admin" in body["detail"]
    assert Membership.objects.get(pk=roomy_tenant.pk).role == Role.ADMIN
    assert not ActivityEvent.objects.filter(action=MemberAction.ROLE_CHANGED).exists()


@pytest.mark.parametrize("body", [{"role": "owner"}, {}, {"role": None}])
def test_invalid_role_is_422_with_field_errors(api, roomy_tenant, body):
    target = factories.MembershipFactory(tenant=roomy_tenant.tenant)
    problem = assert_problem(api.patch(f"/members/{target.pk}", body), 422, "invalid-input")
    assert problem["errors"][0]["pointer"] == "#/role"
    assert Membership.objects.get(pk=target.pk).role == Role.COLLABORATOR


def test_non_numeric_id_is_422(api):
    assert_problem(api.patch("/members/abc", {"role": "admin"}), 422)


def test_remove_member(api, roomy_tenant):
    target = factories.MembershipFactory(tenant=roomy_tenant.tenant)
    response = api.delete(f"/members/{target.pk}")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert ActivityEvent.objects.filter(action=MemberAction.REMOVED).count() == 1


def test_removing_the_last_admin_is_409(api, roomy_tenant):
    assert_problem(api.delete(f"/members/{roomy_tenant.pk}"), 409, "last-admin")
    assert Membership.objects.filter(pk=roomy_tenant.pk).exists()


def test_unknown_member_is_404(api):
    assert_problem(api.delete("/members/999999"), 404, "not-found")


# -- Invitations -------------------------------------------------------------------------------


def test_list_invitations_filters_by_status_as_the_tab_shows_it(api, roomy_tenant):
    tenant = roomy_tenant.tenant
    pending = factories.InvitationFactory(tenant=tenant, invited_by=roomy_tenant.user)
    past_expiry = factories.InvitationFactory(
        tenant=tenant,
        invited_by=roomy_tenant.user,
        sent_at=timezone.now() - timedelta(days=8),
    )
    revoked = factories.InvitationFactory(
        tenant=tenant, invited_by=roomy_tenant.user, status=InvitationStatus.REVOKED
    )
    ids = lambda response: [item["id"] for item in response.json()["items"]]  # noqa: E731
    assert ids(api.get("/invitations")) == [revoked.pk, past_expiry.pk, pending.pk]
    assert ids(api.get("/invitations", {"status": "pending"})) == [pending.pk]
    expired = api.get("/invitations", {"status": "expired"})
    assert ids(expired) == [past_expiry.pk]
    assert expired.json()["items"][0]["status"] == "expired"
    assert_problem(api.get("/invitations", {"status": "lost"}), 422)


def test_invite_sends_every_address(
    api, roomy_tenant, mailoutbox, django_capture_on_commit_callbacks
):
    addresses = ["ana@example.com", "li@example.com", "sam@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/invitations", {"emails": addresses, "role": "collaborator"})
    assert response.status_code == 201
    assert sorted(item["email"] for item in response.json()["items"]) == sorted(addresses)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == sorted(addresses)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(addresses)
    sent = ActivityEvent.objects.filter(action=InvitationAction.SENT)
    assert {event.actor for event in sent} == {roomy_tenant.user}


def test_invalid_address_is_422_per_address_and_nothing_is_created(api, roomy_tenant, mailoutbox):
    member = factories.MembershipFactory(tenant=roomy_tenant.tenant).user
    response = api.post(
        "/invitations",
        {"emails": ["ana@example.com", "not-an-address", member.email], "role": "admin"},
    )
    body = assert_problem(response, 422, "invalid-addresses")
    assert body["errors"] == [
        {
            "pointer": "#/emails/1",
            "address": "not-an-address",
            "detail": "“not-an-address” is not an email address.",
        },
        {
            "pointer": "#/emails/2",
            "address": member.email,
            "detail": f"{member.email} is already a member.",
        },
    ]
    assert not Invitation.objects.exists()
    assert mailoutbox == []
    assert not ActivityEvent.objects.filter(action=InvitationAction.SENT).exists()


@pytest.mark.parametrize("emails", [[], ["  "]])
def test_no_address_is_422(api, emails):
    assert_problem(api.post("/invitations", {"emails": emails, "role": "admin"}), 422)
    assert not Invitation.objects.exists()


def test_too_many_addresses_is_422(api, monkeypatch):
    from invitations import validators

    monkeypatch.setattr(validators, "MAX_ADDRESSES_PER_SUBMISSION", 2)
    emails = ["a@example.com", "b@example.com", "c@example.com"]
    body = assert_problem(api.post("/invitations", {"emails": emails, "role": "admin"}), 422)
    assert "at most 2 addresses" in body["detail"]
    assert not Invitation.objects.exists()


def test_a_body_over_the_upload_limit_is_413_and_nothing_is_created(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    emails = [f"person{i}@example.com" for i in range(100)]
    body = assert_problem(
        api.post("/invitations", {"emails": emails, "role": "collaborator"}), 413, "too-large"
    )
    assert "Nothing was sent" in body["detail"]
    assert not Invitation.objects.exists()


def test_a_body_that_is_not_json_is_a_problem(api):
    response = api.client.post(
        "/api/v1/invitations",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert_problem(response, 400)
    assert not Invitation.objects.exists()


def test_past_the_member_limit_is_409_and_nothing_is_created(api_as, make_key):
    # A Development tenant (limit 3) with its admin and two members: full.
    admin = factories.AdminMembershipFactory()
    factories.MembershipFactory.create_batch(2, tenant=admin.tenant)
    api = api_as(make_key(admin)[1])
    body = assert_problem(
        api.post("/invitations", {"emails": ["ana@example.com"], "role": "collaborator"}),
        409,
        "member-limit",
    )
    assert "limited to 3 members" in body["detail"]
    assert not Invitation.objects.exists()


def test_past_the_daily_limit_is_429_with_retry_after(api, settings):
    settings.INVITATIONS_PER_TENANT_PER_DAY = 2
    emails = ["a@example.com", "b@example.com", "c@example.com"]
    response = api.post("/invitations", {"emails": emails, "role": "collaborator"})
    assert_problem(response, 429, "rate-limited")
    assert response["Retry-After"] == str(24 * 60 * 60)
    assert not Invitation.objects.exists()


def test_resend_then_the_hourly_limit(
    api, roomy_tenant, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = factories.InvitationFactory(
        tenant=roomy_tenant.tenant, invited_by=roomy_tenant.user
    )
    old_hash = invitation.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/invitations/{invitation.pk}/resend")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert Invitation.objects.get().token_hash != old_hash
    assert [m.to[0] for m in mailoutbox] == [invitation.email]
    for _ in range(2):
        assert api.post(f"/invitations/{invitation.pk}/resend").status_code == 200
    hash_before = Invitation.objects.get().token_hash
    response = api.post(f"/invitations/{invitation.pk}/resend")
    assert_problem(response, 429, "rate-limited")
    assert response["Retry-After"] == "3600"
    assert Invitation.objects.get().token_hash == hash_before


def test_revoke_then_delete(api, roomy_tenant):
    invitation = factories.InvitationFactory(
        tenant=roomy_tenant.tenant, invited_by=roomy_tenant.user
    )
    # a Pending invitation must be revoked before it can be deleted
    assert_problem(api.delete(f"/invitations/{invitation.pk}"), 409, "not-allowed-in-status")
    response = api.post(f"/invitations/{invitation.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert_problem(api.post(f"/invitations/{invitation.pk}/revoke"), 409, "not-allowed-in-status")
    assert_problem(api.post(f"/invitations/{invitation.pk}/resend"), 409, "not-allowed-in-status")
    assert api.delete(f"/invitations/{invitation.pk}").status_code == 204
    assert not Invitation.objects.exists()
    assert list(
        ActivityEvent.objects.filter(action__startswith="invitation.").values_list(
            "action", flat=True
        )
    ) == [InvitationAction.DELETED, InvitationAction.REVOKED]


# -- Requests per key -------------------------------------------------------------------------


def test_a_key_past_its_requests_per_minute_gets_429(api_as, roomy_tenant, make_key, settings):
    settings.API_REQUESTS_PER_KEY_PER_MINUTE = 2
    api = api_as(make_key(roomy_tenant)[1])
    other = api_as(make_key(roomy_tenant, name="Other")[1])
    assert api.get("/members").status_code == 200
    assert api.get("/members").status_code == 200
    response = api.get("/members")
    assert_problem(response, 429, "rate-limited")
    assert response["Retry-After"] == "60"
    # counted per key: another key of the tenant is not affected
    assert other.get("/members").status_code == 200


def test_unknown_keys_do_not_use_up_a_keys_requests(api_as, roomy_tenant, make_key, settings):
    settings.API_REQUESTS_PER_KEY_PER_MINUTE = 1
    api_key, key = make_key(roomy_tenant)
    for _ in range(3):
        api_as(f"tc_{api_key.prefix}_wrong-secret").get("/members")
    assert api_as(key).get("/members").status_code == 200


# -- Activity ----------------------------------------------------------------------------------


def test_activity_newest_first_filtered_by_action(api, roomy_tenant):
    target = factories.MembershipFactory(tenant=roomy_tenant.tenant)
    api.patch(f"/members/{target.pk}", {"role": "admin"})
    body = api.get("/activity").json()
    assert [item["action"] for item in body["items"]] == [
        MemberAction.ROLE_CHANGED,
        ApiKeyAction.CREATED,
    ]
    filtered = api.get("/activity", {"action": "member.role_changed"}).json()["items"]
    assert [item["details"] for item in filtered] == [
        {"old_role": "collaborator", "new_role": "admin"}
    ]
    assert_problem(api.get("/activity", {"action": "nope"}), 422)


# -- Query counts ------------------------------------------------------------------------------

# Every list, whatever the data: 1. the key by its prefix (tenant joined)
# 2. the creator's membership (user joined) 3. the page (one query, LIMIT n+1;
# invitations join their inviter). Marking the key used is not counted here:
# it is one UPDATE at most once a minute.
LIST_QUERIES = 3


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("path", ["/members", "/invitations", "/activity"])
def test_list_query_count_does_not_grow_with_rows(
    api, roomy_tenant, django_assert_num_queries, rows, path
):
    tenant = roomy_tenant.tenant
    for _ in range(rows):
        factories.MembershipFactory(tenant=tenant)
    factories.InvitationFactory.create_batch(rows, tenant=tenant, invited_by=roomy_tenant.user)
    api.get(path)  # marks the key used
    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(path, {"limit": 50})
    assert len(response.json()["items"]) == min(
        50, {"/members": rows + 1, "/invitations": rows, "/activity": 1}[path]
    )


def _invite_queries(api, count: int, start: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    emails = [f"person{start + i}@example.com" for i in range(count)]
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/invitations", {"emails": emails, "role": "collaborator"})
    assert response.status_code == 201
    return len(queries)


def test_invite_query_count_does_not_grow_with_addresses(api):
    api.get("/members")  # marks the key used, so neither call below writes it
    assert _invite_queries(api, 3, 0) == _invite_queries(api, 30, 100)
