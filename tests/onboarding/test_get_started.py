import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.accounts.models import Segment
from console.onboarding.checklist import SELF_HOSTING_GUIDE_URL
from console.onboarding.models import ChecklistState
from invitations.models import InvitationStatus
from members.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def get_started_url(tenant):
    return reverse("onboarding:get_started", kwargs={"tenant_id": tenant.public_id})


def items(response):
    checklist = response.context["checklist"]
    return {item.key: item.done for item in checklist.items}


def recommendation_keys(response):
    return [item.key for item in response.context["checklist"].recommendations]


@pytest.fixture
def lone_admin(tenant):
    return factories.AdminMembershipFactory(tenant=tenant, user__segment="").user


@pytest.fixture
def admin_client(client, lone_admin):
    client.force_login(lone_admin)
    return client


def set_segment(user, segment):
    user.segment = segment
    user.save(update_fields=["segment"])


# -- Who may see it ----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, tenant):
    response = client.get(get_started_url(tenant))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_non_member_gets_404(client, tenant, outsider):
    client.force_login(outsider)
    assert client.get(get_started_url(tenant)).status_code == 404


def test_non_member_cannot_hide_or_follow_links(client, tenant, outsider):
    client.force_login(outsider)
    kwargs = {"tenant_id": tenant.public_id}
    assert client.post(reverse("onboarding:hide_checklist", kwargs=kwargs)).status_code == 404
    assert (
        client.get(reverse("onboarding:follow", kwargs={**kwargs, "link": "community"})).status_code
        == 404
    )
    assert not ChecklistState.objects.exists()


def test_collaborator_sees_the_checklist(collaborator_client, tenant):
    response = collaborator_client.get(get_started_url(tenant))
    assert response.status_code == 200
    assert "Invite your team members" in response.content.decode()


def test_collaborator_is_told_to_ask_an_admin_for_what_only_admins_do(
    collaborator_client, tenant, collaborator
):
    set_segment(collaborator, Segment.ENTERPRISE)  # "Add a second admin": not done with one admin
    response = collaborator_client.get(get_started_url(tenant))
    assert "Only admins can change roles" in response.content.decode()


# -- Done states, each from data -----------------------------------------------------------


def test_invite_is_not_done_for_a_lone_admin(admin_client, tenant):
    assert items(admin_client.get(get_started_url(tenant)))["invite"] is False


def test_invite_is_done_once_the_tenant_has_a_second_member(admin_client, tenant):
    factories.MembershipFactory(tenant=tenant)
    assert items(admin_client.get(get_started_url(tenant)))["invite"] is True


def test_invite_is_done_once_an_invitation_was_sent(admin_client, tenant, lone_admin):
    factories.InvitationFactory(
        tenant=tenant, invited_by=lone_admin, status=InvitationStatus.REVOKED
    )
    assert items(admin_client.get(get_started_url(tenant)))["invite"] is True


def test_invite_links_to_the_members_page(admin_client, tenant):
    item = admin_client.get(get_started_url(tenant)).context["checklist"].essentials[0]
    assert item.url == reverse("members:list", kwargs={"tenant_id": tenant.public_id})


def test_community_is_done_once_followed(admin_client, tenant, lone_admin):
    assert items(admin_client.get(get_started_url(tenant)))["community"] is False

    response = admin_client.get(
        reverse("onboarding:follow", kwargs={"tenant_id": tenant.public_id, "link": "community"})
    )

    assert response.status_code == 302
    assert response["Location"] == settings.COMMUNITY_URL
    assert items(admin_client.get(get_started_url(tenant)))["community"] is True


def test_following_the_community_again_keeps_the_first_time(admin_client, tenant, lone_admin):
    url = reverse("onboarding:follow", kwargs={"tenant_id": tenant.public_id, "link": "community"})
    admin_client.get(url)
    first = ChecklistState.objects.get(user=lone_admin, tenant=tenant).community_joined_at

    admin_client.get(url)

    assert ChecklistState.objects.get(user=lone_admin, tenant=tenant).community_joined_at == first


