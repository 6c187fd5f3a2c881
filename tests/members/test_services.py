"""The member services: role changes, removal, leaving and ownership transfer
never leave a tenant without an admin, and they act on the rows as they are
inside the lock, not on the caller's (possibly stale) objects."""

import pytest
from django.core.exceptions import PermissionDenied

from members import services
from members.models import Membership, Role
from tenants.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db


def admin_ids(tenant) -> set[int]:
    return set(tenant.memberships.filter(role=Role.ADMIN).values_list("pk", flat=True))


@pytest.fixture
def sole_admin(tenant):
    return factories.AdminMembershipFactory(tenant=tenant)


@pytest.fixture
def member(tenant):
    return factories.MembershipFactory(tenant=tenant)


# Change role ------------------------------------------------------------------


def test_admin_makes_a_collaborator_an_admin(sole_admin, member):
    services.membership_change_role(
        membership=member, role=Role.ADMIN, actor=Actor.member(sole_admin.user)
    )
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_admin_demotes_another_admin(tenant, sole_admin):
    other = factories.AdminMembershipFactory(tenant=tenant)
    services.membership_change_role(
        membership=other, role=Role.COLLABORATOR, actor=Actor.member(sole_admin.user)
    )
    assert admin_ids(tenant) == {sole_admin.pk}


def test_last_admin_cannot_be_demoted(tenant, sole_admin, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.LastAdminError) as refused:
        services.membership_change_role(
            membership=sole_admin, role=Role.COLLABORATOR, actor=Actor.member(sole_admin.user)
        )
    assert refused.value.message == services.LAST_ADMIN_MESSAGE
    assert membership_rows() == before


def test_unknown_role_is_refused(sole_admin, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.MembershipError):
        services.membership_change_role(
            membership=member, role="owner", actor=Actor.member(sole_admin.user)
        )
    assert membership_rows() == before


def test_change_role_to_the_same_role_changes_nothing(sole_admin, member, membership_rows):
    before = membership_rows()
    services.membership_change_role(
        membership=member, role=Role.COLLABORATOR, actor=Actor.member(sole_admin.user)
    )
    assert membership_rows() == before


def test_actor_demoted_meanwhile_cannot_change_roles(tenant, sole_admin, member, membership_rows):
    # given an actor loaded as admin, then demoted by another admin
    other = factories.AdminMembershipFactory(tenant=tenant)
    stale_actor = Membership.objects.get(pk=sole_admin.pk)
    services.membership_change_role(
        membership=sole_admin, role=Role.COLLABORATOR, actor=Actor.member(other.user)
    )
    before = membership_rows()
    # when the stale actor acts, then the service re-reads the actor and refuses
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            membership=member, role=Role.ADMIN, actor=Actor.member(stale_actor.user)
        )
    assert membership_rows() == before


def test_change_role_of_a_member_removed_meanwhile_is_refused(sole_admin, member, membership_rows):
    Membership.objects.filter(pk=member.pk).delete()
    before = membership_rows()
    with pytest.raises(services.MemberGoneError):
        services.membership_change_role(
            membership=member, role=Role.ADMIN, actor=Actor.member(sole_admin.user)
        )
    assert membership_rows() == before


# Remove -----------------------------------------------------------------------


def test_admin_removes_a_collaborator(tenant, sole_admin, member):
    services.membership_remove(membership=member, actor=Actor.member(sole_admin.user))
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_admin_removes_another_admin(tenant, sole_admin):
    other = factories.AdminMembershipFactory(tenant=tenant)
    services.membership_remove(membership=other, actor=Actor.member(sole_admin.user))
    assert admin_ids(tenant) == {sole_admin.pk}


def test_last_admin_cannot_be_removed(sole_admin, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.LastAdminError):
        services.membership_remove(membership=sole_admin, actor=Actor.system())
    assert membership_rows() == before


def test_remove_checks_the_role_as_it_is_now_not_as_loaded(tenant, sole_admin, membership_rows):
    # given a stale copy that still says "collaborator" although the member is now the only admin
    member = factories.MembershipFactory(tenant=tenant)
    stale = Membership.objects.get(pk=member.pk)
    services.membership_change_role(membership=member, role=Role.ADMIN, actor=Actor.system())
    services.membership_remove(membership=sole_admin, actor=Actor.system())
    before = membership_rows()
    # when removing through the stale copy, then the fresh row is the last admin and stays
    with pytest.raises(services.LastAdminError):
        services.membership_remove(membership=stale, actor=Actor.system())
    assert membership_rows() == before


# Leave ------------------------------------------------------------------------


