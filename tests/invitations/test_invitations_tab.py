"""The Invitations tab: columns, statuses, filters, pages, constant queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invitations.models import EmailStatus, Invitation, InvitationStatus
from tests import factories
from tests.invitations.conftest import action_url, list_url

pytestmark = pytest.mark.django_db


def make(tenant, admin, status=InvitationStatus.PENDING, **fields):
    return factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status, **fields)


def test_collaborator_gets_403(collaborator_client, tenant):
    assert collaborator_client.get(list_url(tenant)).status_code == 403


def test_outsider_gets_404(client, tenant, outsider):
    client.force_login(outsider)
    assert client.get(list_url(tenant)).status_code == 404


def test_empty_tab_says_what_to_do_next(admin_client, tenant):
    page = admin_client.get(list_url(tenant)).content.decode()
    assert "No invitations yet" in page
    assert "Invite members" in page


def test_row_shows_email_role_status_inviter_and_dates(admin_client, tenant, admin):
    invitation = make(tenant, admin, email="ana@example.com", role="admin")
    page = admin_client.get(list_url(tenant)).content.decode()
    assert "ana@example.com" in page
    assert ">Admin<" in page
    assert "status-pending" in page and ">Pending<" in page
    assert admin.display_name in page
    # Shown relative ("now", "6 days from now"), with the exact date on hover.
    assert invitation.sent_at.strftime("%B %-d, %Y") in page
    assert invitation.expires_at.strftime("%B %-d, %Y") in page


@pytest.mark.parametrize(
    "status, label",
    [
        (InvitationStatus.PENDING, "Pending"),
        (InvitationStatus.ACCEPTED, "Accepted"),
        (InvitationStatus.EXPIRED, "Expired"),
        (InvitationStatus.REVOKED, "Revoked"),
    ],
)
def test_each_status_has_its_own_badge(admin_client, tenant, admin, status, label):
    make(tenant, admin, status=status)
    page = admin_client.get(list_url(tenant)).content.decode()
    assert f'<span class="badge status-badge status-{status}">{label}</span>' in page


@pytest.mark.parametrize(
    "status, shown, hidden",
    [
        (InvitationStatus.PENDING, ["resend", "revoke"], ["delete"]),
        (InvitationStatus.ACCEPTED, ["delete"], ["resend", "revoke"]),
        (InvitationStatus.EXPIRED, ["delete"], ["resend", "revoke"]),
        (InvitationStatus.REVOKED, ["delete"], ["resend", "revoke"]),
    ],
)
def test_only_the_actions_allowed_for_the_status_are_offered(
    admin_client, tenant, admin, status, shown, hidden
):
    invitation = make(tenant, admin, status=status)
    page = admin_client.get(list_url(tenant)).content.decode()
    for action in shown:
        assert action_url(invitation, action) in page
    for action in hidden:
        assert action_url(invitation, action) not in page


def test_pending_past_expiry_shows_as_expired_with_delete_only(admin_client, tenant, admin):
    invitation = make(tenant, admin, expires_at=timezone.now() - timedelta(minutes=1))
    page = admin_client.get(list_url(tenant)).content.decode()
    assert "status-expired" in page and "status-pending" not in page
    assert action_url(invitation, "delete") in page
    assert action_url(invitation, "resend") not in page


def test_failed_email_is_marked_on_the_row(admin_client, tenant, admin):
    make(tenant, admin, email_status=EmailStatus.FAILED, email_error="550 mailbox unavailable")
    page = admin_client.get(list_url(tenant)).content.decode()
    assert "Email failed" in page


def test_actions_ask_for_confirmation(admin_client, tenant, admin):
    make(tenant, admin)
    page = admin_client.get(list_url(tenant)).content.decode()
    assert page.count("data-confirm=") == 2


@pytest.mark.parametrize("status", InvitationStatus.values)
def test_filter_by_status(admin_client, tenant, admin, status):
    rows = {
        s: make(tenant, admin, status=s, email=f"{s}@example.com") for s in InvitationStatus.values
    }
    page = admin_client.get(list_url(tenant), {"status": status}).content.decode()
    for other, invitation in rows.items():
        assert (invitation.email in page) == (other == status)


def test_expired_filter_includes_pending_past_expiry(admin_client, tenant, admin):
    make(tenant, admin, email="late@example.com", expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        "late@example.com"
        in admin_client.get(list_url(tenant), {"status": "expired"}).content.decode()
    )
    assert (
        "late@example.com"
        not in admin_client.get(list_url(tenant), {"status": "pending"}).content.decode()
    )


def test_unknown_filter_shows_all(admin_client, tenant, admin):
    make(tenant, admin, email="ana@example.com")
    assert (
        "ana@example.com" in admin_client.get(list_url(tenant), {"status": "nope"}).content.decode()
    )


def test_paginated_25_a_page_keeping_the_filter(admin_client, tenant, admin):
    for i in range(30):
        make(
            tenant,
            admin,
            email=f"u{i:02d}@example.com",
            sent_at=timezone.now() - timedelta(minutes=i),
        )
    first = admin_client.get(list_url(tenant), {"status": "pending"})
    assert len(first.context["invitations"]) == 25
    assert "?status=pending&amp;page=2" in first.content.decode()
    second = admin_client.get(list_url(tenant), {"status": "pending", "page": 2})
    assert len(second.context["invitations"]) == 5


def test_only_this_tenants_invitations_are_listed(admin_client, tenant, admin):
    factories.InvitationFactory(email="elsewhere@example.com")
    assert "elsewhere@example.com" not in admin_client.get(list_url(tenant)).content.decode()


def _tab_queries(client, tenant) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(list_url(tenant)).status_code == 200
    return len(captured)


def _fill(tenant, count: int):
    inviters = [factories.AdminMembershipFactory(tenant=tenant).user for _ in range(3)]
    now = timezone.now()
    Invitation.objects.bulk_create(
        factories.InvitationFactory.build(
            tenant=tenant,
            invited_by=inviters[i % 3],
            email=f"bulk{i}@example.com",
            status=InvitationStatus.values[i % 4],
            sent_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )


def test_tab_queries_do_not_grow_with_rows(client, db):
    """Breakdown: session, user, membership+tenant, status counts (one aggregate),
    page count, one page of rows with inviters joined, header switcher and
    pending invitations (lazy, once each)."""
    small, large = factories.TenantFactory(), factories.TenantFactory()
    admin = factories.UserFactory()
    factories.AdminMembershipFactory(tenant=small, user=admin)
    factories.AdminMembershipFactory(tenant=large, user=admin)
    _fill(small, 10)
    _fill(large, 1000)
    client.force_login(admin)
    _tab_queries(client, small)  # warm the session's current tenant
    ten = _tab_queries(client, small)
    _tab_queries(client, large)
    thousand = _tab_queries(client, large)
    assert ten == thousand
    assert thousand <= 12


def test_every_form_on_the_tab_carries_one_token_that_the_csrf_check_accepts(tenant, admin):
    """The Jinja fragments print one masked CSRF token per render, not one per form."""
    from django.test import Client

    invitations = [make(tenant, admin, email=f"person{i}@example.com") for i in range(5)]
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get(list_url(tenant)).content.decode()

    table = page[page.index("<table") : page.index("</table>")]
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', table)
    assert len(tokens) == 2 * len(invitations)  # Resend and Revoke on each pending row
    assert len(set(tokens)) == 1
    response = client.post(action_url(invitations[0], "revoke"), {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    invitations[0].refresh_from_db()
    assert invitations[0].status == InvitationStatus.REVOKED
