"""Operators manage memberships in the Django admin; the last-admin rule holds there too."""

import pytest
from django.urls import reverse

from members.models import Membership, Role
from members.services import LAST_ADMIN_MESSAGE
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:members_membership_changelist"


@pytest.fixture
def operator_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def sole_admin():
    return factories.AdminMembershipFactory(user__email="owner@example.com", tenant__name="Owned")


def change_url(membership):
    return reverse("admin:members_membership_change", args=[membership.pk])


def test_changelist_searches_by_member_email(operator_client, sole_admin):
    factories.MembershipFactory(user__email="someone-else@example.com")
    page = operator_client.get(reverse(CHANGELIST), {"q": "owner@"}).content.decode()
    assert "owner@example.com" in page
    assert "someone-else@example.com" not in page


def test_changelist_searches_by_tenant_name(operator_client, sole_admin):
    page = operator_client.get(reverse(CHANGELIST), {"q": "Owned"}).content.decode()
    assert "owner@example.com" in page


def test_changelist_filters_by_role_and_tenant_type(operator_client, sole_admin):
    factories.MembershipFactory(tenant=sole_admin.tenant, user__email="collab@example.com")
    page = operator_client.get(
        reverse(CHANGELIST), {"role__exact": "admin", "tenant__type__exact": "development"}
    ).content.decode()
    assert "owner@example.com" in page
    assert "collab@example.com" not in page


def test_tenant_changelist_links_to_its_members(operator_client, sole_admin):
    page = operator_client.get(reverse("admin:tenants_tenant_changelist")).content.decode()
    link = reverse(CHANGELIST) + f"?tenant__id__exact={sole_admin.tenant.pk}"
    assert link in page
    assert operator_client.get(link).status_code == 200


def test_operator_cannot_demote_the_last_admin(operator_client, sole_admin):
    response = operator_client.post(change_url(sole_admin), {"role": Role.COLLABORATOR})
    assert response.status_code == 200  # the form again, with the reason
    assert str(LAST_ADMIN_MESSAGE) in response.content.decode()
    sole_admin.refresh_from_db()
    assert sole_admin.role == Role.ADMIN


def test_operator_promotes_a_collaborator(operator_client, sole_admin):
    member = factories.MembershipFactory(tenant=sole_admin.tenant)
    response = operator_client.post(change_url(member), {"role": Role.ADMIN})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_operator_adds_a_membership(operator_client, sole_admin):
    user = factories.UserFactory()
    response = operator_client.post(
        reverse("admin:members_membership_add"),
        {"user": user.pk, "tenant": sole_admin.tenant.pk, "role": Role.COLLABORATOR},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=user, tenant=sole_admin.tenant, role=Role.COLLABORATOR
    ).exists()


def test_last_admin_has_no_delete_page(operator_client, sole_admin):
    url = reverse("admin:members_membership_delete", args=[sole_admin.pk])
    assert operator_client.get(url).status_code == 403
    assert operator_client.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=sole_admin.pk).exists()


def test_operator_deletes_a_collaborator(operator_client, sole_admin):
    member = factories.MembershipFactory(tenant=sole_admin.tenant)
    url = reverse("admin:members_membership_delete", args=[member.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_bulk_remove_keeps_each_tenants_last_admin(operator_client, sole_admin):
    member = factories.MembershipFactory(tenant=sole_admin.tenant)
    response = operator_client.post(
        reverse(CHANGELIST),
        {"action": "remove_members", "_selected_action": [sole_admin.pk, member.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Removed 1 member." in page
    assert "owner@example.com (Owned)" in page
    assert list(Membership.objects.values_list("pk", flat=True)) == [sole_admin.pk]


def test_bulk_delete_action_is_not_offered(operator_client, sole_admin):
    page = operator_client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="delete_selected"' not in page
    assert 'value="remove_members"' in page