def test_an_unknown_link_is_404(admin_client, tenant):
    url = reverse("onboarding:follow", kwargs={"tenant_id": tenant.public_id, "link": "evil"})
    assert admin_client.get(url).status_code == 404


def test_self_hosting_guide_is_done_once_followed(admin_client, tenant, lone_admin):
    set_segment(lone_admin, Segment.OPEN_SOURCE)
    assert items(admin_client.get(get_started_url(tenant)))["self_host"] is False

    response = admin_client.get(
        reverse(
            "onboarding:follow",
            kwargs={"tenant_id": tenant.public_id, "link": "self-hosting-guide"},
        )
    )

    assert response["Location"] == SELF_HOSTING_GUIDE_URL
    assert items(admin_client.get(get_started_url(tenant)))["self_host"] is True


def test_production_tenant_is_done_once_the_user_is_in_one(admin_client, tenant, lone_admin):
    set_segment(lone_admin, Segment.INDIVIDUAL)
    assert items(admin_client.get(get_started_url(tenant)))["production"] is False

    factories.AdminMembershipFactory(
        user=lone_admin, tenant=factories.TenantFactory(production_free=True)
    )

    assert items(admin_client.get(get_started_url(tenant)))["production"] is True


def test_second_admin_is_done_once_the_tenant_has_two_admins(admin_client, tenant, lone_admin):
    set_segment(lone_admin, Segment.ENTERPRISE)
    other = factories.MembershipFactory(tenant=tenant, role=Role.COLLABORATOR)
    assert items(admin_client.get(get_started_url(tenant)))["second_admin"] is False

    other.role = Role.ADMIN
    other.save(update_fields=["role"])

    assert items(admin_client.get(get_started_url(tenant)))["second_admin"] is True


def test_progress_counts_done_items(admin_client, tenant, lone_admin):
    set_segment(lone_admin, Segment.ENTERPRISE)
    factories.AdminMembershipFactory(tenant=tenant)  # invite + second admin done

    response = admin_client.get(get_started_url(tenant))

    assert "2 of 4 done" in response.content.decode()


# -- The segment question -----------------------------------------------------------------


def test_a_user_without_a_segment_is_asked_and_gets_no_recommendations(admin_client, tenant):
    response = admin_client.get(get_started_url(tenant))
    assert "What describes you best?" in response.content.decode()
    assert response.context["segment_form"] is not None
    assert recommendation_keys(response) == []


def test_answering_the_question_shows_recommendations(admin_client, tenant, lone_admin):
    response = admin_client.post(get_started_url(tenant), {"segment": Segment.INDIVIDUAL})

    assert response.status_code == 302
    lone_admin.refresh_from_db()
    assert lone_admin.segment == Segment.INDIVIDUAL
    page = admin_client.get(get_started_url(tenant))
    assert page.context["segment_form"] is None
    assert recommendation_keys(page) == ["production"]


def test_an_invalid_answer_is_refused(admin_client, tenant, lone_admin):
    response = admin_client.post(get_started_url(tenant), {"segment": "astronaut"})
    assert response.status_code == 400
    assert response.context["segment_form"].errors
    lone_admin.refresh_from_db()
    assert lone_admin.segment == ""


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment.OPEN_SOURCE, ["self_host"]),
        (Segment.INDIVIDUAL, ["production"]),
        (Segment.ENTERPRISE, ["second_admin", "production"]),
    ],
)
def test_recommendations_depend_on_the_segment(admin_client, tenant, lone_admin, segment, expected):
    set_segment(lone_admin, segment)
    response = admin_client.get(get_started_url(tenant))
    assert recommendation_keys(response) == expected
    assert str(Segment(segment).label) in response.content.decode()


