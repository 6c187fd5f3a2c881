"""The Members tab: what each role sees, and every action's outcome on the page."""

import re

import pytest
from django.urls import reverse

from members.models import Membership, Role
from members.services import LAST_ADMIN_MESSAGE
from tests import factories

pytestmark = pytest.mark.django_db


def list_url(tenant, **query):
    url = reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def action_url(name, tenant, membership):
    return reverse(f"members:{name}", kwargs={"tenant_id": tenant.public_id, "pk": membership.pk})


def leave_url(tenant):
    return reverse("members:leave", kwargs={"tenant_id": tenant.public_id})


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin_membership(tenant):
    return factories.AdminMembershipFactory(tenant=tenant, user__name="Ada Admin")


@pytest.fixture
def member(tenant):
    return factories.MembershipFactory(
        tenant=tenant, user__name="Colin Collab", user__email="colin@example.com"
    )


# What the page shows ----------------------------------------------------------------


def test_members_page_lists_name_email_role_and_joined_date(admin_client, tenant, member):
    page = page_text(admin_client.get(list_url(tenant)))
    assert "Colin Collab" in page
    assert "colin@example.com" in page
    assert "badge-role-collaborator" in page and ">Collaborator<" in page
    assert member.created_at.strftime("%b") in page
    assert f'datetime="{member.created_at.isoformat()}"' in page


def test_seat_use_counts_members_against_the_limit(admin_client, tenant, member):
    assert "2 of 3 members" in page_text(admin_client.get(list_url(tenant)))


def test_seat_use_counts_pending_invitations(admin_client, tenant, admin_membership, member):
    factories.InvitationFactory(tenant=tenant, invited_by=admin_membership.user)
    page = page_text(admin_client.get(list_url(tenant)))
    assert "3 of 3 members" in page
    assert "including 1 pending invitation" in page
    assert "Limit reached" in page


def test_seat_use_on_pro_shows_included_and_extra_seats(client):
    pro = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=pro).user
    factories.MembershipFactory.create_batch(3, tenant=pro)
    client.force_login(admin)
    assert "4 members · 3 included, 1 extra at $8.00/month" in page_text(client.get(list_url(pro)))


def test_seat_use_on_production_free_is_one_member(client):
    free = factories.TenantFactory(production_free=True)
    admin = factories.AdminMembershipFactory(tenant=free).user
    client.force_login(admin)
    assert "1 of 1 member" in page_text(client.get(list_url(free)))


def menu_text(client, tenant, membership, page=1) -> str:
    """A row's actions menu, as htmx loads it when the admin opens it."""
    response = client.get(
        action_url("actions", tenant, membership) + f"?page={page}", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return page_text(response)


def test_admin_sees_invite_button_and_row_actions(admin_client, tenant, member):
    page = page_text(admin_client.get(list_url(tenant)))
    assert reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id}) in page
    assert "Invite members" in page
    # Each row's menu is loaded when opened.
    assert f'hx-get="{action_url("actions", tenant, member)}?page=1"' in page
    menu = menu_text(admin_client, tenant, member)
    assert "Change role" in menu
    assert action_url("remove", tenant, member) in menu
    assert action_url("transfer", tenant, member) in menu
    assert "Transfer ownership" in menu


def test_admin_is_not_offered_to_remove_or_transfer_to_themselves(
    admin_client, tenant, admin_membership, member
):
    menu = menu_text(admin_client, tenant, admin_membership)
    assert "Change role" in menu
    assert action_url("remove", tenant, admin_membership) not in menu
    assert action_url("transfer", tenant, admin_membership) not in menu


def test_a_menu_keeps_the_page_it_was_opened_on(admin_client, tenant, member):
    menu = menu_text(admin_client, tenant, member, page=3)
    assert menu.count('<input type="hidden" name="page" value="3">') == 3


def test_menus_are_for_admins_of_the_tenant_only(client, tenant, admin_membership, member):
    client.force_login(member.user)
    assert client.get(action_url("actions", tenant, admin_membership)).status_code == 403
    other = factories.AdminMembershipFactory()
    client.force_login(other.user)
    assert client.get(action_url("actions", tenant, member)).status_code == 404
    # Another tenant's member under one's own tenant: 404 too.
    assert client.get(action_url("actions", other.tenant, member)).status_code == 404


