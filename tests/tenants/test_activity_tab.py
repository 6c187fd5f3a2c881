"""The Activity tab and its CSV: admins only, filters, pages, streamed and defused CSV."""

import csv
import io

import pytest
from django.db import transaction
from django.http import StreamingHttpResponse
from django.urls import reverse

from invitations.activity import InvitationAction
from members.activity import MemberAction
from tenants.activity import activity_entry, activity_record_bulk
from tenants.models import ActivityEvent, ActorKind, TenantAction
from tenants.views import ACTIVITY_CSV_HEADER, ACTIVITY_PER_PAGE, csv_cell
from tests import factories

pytestmark = pytest.mark.django_db


def tab_url(tenant, **query):
    url = reverse("tenant_settings:activity", kwargs={"tenant_id": tenant.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def csv_url(tenant, **query):
    url = reverse("tenant_settings:activity_csv", kwargs={"tenant_id": tenant.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def record(tenant, count=1, **fields):
    fields.setdefault("action", InvitationAction.SENT)
    with transaction.atomic():
        return activity_record_bulk(
            entries=[activity_entry(tenant=tenant, **fields) for _ in range(count)]
        )


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# -- Who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [tab_url, csv_url])
def test_collaborators_get_403_and_outsiders_404(client, tenant, collaborator, outsider, url):
    record(tenant, target_email="secret@example.com")
    client.force_login(collaborator)
    assert client.get(url(tenant)).status_code == 403
    client.force_login(outsider)
    response = client.get(url(tenant))
    assert response.status_code == 404
    assert b"secret@example.com" not in response.content


@pytest.mark.parametrize("url", [tab_url, csv_url])
def test_anonymous_goes_to_log_in(client, tenant, url):
    response = client.get(url(tenant))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_settings_nav_shows_activity_to_admins_only(client, tenant, admin, collaborator):
    settings_url = reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})
    client.force_login(admin)
    assert tab_url(tenant) in client.get(settings_url).content.decode()
    client.force_login(collaborator)
    assert tab_url(tenant) not in client.get(settings_url).content.decode()


# -- The list --------------------------------------------------------------------------------


def test_lists_this_tenants_entries_newest_first(admin_client, tenant, admin):
    record(tenant, action=MemberAction.JOINED, target_email="first@example.com")
    record(
        tenant,
        action=MemberAction.ROLE_CHANGED,
        actor=admin,
        target_email="second@example.com",
        details={"old_role": "collaborator", "new_role": "admin"},
        ip="203.0.113.5",
    )
    record(factories.TenantFactory(), target_email="elsewhere@example.com")
    response = admin_client.get(tab_url(tenant))
    assert response.status_code == 200
    assert [e.target_email for e in response.context["events"]] == [
        "second@example.com",
        "first@example.com",
    ]
    page = response.content.decode()
    assert "elsewhere@example.com" not in page
    assert "Role changed" in page and "Collaborator → Admin" in page and "203.0.113.5" in page
    assert admin.email in page and "System" in page


def test_filters_by_action(admin_client, tenant):
    record(tenant, action=InvitationAction.SENT, target_email="a@example.com")
    record(tenant, action=InvitationAction.REVOKED, target_email="b@example.com")
    response = admin_client.get(tab_url(tenant, action=InvitationAction.REVOKED))
    assert [e.target_email for e in response.context["events"]] == ["b@example.com"]


def test_filters_by_person_as_actor_or_target(admin_client, tenant, admin):
    bob = factories.UserFactory(email="bob@example.com")
    record(tenant, actor=bob, target_email="x@example.com")  # Bob acted
    record(tenant, actor=admin, target_user=bob)  # on Bob
    record(tenant, actor=admin, target_email="other@example.com")
    response = admin_client.get(tab_url(tenant, person="BOB@example.com"))
    events = response.context["events"]
    assert len(events) == 2
    assert all("bob@example.com" in (e.actor_email, e.target_email) for e in events)


def test_invalid_filters_are_shown_and_not_applied(admin_client, tenant):
    record(tenant, count=2)
    response = admin_client.get(tab_url(tenant, action="nope", person="not-an-email"))
    assert response.status_code == 200
    assert len(response.context["events"]) == 2
    assert "Enter a valid email address." in response.content.decode()


def test_empty_states(admin_client, tenant):
    assert "No activity yet" in admin_client.get(tab_url(tenant)).content.decode()
    page = admin_client.get(tab_url(tenant, action=MemberAction.LEFT)).content.decode()
    assert "No matching activity" in page


def test_pages_keep_the_filter(admin_client, tenant):
    record(tenant, count=ACTIVITY_PER_PAGE + 5, action=InvitationAction.SENT)
    record(tenant, count=3, action=MemberAction.LEFT)
    first = admin_client.get(tab_url(tenant, action=InvitationAction.SENT))
    assert len(first.context["events"]) == ACTIVITY_PER_PAGE
    assert f"action={InvitationAction.SENT}&amp;page=2" in first.content.decode()
    second = admin_client.get(tab_url(tenant, action=InvitationAction.SENT, page=2))
    assert len(second.context["events"]) == 5
    # Past the end: the last page, not a 404.
    assert admin_client.get(tab_url(tenant, page=99)).status_code == 200


def test_operator_entries_read_operator(admin_client, tenant):
    operator = factories.UserFactory(is_staff=True, email="ops@example.com")
    record(tenant, actor=operator, actor_kind=ActorKind.OPERATOR)
    page = admin_client.get(tab_url(tenant)).content.decode()
    assert "Operator" in page and "ops@example.com" not in page


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_has_a_header_and_the_filtered_rows(admin_client, tenant, admin):
    record(
        tenant,
        action=MemberAction.ROLE_CHANGED,
        actor=admin,
        target_email="bob@example.com",
        details={"old_role": "admin", "new_role": "collaborator"},
        ip="198.51.100.9",
    )
    record(tenant, action=InvitationAction.SENT, target_email="carol@example.com")
    response = admin_client.get(csv_url(tenant, action=MemberAction.ROLE_CHANGED))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ACTIVITY_CSV_HEADER
    assert len(rows) == 2
    row = dict(zip(ACTIVITY_CSV_HEADER, rows[1], strict=True))
    assert row["Action"] == "Role changed" and row["Action id"] == "member.role_changed"
    assert (row["Actor"], row["Target email"], row["IP address"]) == (
        admin.email,
        "bob@example.com",
        "198.51.100.9",
    )
    assert row["Details"] == "Admin → Collaborator"
    assert row["Details (JSON)"] == '{"new_role": "collaborator", "old_role": "admin"}'


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_defuses_formulas(dangerous):
    assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("plain") == "plain" and csv_cell(None) == ""


def test_csv_defuses_a_hostile_tenant_name_in_the_details(admin_client, tenant):
    record(
        tenant,
        action=TenantAction.RENAMED,
        details={"old_name": "x", "new_name": '=HYPERLINK("http://evil")'},
    )
    record(
        tenant,
        action=InvitationAction.EMAIL_FAILED,
        details={"error": "@cmd|' /C calc'!A0"},
    )
    rows = csv_rows(admin_client.get(csv_url(tenant)))[1:]
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "'@cmd|' /C calc'!A0" in cells


def test_csv_is_streamed_in_constant_queries(admin_client, tenant, django_assert_num_queries):
    record(tenant, count=250)
    admin_client.get(csv_url(tenant))  # the first visit remembers the current tenant
    # session, user, memberships; then one query for every row (a server-side
    # cursor on PostgreSQL, fetched in chunks).
    with django_assert_num_queries(4):
        rows = csv_rows(admin_client.get(csv_url(tenant)))
    assert len(rows) == 251


def test_entries_cannot_be_changed_from_the_console(admin_client, tenant):
    record(tenant)
    assert admin_client.post(tab_url(tenant)).status_code == 405
    assert admin_client.post(csv_url(tenant)).status_code == 405
    assert ActivityEvent.objects.count() == 1