def test_the_segment_can_be_changed_later(admin_client, tenant, lone_admin):
    set_segment(lone_admin, Segment.ENTERPRISE)
    page = admin_client.get(get_started_url(tenant))
    assert "?segment=change" in page.content.decode()

    asking = admin_client.get(get_started_url(tenant) + "?segment=change")
    assert asking.context["segment_form"]["segment"].value() == Segment.ENTERPRISE

    admin_client.post(get_started_url(tenant), {"segment": Segment.OPEN_SOURCE})
    assert recommendation_keys(admin_client.get(get_started_url(tenant))) == ["self_host"]


# -- Hide and show ------------------------------------------------------------------------


def test_hiding_the_checklist_keeps_only_a_show_button(admin_client, tenant, lone_admin):
    response = admin_client.post(
        reverse("onboarding:hide_checklist", kwargs={"tenant_id": tenant.public_id})
    )

    assert response["Location"] == get_started_url(tenant)
    page = admin_client.get(get_started_url(tenant)).content.decode()
    assert "Show checklist" in page
    assert "Invite your team members" not in page
    assert "0 of 2 done" in page


def test_showing_the_checklist_again(admin_client, tenant, lone_admin):
    kwargs = {"tenant_id": tenant.public_id}
    admin_client.post(reverse("onboarding:hide_checklist", kwargs=kwargs))
    admin_client.post(reverse("onboarding:show_checklist", kwargs=kwargs))

    page = admin_client.get(get_started_url(tenant)).content.decode()
    assert "Invite your team members" in page
    assert "Hide checklist" in page


def test_hiding_is_personal_to_the_user_and_tenant(client, admin_client, tenant, lone_admin):
    other_member = factories.MembershipFactory(tenant=tenant).user
    own_other_tenant = factories.AdminMembershipFactory(user=lone_admin).tenant
    admin_client.post(reverse("onboarding:hide_checklist", kwargs={"tenant_id": tenant.public_id}))

    assert admin_client.get(get_started_url(own_other_tenant)).context["checklist"].hidden is False
    client.force_login(other_member)
    assert client.get(get_started_url(tenant)).context["checklist"].hidden is False


def test_hiding_needs_a_post(admin_client, tenant):
    response = admin_client.get(
        reverse("onboarding:hide_checklist", kwargs={"tenant_id": tenant.public_id})
    )
    assert response.status_code == 405
    assert not ChecklistState.objects.exists()


# -- Queries ------------------------------------------------------------------------------


def _queries_for_page(client, tenant):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(get_started_url(tenant)).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_members_or_invitations(client, django_assert_max_num_queries):
    small = factories.TenantFactory()
    small_admin = factories.AdminMembershipFactory(
        tenant=small, user__segment=Segment.ENTERPRISE
    ).user
    factories.MembershipFactory(tenant=small)
    factories.InvitationFactory(tenant=small, invited_by=small_admin)

    large = factories.TenantFactory()
    large_admin = factories.AdminMembershipFactory(
        tenant=large, user__segment=Segment.ENTERPRISE
    ).user
    factories.MembershipFactory.create_batch(40, tenant=large)
    factories.AdminMembershipFactory.create_batch(5, tenant=large)
    factories.InvitationFactory.create_batch(60, tenant=large, invited_by=large_admin)
    for _ in range(10):
        factories.AdminMembershipFactory(user=large_admin)  # many tenants in the switcher

    client.force_login(small_admin)
    small_count = _queries_for_page(client, small)
    client.force_login(large_admin)
    # Breakdown: session + user (2), the user's memberships with their tenants, which
    # hold this tenant's and answer "in a production tenant" and fill the switcher (1),
    # the facts: member and admin counts, any invitation, checklist state (3), the
    # header's pending invitations (1), the header's tenants of the viewer's domain
    # (1), the session saving the current tenant (savepoint, update, release: 3).
    with django_assert_max_num_queries(11):
        large_count = _queries_for_page(client, large)
    assert large_count == small_count