def test_collaborator_sees_the_list_without_actions(client, tenant, admin_membership, member):
    client.force_login(member.user)
    response = client.get(list_url(tenant))
    page = page_text(response)
    assert response.status_code == 200
    assert "Ada Admin" in page and "Colin Collab" in page
    assert "Invite members" not in page
    assert "Change role" not in page
    assert "/remove/" not in page and "Transfer ownership" not in page
    assert "Leave tenant" in page and leave_url(tenant) in page


def test_members_page_is_paginated_by_25(admin_client, tenant, admin_membership):
    factories.MembershipFactory.create_batch(29, tenant=tenant)  # 30 members in all
    first = admin_client.get(list_url(tenant))
    second = admin_client.get(list_url(tenant, page=2))
    assert len(first.context["members"]) == 25
    assert len(second.context["members"]) == 5
    assert "26–30 of 30 members" in page_text(second)
    assert 'aria-label="Member pages"' in page_text(first)


def test_removing_the_last_row_of_the_last_page_lands_on_the_new_last_page(
    admin_client, tenant, admin_membership
):
    members = factories.MembershipFactory.create_batch(
        25, tenant=tenant
    )  # 26 members: page 2 has one row
    response = admin_client.post(
        action_url("remove", tenant, members[-1]), {"page": "2"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert "was removed from" in page_text(response)


def test_every_member_action_asks_for_confirmation(admin_client, tenant, admin_membership, member):
    page = page_text(admin_client.get(list_url(tenant)))
    for membership in (admin_membership, member):
        page += menu_text(admin_client, tenant, membership)
    forms = re.findall(r"<form [^>]*>", page)
    member_forms = [form for form in forms if list_url(tenant) in form]
    assert len(member_forms) == 6  # 2 roles × 2 rows, Remove (the other row), Leave tenant
    assert all("data-confirm=" in form for form in member_forms)


# Change role -----------------------------------------------------------------------------------


def test_admin_makes_a_member_an_admin(admin_client, tenant, member):
    response = admin_client.post(
        action_url("change_role", tenant, member), {"role": "admin"}, follow=True
    )
    member.refresh_from_db()
    assert member.role == Role.ADMIN
    assert "Colin Collab is now an admin." in page_text(response)


def test_change_role_returns_to_the_same_page(admin_client, tenant, member):
    response = admin_client.post(
        action_url("change_role", tenant, member), {"role": "admin", "page": "2"}
    )
    assert response["Location"] == list_url(tenant, page=2)


def test_last_admin_demoting_themselves_is_told_why_and_nothing_changes(
    admin_client, tenant, admin_membership, member, membership_rows
):
    before = membership_rows()
    response = admin_client.post(
        action_url("change_role", tenant, admin_membership), {"role": "collaborator"}, follow=True
    )
    assert response.status_code == 200
    assert str(LAST_ADMIN_MESSAGE) in page_text(response)
    assert membership_rows() == before


def test_admin_demotes_themselves_when_another_admin_remains(
    admin_client, tenant, admin_membership
):
    factories.AdminMembershipFactory(tenant=tenant)
    response = admin_client.post(
        action_url("change_role", tenant, admin_membership), {"role": "collaborator"}, follow=True
    )
    assert "You are now a collaborator." in page_text(response)
    assert "Invite members" not in page_text(response)


def test_unknown_role_is_refused_with_a_message(admin_client, tenant, member, membership_rows):
    before = membership_rows()
    response = admin_client.post(
        action_url("change_role", tenant, member), {"role": "owner"}, follow=True
    )
    assert "Choose Admin or Collaborator." in page_text(response)
    assert membership_rows() == before


# Remove ---------------------------------------------------------------------------------------


def test_admin_removes_a_member(admin_client, tenant, member):
    response = admin_client.post(action_url("remove", tenant, member), follow=True)
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert f"Colin Collab was removed from “{tenant.name}”." in page_text(response)


def test_last_admin_cannot_remove_themselves(
    admin_client, tenant, admin_membership, membership_rows
):
    before = membership_rows()
    response = admin_client.post(action_url("remove", tenant, admin_membership), follow=True)
    assert str(LAST_ADMIN_MESSAGE) in page_text(response)
    assert membership_rows() == before


# Leave ----------------------------------------------------------------------------------------


def test_collaborator_leaves_and_lands_home(client, tenant, admin_membership, member):
    client.force_login(member.user)
    response = client.post(leave_url(tenant))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert client.get(list_url(tenant)).status_code == 404


def test_leaving_says_so(client, tenant, admin_membership, member):
    client.force_login(member.user)
    client.post(leave_url(tenant))
    # The landing page shows the flash message once the user has no tenant left.
    messages = [str(m) for m in client.get(reverse("home"), follow=True).context["messages"]]
    assert f"You left “{tenant.name}”." in messages


def test_last_admin_cannot_leave_and_is_told_why(
    admin_client, tenant, admin_membership, member, membership_rows
):
    before = membership_rows()
    response = admin_client.post(leave_url(tenant), follow=True)
    assert response.redirect_chain[-1][0] == list_url(tenant)
    assert str(LAST_ADMIN_MESSAGE) in page_text(response)
    assert membership_rows() == before


# Transfer ownership -----------------------------------------------------------------------------


def test_transfer_page_asks_stay_or_leave(admin_client, tenant, member):
    page = page_text(admin_client.get(action_url("transfer", tenant, member)))
    assert "Transfer ownership" in page
    assert "Colin Collab" in page
    assert "Stay as collaborator" in page and "Leave tenant" in page
    assert 'for="then-stay"' in page and 'for="then-leave"' in page
    assert "data-confirm=" in page


def test_transfer_then_stay(admin_client, tenant, admin_membership, member):
    response = admin_client.post(
        action_url("transfer", tenant, member), {"then": "stay"}, follow=True
    )
    admin_membership.refresh_from_db()
    member.refresh_from_db()
    assert (member.role, admin_membership.role) == (Role.ADMIN, Role.COLLABORATOR)
    assert "Colin Collab is now an admin. You are now a collaborator." in page_text(response)


def test_transfer_then_leave(admin_client, tenant, admin_membership, member):
    response = admin_client.post(action_url("transfer", tenant, member), {"then": "leave"})
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=admin_membership.pk).exists()
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_transfer_without_a_choice_shows_the_form_again(
    admin_client, tenant, member, membership_rows
):
    before = membership_rows()
    response = admin_client.post(action_url("transfer", tenant, member), {})
    assert response.status_code == 400
    assert "Choose whether to stay as a collaborator or leave the tenant." in page_text(response)
    assert membership_rows() == before


def test_transfer_to_yourself_is_refused(admin_client, tenant, admin_membership, membership_rows):
    before = membership_rows()
    response = admin_client.get(action_url("transfer", tenant, admin_membership), follow=True)
    assert "Choose another member to receive the admin role." in page_text(response)
    response = admin_client.post(
        action_url("transfer", tenant, admin_membership), {"then": "leave"}, follow=True
    )
    assert "Choose another member to receive the admin role." in page_text(response)
    assert membership_rows() == before


# Another tenant's membership ids (IDOR) ---------------------------------------------------


@pytest.mark.parametrize(
    ("action", "method", "data"),
    [
        ("change_role", "post", {"role": "collaborator"}),
        ("remove", "post", {}),
        ("transfer", "get", {}),
        ("transfer", "post", {"then": "leave"}),
    ],
)
def test_another_tenants_membership_is_a_404_and_unchanged(
    admin_client, tenant, admin_membership, membership_rows, action, method, data
):
    # given an admin of this tenant and a membership of another tenant (with a second admin,
    # so the last-admin rule would not be what stops the change)
    elsewhere = factories.AdminMembershipFactory()
    factories.AdminMembershipFactory(tenant=elsewhere.tenant)
    before = membership_rows()
    # when acting on it through this tenant's URL
    response = getattr(admin_client, method)(action_url(action, tenant, elsewhere), data)
    # then it is not found, and nothing changed
    assert response.status_code == 404
    assert membership_rows() == before
