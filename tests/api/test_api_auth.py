"""Bearer keys: who gets in (and as whom), and the 401 / 403 answers as problem details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from console.api.models import ApiKey, ApiScope
from members.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if code:
        assert body["type"] == f"urn:tenant-console:problem:{code}"
    return body


def test_no_key_is_401_with_a_bearer_challenge(api_as, admin_membership):
    response = api_as(None).get("/members")
    assert_problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", ["nonsense", "tc_abc_def", "tc_" + "a" * 12 + "_secret"])
def test_malformed_or_unknown_key_is_401(api_as, admin_membership, key):
    assert_problem(api_as(key).get("/members"), 401, "unauthorized")


def test_right_prefix_wrong_secret_is_401(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    assert_problem(api_as(key[:-2] + "xx").get("/members"), 401)
    assert ApiKey.objects.get().last_used_at is None


def test_session_cookie_does_not_authenticate(admin_client, admin_membership):
    # The API is for keys only: a signed-in browser (and a cross-site form) gets 401.
    assert_problem(admin_client.get("/api/v1/members"), 401)


def test_revoked_key_is_401(api_as, admin_membership, make_key):
    api_key, key = make_key(admin_membership)
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    assert_problem(api_as(key).get("/members"), 401)


def test_expired_key_is_401_and_a_key_before_its_expiry_works(api_as, admin_membership, make_key):
    api_key, key = make_key(admin_membership, expires_at=timezone.now() + timedelta(hours=1))
    assert api_as(key).get("/members").status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now())
    assert_problem(api_as(key).get("/members"), 401)


def test_key_stops_working_when_its_creator_leaves_the_tenant(api_as, admin_membership, make_key):
    factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    _, key = make_key(admin_membership)
    Membership.objects.filter(pk=admin_membership.pk).delete()
    assert_problem(api_as(key).get("/members"), 401)


def test_key_of_a_demoted_creator_keeps_only_what_their_role_allows(
    api_as, admin_membership, make_key
):
    factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    _, key = make_key(admin_membership)
    Membership.objects.filter(pk=admin_membership.pk).update(role=Role.COLLABORATOR)
    api = api_as(key)
    assert api.get("/members").status_code == 200  # collaborators see the members
    assert_problem(api.get("/invitations"), 403, "forbidden")
    assert_problem(api.get("/activity"), 403, "forbidden")


def test_read_key_reads_but_cannot_write(api_as, admin_membership, make_key):
    target = factories.MembershipFactory(tenant=admin_membership.tenant)
    _, key = make_key(admin_membership, scope=ApiScope.READ)
    api = api_as(key)
    assert api.get("/members").status_code == 200
    assert_problem(api.patch(f"/members/{target.pk}", {"role": "admin"}), 403, "read-only-key")
    assert Membership.objects.get(pk=target.pk).role == Role.COLLABORATOR


def test_use_is_recorded_on_the_key(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    api_as(key).get("/members")
    assert ApiKey.objects.get().last_used_at is not None


def test_unauthenticated_request_marks_no_use(api_as, admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    api_as(f"tc_{api_key.prefix}_wrong").get("/members")
    assert ApiKey.objects.get().last_used_at is None
