"""Managing members, and what a collaborator sees, in real Chromium."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import PHONE, accept_confirmations, assert_accessible, log_in, screenshot

LAST_ADMIN = "A tenant needs at least one admin. Make another member an admin first."


def member_row(page, email: str):
    return page.get_by_role("row").filter(has_text=email)


def open_settings(page, tab: str = "Members"):
    page.get_by_role("navigation", name="Tenant", exact=True).get_by_role(
        "link", name="Settings"
    ).click()
    if tab != "Settings":
        page.get_by_role("navigation", name="Tenant settings").get_by_role("link", name=tab).click()


def act_on(page, email: str, action: str):
    """Open a member's Actions menu and choose ``action`` (a button or a link)."""
    row = member_row(page, email)
    row.get_by_role("button", name=re.compile(r"^Actions")).click()
    item = row.get_by_role("button", name=action).or_(row.get_by_role("link", name=action))
    item.click()


def test_admin_changes_a_role_removes_a_member_and_transfers_ownership(page):
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com",
        user__name="Ada Admin",
        tenant__name="Acme",
        tenant__member_limit_override=5,
    )
    tenant = membership.tenant
    for email, name in [
        ("bo@example.com", "Bo Brown"),
        ("cy@example.com", "Cy Chen"),
        ("di@example.com", "Di Diaz"),
    ]:
        factories.MembershipFactory(tenant=tenant, user__email=email, user__name=name)
    dialogs = accept_confirmations(page)
    log_in(page, "ada@example.com")
    open_settings(page)
    expect(page.get_by_text("4 of 5 members")).to_be_visible()
    joined = member_row(page, "bo@example.com").locator("time")
    expect(joined).to_have_text(re.compile(r"^(now|(a|an|\d+)\s(second|minute)s?\sago)$"))
    expect(joined).to_have_attribute("title", re.compile(r"^\w.+\d{4}.+ \(UTC\)$"))
    assert_accessible(page)
    screenshot(page, "members")

    # The only admin cannot leave, and the page says why.
    page.get_by_role("button", name="Leave tenant").click()
    expect(page.get_by_role("alert")).to_have_text(LAST_ADMIN)
    expect(member_row(page, "ada@example.com")).to_contain_text("Admin")

    act_on(page, "bo@example.com", "Change role to Admin")
    expect(page.get_by_text("Bo Brown is now an admin.")).to_be_visible()
    expect(member_row(page, "bo@example.com")).to_contain_text("Admin")

    act_on(page, "cy@example.com", "Remove")
    expect(page.get_by_text("Cy Chen was removed from “Acme”.")).to_be_visible()
    expect(member_row(page, "cy@example.com")).to_have_count(0)

    act_on(page, "di@example.com", "Transfer ownership")
    expect(page.get_by_role("heading", name="Transfer ownership")).to_be_visible()
    expect(page.get_by_text("di@example.com")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "transfer")
    page.get_by_role("radio", name="Stay as collaborator").check()
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.get_by_text("Di Diaz is now an admin. You are now a collaborator.")).to_be_visible()
    expect(member_row(page, "di@example.com")).to_contain_text("Admin")
    expect(member_row(page, "ada@example.com")).to_contain_text("Collaborator")
    expect(page.get_by_role("link", name="Invite members")).to_have_count(0)

    assert dialogs == [
        "Leave “Acme”? You will lose access to it.",
        "Make Bo Brown an admin? Admins manage billing and members and can delete the tenant.",
        "Remove Cy Chen from “Acme”? They lose access right away.",
        "Transfer ownership of “Acme” to Di Diaz?",
    ]


def test_admin_sees_tenant_settings_with_rename_and_delete(page):
    factories.AdminMembershipFactory(user__email="ada@example.com", tenant__name="Acme")
    log_in(page, "ada@example.com")
    open_settings(page, "Settings")
    name = page.get_by_role("textbox", name=re.compile(r"^Tenant name"))
    expect(name).to_have_value("Acme")
    name.fill("Acme Labs")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tenant renamed.")).to_be_visible()
    expect(page.get_by_role("button", name="Switch tenant")).to_contain_text("Acme Labs")
    expect(page.get_by_role("button", name="Delete tenant")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "tenant-settings")


def test_a_collaborator_sees_no_admin_controls_and_admin_urls_give_403(page):
    membership = factories.MembershipFactory(
        user__email="bo@example.com", user__name="Bo Brown", tenant__name="Acme"
    )
    factories.AdminMembershipFactory(tenant=membership.tenant, user__name="Ada Admin")
    log_in(page, "bo@example.com")

    open_settings(page, "Settings")
    expect(page.get_by_text("Only admins can rename or delete this tenant.")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete tenant")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "tenant-settings-collaborator")

    tabs = page.get_by_role("navigation", name="Tenant settings")
    tabs.get_by_role("link", name="Members").click()
    expect(tabs.get_by_role("link")).to_have_text(["Settings", "Members"])
    expect(page.get_by_role("link", name="Invite members")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Actions"))).to_have_count(0)
    expect(page.get_by_role("button", name="Leave tenant")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "members-collaborator")

    # Keyboard: the first Tab reaches the skip link, which jumps to the page content.
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    members_url = page.url.split("#")[0]
    for admin_path in ("invitations/", "invitations/new/", "../billing/"):
        response = page.goto(members_url + admin_path)
        assert response.status == 403, admin_path
        expect(
            page.get_by_role("heading", name="You don’t have access to this page")
        ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "forbidden")

    # On a phone the tenant's areas are in the account menu.
    page.set_viewport_size(PHONE)
    page.goto(members_url)
    page.get_by_role("button", name="Account menu for bo@example.com").click()
    page.get_by_role("link", name="Get started").click()
    expect(page.get_by_role("heading", name="Get started")).to_be_visible()
