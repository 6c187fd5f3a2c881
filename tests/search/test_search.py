"""Search on the Members and Invitations tabs: ?q= without JavaScript, the table
fragment for htmx, the query kept by page links and status tabs, the empty state."""

import pytest
from django.urls import reverse

from invitations.models import InvitationStatus
from members.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def members_url(tenant, query=""):
    url = reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    return f"{url}?{query}" if query else url


def invitations_url(tenant, query=""):
    url = reverse("tenant_invitations:list", kwargs={"tenant_id": tenant.public_id})
    return f"{url}?{query}" if query else url


@pytest.fixture
def people(tenant):
    factories.MembershipFactory(
        tenant=tenant, user__name="Grace Hopper", user__email="gh@navy.example"
    )
    factories.MembershipFactory(
        tenant=tenant, user__name="Alan Turing", user__email="alan@bletchley.example"
    )
    factories.MembershipFactory(tenant=tenant, user__name="", user__email="NOBODY@HOPPERS.example")


# -- Members ------------------------------------------------------------------------


def test_members_search_matches_name_or_email_case_insensitively(admin_client, tenant, people):
    response = admin_client.get(members_url(tenant, "q=HOPPER"))
    page = response.content.decode()
    assert response.status_code == 200
    emails = {m.user.email for m in response.context["members"]}
    # "Grace Hopper" by name, NOBODY@HOPPERS by email; Alan does not match.
    assert emails == {"gh@navy.example", "NOBODY@HOPPERS.example"}
    assert "alan@bletchley.example" not in page
    # The box keeps what was typed, for the next search and without JavaScript.
    assert 'name="q" value="HOPPER"' in page


def test_members_search_is_a_get_form_that_works_without_javascript(admin_client, tenant, people):
    page = admin_client.get(members_url(tenant)).content.decode()
    assert '<form class="card-body border-bottom py-2" method="get" role="search"' in page
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-target="#member-table"' in page and 'hx-push-url="true"' in page


