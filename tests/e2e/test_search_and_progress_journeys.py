"""Search on the Members and Invitations tabs (with and without JavaScript) and
a bulk invite's send progress moving from queued to sent, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from invitations.models import InvitationStatus
from members.models import Membership, Role
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in

NAMES = ["Grace Hopper", "Alan Turing", "Ada Lovelace", "Edsger Dijkstra", "Barbara Liskov"]


@pytest.fixture
def acme():
    admin = factories.AdminMembershipFactory(
        user__email="ada@example.com", user__name="Ada Admin", tenant__name="Acme"
    )
    people = [
        factories.UserFactory(name=name, email=f"{name.split()[1].lower()}@example.com")
        for name in NAMES
    ]
    # Enough members for two pages, so the search also shows paging keeps the query.
    people += factories.UserFactory.create_batch(30, name="Hopper Fan")
    Membership.objects.bulk_create(
        Membership(tenant=admin.tenant, user=user, role=Role.COLLABORATOR) for user in people
    )
    for i, status in enumerate([InvitationStatus.PENDING, InvitationStatus.REVOKED] * 2):
        factories.InvitationFactory(
            tenant=admin.tenant,
            invited_by=admin.user,
            email=f"{'ruth' if i < 2 else 'omar'}{i}@guests.example",
            status=status,
        )
    return admin.tenant


@pytest.fixture
def no_js_page(browser, site):
    context = browser.new_context(java_script_enabled=False, base_url=site)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def members_path(tenant) -> str:
    return f"/t/{tenant.public_id}/settings/members/"


def test_members_search_updates_the_table_as_the_admin_types(page, acme):
    log_in(page, "ada@example.com")
    page.goto(members_path(acme))
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("searchbox", name="Search members by name or email").fill("hopper")

    # htmx swapped the table in (no page load) and put the query in the URL.
    page.wait_for_url(re.compile(r"\?q=hopper$"))
    table = page.locator("#member-table")
    expect(table.get_by_text("Grace Hopper", exact=True)).to_be_visible()
    expect(table.get_by_text("Alan Turing", exact=True)).to_have_count(0)
    expect(table.get_by_text("1–25 of 31 members")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True

    # The next page keeps the search.
    table.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"\?q=hopper&page=2$"))
    expect(page.locator("#member-table").get_by_text("26–31 of 31 members")).to_be_visible()

    page.get_by_role("searchbox", name="Search members by name or email").fill("nobody-here")
    expect(page.get_by_text("No members match “nobody-here”.")).to_be_visible()
    assert_accessible(page)


def test_members_search_works_without_javascript(no_js_page, acme):
    page = no_js_page
    log_in(page, "ada@example.com")
    page.goto(members_path(acme))
    box = page.get_by_role("searchbox", name="Search members by name or email")
    box.fill("LISKOV")
    box.press("Enter")
    page.wait_for_url(re.compile(r"\?q=LISKOV$"))
    expect(page.get_by_text("Barbara Liskov", exact=True)).to_be_visible()
    expect(page.get_by_text("Grace Hopper", exact=True)).to_have_count(0)
    expect(page.get_by_role("searchbox")).to_have_value("LISKOV")


def test_invitations_search_keeps_the_status_filter(page, acme):
    log_in(page, "ada@example.com")
    page.goto(members_path(acme) + "invitations/")
    page.get_by_role("navigation", name="Filter by status").get_by_role(
        "link", name=re.compile("^Pending")
    ).click()
    page.wait_for_url(re.compile(r"\?status=pending$"))
    page.get_by_role("searchbox", name="Search invitations by email").fill("ruth")

    page.wait_for_url(re.compile(r"\?status=pending&q=ruth$"))
    table = page.locator("#invitation-table")
    expect(table.get_by_text("ruth0@guests.example", exact=True)).to_be_visible()
    expect(table.get_by_text("ruth1@guests.example", exact=True)).to_have_count(0)  # revoked
    expect(table.get_by_text("omar2@guests.example", exact=True)).to_have_count(0)
    # The status tabs now count the matches, and keep the search.
    revoked = table.get_by_role("link", name=re.compile("^Revoked"))
    expect(revoked).to_have_attribute("href", "?status=revoked&q=ruth")
    assert_accessible(page)


def test_invitations_search_works_without_javascript(no_js_page, acme):
    page = no_js_page
    log_in(page, "ada@example.com")
    page.goto(members_path(acme) + "invitations/?status=revoked")
    box = page.get_by_role("searchbox", name="Search invitations by email")
    box.fill("omar")
    box.press("Enter")
    page.wait_for_url(re.compile(r"\?status=revoked&q=omar$"))
    expect(page.get_by_text("omar3@guests.example", exact=True)).to_be_visible()
    expect(page.get_by_text("omar2@guests.example", exact=True)).to_have_count(0)  # pending
    expect(page.get_by_text("ruth1@guests.example", exact=True)).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_send_progress_moves_from_queued_to_sent_with_a_real_worker(
    page, celery_worker_factory, smtp_sink
):
    factories.AdminMembershipFactory(
        user__email="ada@example.com", user__name="Ada Admin", tenant__name="Acme"
    )
    smtp_sink.delay = 1.0  # each message takes a second: the counts are seen moving
    celery_worker_factory()
    log_in(page, "ada@example.com")
    page.get_by_role("link", name="Members", exact=True).first.click()
    page.get_by_role("link", name="Invite members").click()
    page.get_by_role("textbox", name="Email addresses").fill("bo@example.com cy@example.com")
    page.get_by_role("button", name="Send invitations").click()

    page.wait_for_url(re.compile(r"/invitations/\?batch=[0-9a-f-]+$"))
    progress = page.get_by_role("status").filter(has_text="Emails of this batch of 2")
    expect(progress).to_contain_text("queued")
    assert "2 sent" not in progress.inner_text()  # the worker needs a second an email
    # Polled every 3 s while any is queued; the last poll shows both sent and stops.
    expect(progress).to_contain_text("0 queued, 2 sent, 0 failed.", timeout=20_000)
    expect(progress).to_contain_text("All sent.")
    assert progress.locator("[hx-trigger]").count() == 0
    assert len(smtp_sink.wait_for(2)) == 2
    smtp_sink.delay = 0