def test_collaborator_leaves(tenant, sole_admin, member):
    services.membership_leave(membership=member)
    assert list(tenant.memberships.values_list("pk", flat=True)) == [sole_admin.pk]


def test_admin_leaves_when_another_admin_remains(tenant, sole_admin):
    other = factories.AdminMembershipFactory(tenant=tenant)
    services.membership_leave(membership=sole_admin)
    assert admin_ids(tenant) == {other.pk}


def test_last_admin_cannot_leave(sole_admin, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.LastAdminError):
        services.membership_leave(membership=sole_admin)
    assert membership_rows() == before


def test_last_admin_alone_in_the_tenant_cannot_leave(sole_admin, membership_rows):
    before = membership_rows()
    with pytest.raises(services.LastAdminError):
        services.membership_leave(membership=sole_admin)
    assert membership_rows() == before


# Transfer ownership -------------------------------------------------------------


def test_transfer_then_stay_makes_the_giver_a_collaborator(tenant, sole_admin, member):
    services.ownership_transfer(
        tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=member, then="stay"
    )
    sole_admin.refresh_from_db()
    member.refresh_from_db()
    assert (member.role, sole_admin.role) == (Role.ADMIN, Role.COLLABORATOR)


def test_transfer_then_leave_removes_the_giver(tenant, sole_admin, member):
    services.ownership_transfer(
        tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=member, then="leave"
    )
    assert admin_ids(tenant) == {member.pk}
    assert not Membership.objects.filter(pk=sole_admin.pk).exists()


def test_transfer_to_an_existing_admin_then_leave(tenant, sole_admin):
    other = factories.AdminMembershipFactory(tenant=tenant)
    services.ownership_transfer(
        tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=other, then="leave"
    )
    assert admin_ids(tenant) == {other.pk}


@pytest.mark.parametrize("then", ["stay", "leave"])
def test_last_admin_cannot_transfer_to_themselves(
    tenant, sole_admin, member, membership_rows, then
):
    before = membership_rows()
    with pytest.raises(services.MembershipError):
        services.ownership_transfer(
            tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=sole_admin, then=then
        )
    assert membership_rows() == before


@pytest.mark.parametrize("then", ["stay", "leave"])
def test_last_admin_keeps_the_role_when_the_receiver_left_meanwhile(
    tenant, sole_admin, member, membership_rows, then
):
    # given the receiver leaves after the admin opened the transfer page
    services.membership_leave(membership=member)
    before = membership_rows()
    # when the transfer is confirmed, then it is refused and the giver is still the admin
    with pytest.raises(services.MemberGoneError):
        services.ownership_transfer(
            tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=member, then=then
        )
    assert membership_rows() == before
    assert admin_ids(tenant) == {sole_admin.pk}


@pytest.mark.parametrize("then", ["stay", "leave"])
def test_giver_demoted_meanwhile_cannot_transfer(tenant, sole_admin, member, membership_rows, then):
    other = factories.AdminMembershipFactory(tenant=tenant)
    stale_giver = Membership.objects.get(pk=sole_admin.pk)
    services.membership_change_role(
        membership=sole_admin, role=Role.COLLABORATOR, actor=Actor.system()
    )
    before = membership_rows()
    with pytest.raises(PermissionDenied):
        services.ownership_transfer(
            tenant=tenant, actor=Actor.member(stale_giver.user), to_membership=member, then=then
        )
    assert membership_rows() == before
    assert admin_ids(tenant) == {other.pk}


def test_transfer_needs_stay_or_leave(tenant, sole_admin, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.MembershipError):
        services.ownership_transfer(
            tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=member, then="vanish"
        )
    assert membership_rows() == before


def test_an_operator_has_no_admin_role_to_transfer(tenant, member, membership_rows):
    before = membership_rows()
    with pytest.raises(services.MembershipError):
        services.ownership_transfer(
            tenant=tenant,
            actor=Actor.operator(factories.UserFactory(is_staff=True)),
            to_membership=member,
            then="stay",
        )
    assert membership_rows() == before


def test_transfer_cannot_reach_into_another_tenant(tenant, sole_admin, membership_rows):
    stranger = factories.MembershipFactory()
    before = membership_rows()
    with pytest.raises(services.MemberGoneError):
        services.ownership_transfer(
            tenant=tenant, actor=Actor.member(sole_admin.user), to_membership=stranger, then="stay"
        )
    assert membership_rows() == before


def test_acting_on_a_tenant_deleted_meanwhile_is_refused(tenant, sole_admin, member):
    tenant.delete()
    with pytest.raises(services.MembershipError):
        services.membership_leave(membership=member)
