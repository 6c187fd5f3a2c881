"""The one check of "may this person act?": ``tenants.actors.actor_require``."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from console.api.models import ApiKey
from members.permissions import MANAGE_MEMBERS
from tenants.actors import Actor, TenantGone, actor_require
from tenants.models import ActorKind
from tests import factories

pytestmark = pytest.mark.django_db


def check(actor, tenant, permission=MANAGE_MEMBERS):
    with transaction.atomic():
        return actor_require(actor=actor, tenant_id=tenant.pk, permission=permission)


def test_an_admin_member_may_act(tenant, admin):
    assert check(Actor.member(admin), tenant) == tenant


def test_a_collaborator_is_refused_with_403(tenant, collaborator):
    with pytest.raises(PermissionDenied):
        check(Actor.member(collaborator), tenant)


def test_a_removed_member_is_refused_with_403(tenant, admin_membership):
    actor = Actor.member(admin_membership.user)
    admin_membership.delete()

    with pytest.raises(PermissionDenied, match="no longer a member"):
        check(actor, tenant)


def test_a_member_of_another_tenant_is_refused(tenant):
    stranger = factories.AdminMembershipFactory().user

    with pytest.raises(PermissionDenied):
        check(Actor.member(stranger), tenant)


def test_an_operator_acts_outside_tenant_roles(tenant):
    staff = factories.UserFactory(is_staff=True)

    assert check(Actor.operator(staff), tenant) == tenant


def test_the_system_acts_outside_tenant_roles(tenant):
    assert check(Actor.system(), tenant) == tenant


def _api_key(membership):
    return ApiKey.objects.create(
        tenant=membership.tenant,
        name="HR",
        scope="read_write",
        prefix=f"p{membership.pk}",
        secret_hash="x",
        created_by=membership.user,
    )


def test_an_api_key_acts_with_its_creators_role_now(tenant, admin_membership):
    actor = Actor.for_api_key(_api_key(admin_membership))

    assert check(actor, tenant) == tenant


def test_an_api_key_whose_creator_was_demoted_is_refused(tenant, admin_membership):
    actor = Actor.for_api_key(_api_key(admin_membership))
    admin_membership.role = "collaborator"
    admin_membership.save(update_fields=["role"])

    with pytest.raises(PermissionDenied):
        check(actor, tenant)


def test_a_deleted_tenant_is_tenant_gone(tenant, admin):
    actor = Actor.member(admin)
    tenant_id = tenant.pk
    tenant.delete()

    with pytest.raises(TenantGone), transaction.atomic():
        actor_require(actor=actor, tenant_id=tenant_id, permission=MANAGE_MEMBERS)


def test_the_role_is_read_after_the_tenant_is_locked(tenant, admin):
    with CaptureQueriesContext(connection) as queries:
        check(Actor.member(admin), tenant)

    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # given the lock first, then the membership (the order role changes use)
    assert "tenants_tenant" in sql[0] and "FOR UPDATE" in sql[0]
    assert "members_membership" in sql[1]


@pytest.mark.parametrize(
    ("actor", "kind"),
    [
        (lambda user: Actor.member(user), ActorKind.MEMBER),
        (lambda user: Actor.operator(user), ActorKind.OPERATOR),
        (lambda user: Actor.system(), ActorKind.SYSTEM),
    ],
)
def test_each_actor_is_recorded_as_its_kind(admin, actor, kind):
    assert actor(admin).recorded_as["actor_kind"] == kind