def test_members_search_for_htmx_answers_only_the_table(admin_client, tenant, people):
    response = admin_client.get(members_url(tenant, "q=turing"), **HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="member-table">') or 'id="member-table"' in page
    assert "<html" not in page and "Leave tenant" not in page
    assert "alan@bletchley.example" in page and "gh@navy.example" not in page
    assert "HX-Request" in response["Vary"]


def test_members_search_without_matches_says_so(admin_client, tenant, people):
    page = admin_client.get(members_url(tenant, "q=zzz")).content.decode()
    assert "No members match “zzz”." in page
    assert "<table" not in page.split('id="member-table"')[1].split("Leave tenant")[0]


def test_members_search_escapes_the_query(admin_client, tenant, people):
    page = admin_client.get(members_url(tenant, "q=%3Cscript%3E")).content.decode()
    assert "<script>" not in page
    assert "No members match “&lt;script&gt;”." in page


def test_members_search_pages_keep_the_query(admin_client, tenant):
    users = factories.UserFactory.create_batch(30, name="Match")
    Membership.objects.bulk_create(
        Membership(tenant=tenant, user=user, role=Role.COLLABORATOR) for user in users
    )
    factories.MembershipFactory.create_batch(5, tenant=tenant, user__name="Other")
    response = admin_client.get(members_url(tenant, "q=match"))
    page = response.content.decode()
    assert response.context["page_obj"].paginator.count == 30
    assert "of 30 members" in page
    assert 'href="?q=match&amp;page=2"' in page
    second = admin_client.get(members_url(tenant, "q=match&page=2"))
    assert len(second.context["members"]) == 5
    # The seat use still counts everyone.
    assert second.context["usage"].members == 30 + 5 + 1


def test_members_search_is_scoped_to_the_tenant(admin_client, tenant, people):
    factories.MembershipFactory(user__name="Grace Elsewhere", user__email="grace@other.example")
    response = admin_client.get(members_url(tenant, "q=grace"))
    assert [m.user.email for m in response.context["members"]] == ["gh@navy.example"]


def test_collaborators_can_search_members_too(collaborator_client, tenant, people):
    response = collaborator_client.get(members_url(tenant, "q=turing"))
    assert [m.user.email for m in response.context["members"]] == ["alan@bletchley.example"]


def test_members_search_of_a_non_member_is_404(client, tenant, outsider, people):
    client.force_login(outsider)
    assert client.get(members_url(tenant, "q=grace"), **HTMX).status_code == 404


def test_a_long_query_is_cut_not_refused(admin_client, tenant, people):
    response = admin_client.get(members_url(tenant, "q=" + "a" * 500))
    assert response.status_code == 200
    assert response.context["q"] == "a" * 100


# -- Invitations --------------------------------------------------------------------


@pytest.fixture
def invitations(tenant, admin):
    make = factories.InvitationFactory
    make(tenant=tenant, invited_by=admin, email="ruth@acme.example")
    make(
        tenant=tenant,
        invited_by=admin,
        email="RUTH.B@corp.example",
        status=InvitationStatus.REVOKED,
    )
    make(tenant=tenant, invited_by=admin, email="omar@acme.example")


def test_invitations_search_matches_email_case_insensitively(admin_client, tenant, invitations):
    response = admin_client.get(invitations_url(tenant, "q=ruth"))
    assert {i.email for i in response.context["invitations"]} == {
        "ruth@acme.example",
        "RUTH.B@corp.example",
    }
    assert 'name="q" value="ruth"' in response.content.decode()


def test_invitations_search_counts_the_matches_of_each_status(admin_client, tenant, invitations):
    response = admin_client.get(invitations_url(tenant, "q=ruth"))
    counts = {value: count for value, _label, count, _query in response.context["status_tabs"]}
    assert counts[""] == 2 and counts["pending"] == 1 and counts["revoked"] == 1
    page = response.content.decode()
    # The status tabs keep the search.
    assert 'href="?status=revoked&amp;q=ruth"' in page
    assert 'href="?q=ruth"' in page


def test_invitations_search_within_a_status(admin_client, tenant, invitations):
    response = admin_client.get(invitations_url(tenant, "status=pending&q=ruth"))
    assert [i.email for i in response.context["invitations"]] == ["ruth@acme.example"]
    page = response.content.decode()
    # The search form carries the status filter, for the GET and for htmx.
    assert '<input type="hidden" name="status" value="pending">' in page
    assert 'hx-include="closest form"' in page


def test_invitations_search_pages_keep_status_and_query(admin_client, tenant, admin):
    factories.InvitationFactory.create_batch(30, tenant=tenant, invited_by=admin)
    page = admin_client.get(invitations_url(tenant, "status=pending&q=example")).content.decode()
    assert 'href="?status=pending&amp;q=example&amp;page=2"' in page


def test_invitations_search_for_htmx_answers_only_the_table(admin_client, tenant, invitations):
    response = admin_client.get(invitations_url(tenant, "q=omar"), **HTMX)
    page = response.content.decode()
    assert 'id="invitation-table"' in page and "<html" not in page
    assert "omar@acme.example" in page and "ruth@acme.example" not in page
    assert "HX-Request" in response["Vary"]


def test_invitations_search_without_matches_says_so(admin_client, tenant, invitations):
    page = admin_client.get(invitations_url(tenant, "q=nobody")).content.decode()
    assert "No invitations match “nobody”" in page
    assert "No invitations yet" not in page


def test_invitations_search_is_admin_only(
    collaborator_client, client, tenant, outsider, invitations
):
    assert collaborator_client.get(invitations_url(tenant, "q=ruth"), **HTMX).status_code == 403
    client.force_login(outsider)
    assert client.get(invitations_url(tenant, "q=ruth"), **HTMX).status_code == 404


def test_invitations_search_is_scoped_to_the_tenant(admin_client, tenant, invitations):
    factories.InvitationFactory(email="ruth@elsewhere.example")
    response = admin_client.get(invitations_url(tenant, "q=elsewhere"))
    assert list(response.context["invitations"]) == []


def test_the_boxes_say_how_long_a_query_may_be(admin_client, tenant, invitations):
    from members.selectors import SEARCH_MAX_LENGTH

    for url in (members_url(tenant), invitations_url(tenant)):
        page = admin_client.get(url).content.decode()
        assert f'maxlength="{SEARCH_MAX_LENGTH}"' in page
