"""A key lives only while its creator may use the console: an active account and,
while the tenant requires it, two-step verification. Seen from the key's side."""

import pytest

from invitations.models import Invitation
from members.models import Role
from tenants.actors import Actor
from tenants.services import tenant_set_two_step_required
from tests import factories
from tests.api.test_api_auth import assert_problem
from tests.factories import give_two_step

pytestmark = pytest.mark.django_db

INVITE_AN_ADMIN = {"emails": ["mallory@example.com"], "role": "admin"}


def deactivate(user) -> None:
    """What an operator's unticking of *active* in the Django admin saves."""
    user.is_active = False
    user.save()


def require_two_step(tenant, *, by) -> None:
    """Another admin (with two-step on) turns on "Require two-step verification"."""
    give_two_step(by.user)
    tenant_set_two_step_required(tenant=tenant, actor=Actor.member(by.user), required=True)


# -- A deactivated creator ---------------------------------------------------------------------


def test_deactivated_creators_key_cannot_read(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    deactivate(admin_membership.user)

    assert_problem(api_as(key).get("/members"), 401, "unauthorized")


def test_deactivated_creators_key_cannot_invite_an_admin(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    deactivate(admin_membership.user)

    response = api_as(key).post("/invitations", INVITE_AN_ADMIN)

    assert_problem(response, 401, "unauthorized")
    assert not Invitation.objects.exists()


def test_deactivated_creators_key_records_no_use(api_as, admin_membership, make_key):
    api_key, key = make_key(admin_membership)
    deactivate(admin_membership.user)

    api_as(key).get("/members")

    api_key.refresh_from_db()
    assert api_key.last_used_at is None


def test_reactivated_creators_key_works_again(api_as, admin_membership, make_key):
    # The key was never revoked: an operator who reactivates the account restores it.
    _, key = make_key(admin_membership)
    deactivate(admin_membership.user)
    admin_membership.user.is_active = True
    admin_membership.user.save()

    assert api_as(key).get("/members").status_code == 200


# -- The tenant requires two-step verification -------------------------------------------------


def test_key_of_a_creator_without_two_step_is_refused_while_the_tenant_requires_it(
    api_as, admin_membership, make_key
):
    # given an admin without two-step who made a read-and-write key
    _, key = make_key(admin_membership)
    # when another admin turns the policy on
    require_two_step(
        admin_membership.tenant, by=factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    )

    # then the key can no longer invite an admin, and says why
    response = api_as(key).post("/invitations", INVITE_AN_ADMIN)

    body = assert_problem(response, 401, "two-step-required")
    assert "two-step verification" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Invitation.objects.exists()


def test_key_under_the_policy_cannot_read_either(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    require_two_step(
        admin_membership.tenant, by=factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    )

    assert_problem(api_as(key).get("/members"), 401, "two-step-required")


def test_key_works_again_once_its_creator_turns_two_step_on(api_as, admin_membership, make_key):
    _, key = make_key(admin_membership)
    require_two_step(
        admin_membership.tenant, by=factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    )
    assert api_as(key).get("/members").status_code == 401

    give_two_step(admin_membership.user)

    assert api_as(key).post("/invitations", INVITE_AN_ADMIN).status_code == 201
    assert Invitation.objects.get().role == Role.ADMIN


def test_key_of_a_creator_with_two_step_works_under_the_policy(api_as, admin_membership, make_key):
    give_two_step(admin_membership.user)
    _, key = make_key(admin_membership)
    tenant_set_two_step_required(
        tenant=admin_membership.tenant, actor=Actor.member(admin_membership.user), required=True
    )

    assert api_as(key).get("/members").status_code == 200


def test_another_tenants_policy_does_not_stop_the_key(api_as, admin_membership, make_key):
    # The creator is also a member of a tenant that requires two-step: only the key's
    # own tenant's policy counts, as on the pages.
    _, key = make_key(admin_membership)
    elsewhere = factories.AdminMembershipFactory(user=admin_membership.user)
    require_two_step(elsewhere.tenant, by=factories.AdminMembershipFactory(tenant=elsewhere.tenant))

    assert api_as(key).get("/members").status_code == 200


def test_key_refused_under_the_policy_records_no_use(api_as, admin_membership, make_key):
    api_key, key = make_key(admin_membership)
    require_two_step(
        admin_membership.tenant, by=factories.AdminMembershipFactory(tenant=admin_membership.tenant)
    )

    api_as(key).get("/members")

    api_key.refresh_from_db()
    assert api_key.last_used_at is None
