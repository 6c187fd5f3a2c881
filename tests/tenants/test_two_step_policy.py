"""The tenant policy "Require two-step verification" (SPEC, Accounts and sign-in)."""

import pytest
from django.urls import reverse

from invitations.models import InvitationStatus
from members.models import Membership
from tenants.mixins import TWO_STEP_RETURN_SESSION_KEY
from tenants.models import Tenant
from tests import factories
from tests.factories import give_two_step, invitation_link_token
from tests.invitations.conftest import open_url

pytestmark = pytest.mark.django_db

TWO_STEP_SETUP = reverse("mfa_index")


def policy_url(tenant) -> str:
    return reverse("tenant_settings:two_step", kwargs={"tenant_id": tenant.public_id})


def members_url(tenant) -> str:
    return reverse("members:list", kwargs={"tenant_id": tenant.public_id})


def requiring(tenant) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(require_two_step=True)
    tenant.refresh_from_db()
    return tenant


# -- Turning it on and off ---------------------------------------------------------------


def test_an_admin_with_two_step_turns_it_on(client, tenant, admin):
    give_two_step(admin)
    client.force_login(admin)
    response = client.post(policy_url(tenant), {"require_two_step": "on"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.require_two_step


def test_an_admin_without_two_step_cannot_turn_it_on(client, tenant, admin):
    client.force_login(admin)
    response = client.post(policy_url(tenant), {"require_two_step": "on"})
    assert response.status_code == 400
    assert "Turn on two-step verification for your own account first" in (response.content.decode())
    tenant.refresh_from_db()
    assert not tenant.require_two_step


def test_the_settings_page_explains_why_it_cannot_be_turned_on(client, tenant, admin):
    client.force_login(admin)
    page = client.get(
        reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})
    ).content.decode()
    assert "Require two-step verification" in page
    assert "set up two-step verification</a> for your own account" in page


def test_any_admin_may_turn_it_off(client, tenant, admin):
    give_two_step(admin)
    requiring(tenant)
    client.force_login(admin)
    assert client.post(policy_url(tenant), {}).status_code == 302
    tenant.refresh_from_db()
    assert not tenant.require_two_step


def test_a_collaborator_cannot_change_it(client, tenant):
    collaborator = factories.MembershipFactory(tenant=tenant).user
    give_two_step(collaborator)
    client.force_login(collaborator)
    assert client.post(policy_url(tenant), {"require_two_step": "on"}).status_code == 403
    tenant.refresh_from_db()
    assert not tenant.require_two_step


# -- Enforced when a member opens the tenant --------------------------------------------------


def test_a_member_without_two_step_is_sent_to_set_it_up(client, tenant):
    member = factories.MembershipFactory(tenant=requiring(tenant)).user
    client.force_login(member)
    response = client.get(members_url(tenant))
    assert response["Location"] == TWO_STEP_SETUP
    assert client.session[TWO_STEP_RETURN_SESSION_KEY] == members_url(tenant)
    page = client.get(TWO_STEP_SETUP).content.decode()
    assert f"“{tenant.name}” requires two-step verification" in page
    assert f'href="{members_url(tenant)}"' in page  # "Continue" back where they were


def test_a_refused_member_post_changes_nothing(client, tenant, admin):
    requiring(tenant)
    client.force_login(admin)  # an admin without two-step
    response = client.post(
        reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id}),
        {"name": "Renamed"},
    )
    assert response["Location"] == TWO_STEP_SETUP
    tenant.refresh_from_db()
    assert tenant.name != "Renamed"


def test_a_member_with_two_step_is_let_in_and_the_return_link_is_dropped(client, tenant):
    member = factories.MembershipFactory(tenant=requiring(tenant)).user
    client.force_login(member)
    client.get(members_url(tenant))
    give_two_step(member)
    assert client.get(members_url(tenant)).status_code == 200
    assert TWO_STEP_RETURN_SESSION_KEY not in client.session


def test_other_tenants_are_unaffected(client, tenant):
    member = factories.MembershipFactory(tenant=requiring(tenant)).user
    other = factories.AdminMembershipFactory(user=member).tenant
    client.force_login(member)
    assert client.get(members_url(other)).status_code == 200


def test_outsiders_still_get_404_not_the_set_up_page(client, tenant, outsider):
    requiring(tenant)
    client.force_login(outsider)
    assert client.get(members_url(tenant)).status_code == 404


# -- Invitees set it up before accepting -----------------------------------------------------


def test_an_invitee_without_two_step_sets_it_up_before_accepting(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=requiring(tenant), invited_by=admin)
    invitee = factories.UserFactory(email=invitation.email)
    client.force_login(invitee)
    client.get(open_url(invitation_link_token(invitation)))

    response = client.post(reverse("invitations:review"))

    assert response["Location"] == TWO_STEP_SETUP
    assert client.session[TWO_STEP_RETURN_SESSION_KEY] == reverse("invitations:review")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.filter(tenant=tenant, user=invitee).exists()

    give_two_step(invitee)
    assert client.post(reverse("invitations:review")).status_code == 302
    assert Membership.objects.filter(tenant=tenant, user=invitee).exists()


def test_join_also_needs_two_step_in_such_a_tenant(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=requiring(tenant), invited_by=admin)
    invitee = factories.UserFactory(email=invitation.email)
    client.force_login(invitee)
    response = client.post(reverse("invitations:join", kwargs={"pk": invitation.pk}))
    assert response["Location"] == TWO_STEP_SETUP
    assert client.session[TWO_STEP_RETURN_SESSION_KEY] == reverse("home")
    assert not Membership.objects.filter(tenant=tenant, user=invitee).exists()


# -- The Members tab shows each member's state --------------------------------------------------


@pytest.mark.parametrize("extra", [2, 20])
def test_members_tab_shows_two_step_state_in_constant_queries(
    client, tenant, admin, extra, django_assert_max_num_queries
):
    give_two_step(admin)
    for i in range(extra):
        member = factories.MembershipFactory(tenant=tenant).user
        if i % 2:
            give_two_step(member)
    client.force_login(admin)
    client.get(members_url(tenant))  # first visit writes session bookkeeping
    # 7, plus the header's "Request to join" offers and the Requests section (issue 21)
    with django_assert_max_num_queries(9):
        page = client.get(members_url(tenant)).content.decode()
    assert page.count("2-step on") == 1 + extra // 2
    assert page.count("2-step off") == extra - extra // 2
