"""The Activity tab and the account Security page, in real Chromium."""

import re
from pathlib import Path

from playwright.sync_api import expect

from members.models import Role
from tests import factories
from tests.e2e.conftest import accept_confirmations, assert_accessible, log_in, screenshot


def test_admin_reads_filters_and_downloads_the_activity_log(page):
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com",
        user__name="Ada Admin",
        tenant__name="Acme",
        tenant__member_limit_override=5,
    )
    tenant = membership.tenant
    factories.MembershipFactory(tenant=tenant, user__email="bo@example.com", user__name="Bo Brown")
    accept_confirmations(page)
    log_in(page, "ada@example.com")

    # Make a change through the console: it shows up in the log.
    page.goto(f"/t/{tenant.public_id}/settings/members/")
    row = page.get_by_role("row").filter(has_text="bo@example.com")
    row.get_by_role("button", name=re.compile(r"^Actions")).click()
    row.get_by_role("button", name="Change role to Admin").click()
    expect(page.get_by_text("Bo Brown is now an admin.")).to_be_visible()
    page.goto(f"/t/{tenant.public_id}/settings/members/invitations/new/")
    page.get_by_role("textbox", name=re.compile("^Email addresses")).fill(
        "cy@example.com, di@example.com"
    )
    page.get_by_role("button", name=re.compile("^Send invitations")).click()
    expect(page.get_by_text(re.compile("2 invitations sent"))).to_be_visible()

    page.get_by_role("navigation", name="Tenant settings").get_by_role(
        "link", name="Activity"
    ).click()
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    first = page.get_by_role("row").nth(1)
    expect(first).to_contain_text("Invitation sent")
    changed = page.get_by_role("row").filter(has_text="Role changed")
    expect(changed).to_contain_text("ada@example.com")
    expect(changed).to_contain_text("bo@example.com")
    expect(changed).to_contain_text("Collaborator → Admin")
    assert_accessible(page)
    screenshot(page, "activity")

    page.get_by_label("Action").select_option(label="Role changed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one entry

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Time (UTC),Action,")
    assert "Role changed" in text and "Invitation sent" not in text

    page.get_by_role("link", name="Clear").click()
    page.get_by_label(re.compile("^Person")).fill("cy@example.com")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("row").nth(1)).to_contain_text("cy@example.com")


def test_a_collaborator_has_no_activity_tab(page):
    membership = factories.MembershipFactory(
        user__email="bo@example.com", tenant__name="Acme", role=Role.COLLABORATOR
    )
    factories.AdminMembershipFactory(tenant=membership.tenant)
    log_in(page, "bo@example.com")
    page.goto(f"/t/{membership.tenant.public_id}/settings/")
    nav = page.get_by_role("navigation", name="Tenant settings")
    expect(nav.get_by_role("link", name="Members")).to_be_visible()
    expect(nav.get_by_role("link", name="Activity")).to_have_count(0)
    response = page.goto(f"/t/{membership.tenant.public_id}/settings/activity/")
    assert response.status == 403


def test_a_person_reads_their_own_security_events(page):
    factories.AdminMembershipFactory(user__email="ada@example.com", tenant__name="Acme")
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    page.get_by_role("textbox", name="Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Log in").click()
    log_in(page, "ada@example.com")
    page.get_by_role("button", name=re.compile("Ada|Account")).first.click()
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Signed in")
    expect(rows.nth(2)).to_contain_text("Failed sign-in")
    assert_accessible(page)
    screenshot(page, "security")
