"""Inviting, accepting, refusing, resending and revoking, in real Chromium.

Every link comes from an email received by the SMTP sink; factories only set
up the starting state a journey is not about (an existing member, a full
tenant, an invitation someone sent earlier).
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import (
    accept_confirmations,
    assert_accessible,
    link_in,
    log_in,
    message_to,
    screenshot,
)

PASSWORD = "a-long-and-unusual-passphrase"
GET_STARTED = re.compile(r"/t/[a-z0-9]+/get-started/$")


def open_members(page):
    page.get_by_role("link", name="Members", exact=True).first.click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()


def open_invite_form(page):
    open_members(page)
    page.get_by_role("link", name="Invite members").click()
    expect(page.get_by_role("heading", name="Invite members")).to_be_visible()


def invite(page, addresses: str):
    page.get_by_role("textbox", name="Email addresses").fill(addresses)
    page.get_by_role("button", name="Send invitations").click()


def row(page, text: str):
    return page.get_by_role("row").filter(has_text=text)


def test_admin_invites_two_collaborators_and_one_signs_up_from_the_email(new_page, mail):
    factories.AdminMembershipFactory(
        user__email="ada@example.com", user__name="Ada Admin", tenant__name="Acme"
    )
    admin = new_page()
    log_in(admin, "ada@example.com")
    open_invite_form(admin)
    admin.get_by_role("radio", name="Collaborator").check()
    invite(admin, "bo@example.com,\nCy@Example.com")

    admin.wait_for_url(re.compile(r"/settings/members/invitations/\?batch=[0-9a-f-]+$"))
    expect(admin.get_by_text("2 invitations sent as Collaborator.")).to_be_visible()
    for address in ("bo@example.com", "cy@example.com"):
        expect(row(admin, address).locator(".status-badge").first).to_have_text("Pending")
    assert_accessible(admin)
    screenshot(admin, "invitations")

    # The invitee, in another browser, opens the link from the email.
    messages = mail.wait_for(2)
    link = link_in(message_to(messages, "bo@example.com"))
    invitee = new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Acme")).to_be_visible()
    expect(invitee.get_by_text("Ada Admin")).to_be_visible()
    assert_accessible(invitee)
    screenshot(invitee, "accept")
    invitee.get_by_role("main").get_by_role("link", name="Sign up").click()
    email = invitee.get_by_role("textbox", name="Email", exact=True)
    expect(email).to_have_value("bo@example.com")
    invitee.get_by_role("textbox", name="Name", exact=True).fill("Bo Brown")
    invitee.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    invitee.get_by_role("textbox", name="Confirm password", exact=True).fill(PASSWORD)
    invitee.get_by_role("button", name="Create account").click()
    invitee.get_by_role("button", name="Accept invitation").click()

    invitee.wait_for_url(GET_STARTED)
    expect(invitee.get_by_text("Welcome to Acme! You joined as Collaborator.")).to_be_visible()
    expect(invitee.get_by_role("button", name="Switch tenant")).to_contain_text("Acme")

    # The admin sees the new member on the Members tab.
    open_members(admin)
    expect(row(admin, "bo@example.com")).to_contain_text("Bo Brown")
    expect(row(admin, "bo@example.com")).to_contain_text("Collaborator")
    expect(admin.get_by_text("3 of 3 members")).to_be_visible()  # 2 members + 1 pending
    admin.get_by_role("navigation", name="Tenant settings").get_by_role(
        "link", name="Invitations"
    ).click()
    expect(row(admin, "bo@example.com").locator(".status-badge").first).to_have_text("Accepted")
    expect(row(admin, "cy@example.com").locator(".status-badge").first).to_have_text("Pending")


def test_invite_refusals_name_each_address_and_send_nothing(new_page, mail):
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com", tenant__name="Acme"
    )
    factories.MembershipFactory(tenant=membership.tenant, user__email="cy@example.com")
    factories.InvitationFactory(
        tenant=membership.tenant, email="di@example.com", invited_by=membership.user
    )
    page = new_page()
    log_in(page, "ada@example.com")
    open_invite_form(page)

    invite(page, "CY@example.com, di@example.com, not-an-email")
    errors = page.locator("#emails-errors")
    expect(errors).to_contain_text("Fix these 3 addresses, then send again. Nothing was sent.")
    expect(errors).to_contain_text("cy@example.com is already a member.")
    expect(errors).to_contain_text("di@example.com already has a pending invitation.")
    expect(errors).to_contain_text("“not-an-email” is not an email address.")
    assert_accessible(page)
    screenshot(page, "invite-errors")

    # Two members and one pending invitation fill the Development tenant's 3 seats.
    invite(page, "ed@example.com")
    expect(page.get_by_role("alert")).to_contain_text(
        "This Development tenant is limited to 3 members (3 used, counting pending invitations)."
    )
    page.get_by_role("navigation", name="Tenant settings").get_by_role(
        "link", name="Invitations"
    ).click()
    expect(page.get_by_role("row").filter(has_text="@example.com")).to_have_count(1)
    assert mail.messages == []


def test_a_free_production_tenant_cannot_invite(page, mail):
    factories.AdminMembershipFactory(user__email="ada@example.com", tenant__name="Acme")
    log_in(page, "ada@example.com")
    page.get_by_role("button", name="Switch tenant").click()
    page.get_by_role("link", name="+ Create a tenant").click()
    assert_accessible(page)
    screenshot(page, "tenant-create")
    page.get_by_role("textbox", name="Tenant name").fill("Acme Live")
    page.get_by_role("radio", name="Production").check()
    page.get_by_role("radio", name="Free").check()
    page.get_by_role("button", name="Create tenant").click()
    expect(page.get_by_text("Tenant “Acme Live” created. You are its admin.")).to_be_visible()

    page.get_by_role("navigation", name="Tenant", exact=True).get_by_role(
        "link", name="Settings"
    ).click()
    page.get_by_role("navigation", name="Tenant settings").get_by_role(
        "link", name="Invitations"
    ).click()
    expect(page.get_by_role("heading", name="No invitations yet")).to_be_visible()
    expect(
        page.get_by_role("main").get_by_text("Inviting members needs the Pro plan.")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "invitations-empty")

    page.get_by_role("link", name="Invite members").click()
    expect(page.get_by_text("Inviting members needs the Pro plan.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Email addresses")).to_be_disabled()
    expect(page.get_by_role("button", name="Send invitations")).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "invite-free-plan")
    assert mail.messages == []


def test_pro_invite_shows_the_added_cost_before_sending_and_billing_counts_it(page, mail):
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com", tenant__name="Acme Pro", tenant__pro=True
    )
    factories.MembershipFactory.create_batch(2, tenant=membership.tenant)
    log_in(page, "ada@example.com")
    open_invite_form(page)
    invite(page, "eve@example.com fay@example.com")

    expect(page.get_by_text("Inviting 2 more members adds $16.00 per month.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "invite-pro-cost")
    assert mail.messages == []
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.get_by_text("2 invitations sent as Collaborator.")).to_be_visible()
    mail.wait_for(2)

    page.get_by_role("link", name="Billing").click()
    billing = page.get_by_role("region", name="Plan and seats")
    expect(billing).to_contain_text(re.compile(r"Pending invitations\s*2"))
    expect(billing).to_contain_text(
        re.compile(r"If every pending invitation is accepted\s*\$16\.00 / month")
    )
    assert_accessible(page)
    screenshot(page, "billing")


def test_resend_and_revoke_make_the_old_links_show_the_410_page(new_page, mail):
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com", user__name="Ada Admin", tenant__name="Acme"
    )
    # Sent earlier and never accepted: shown as Expired.
    factories.InvitationFactory(
        tenant=membership.tenant,
        email="old@example.com",
        invited_by=membership.user,
        sent_at=timezone.now() - timedelta(days=9),
    )
    admin = new_page()
    dialogs = accept_confirmations(admin)
    log_in(admin, "ada@example.com")
    open_invite_form(admin)
    invite(admin, "eve@example.com, fay@example.com")
    first = mail.wait_for(2)
    eve_old = link_in(message_to(first, "eve@example.com"))
    fay_link = link_in(message_to(first, "fay@example.com"))

    row(admin, "eve@example.com").get_by_role("button", name="Resend").click()
    expect(
        admin.get_by_text("Invitation to eve@example.com sent again with a new link.")
    ).to_be_visible()
    eve_new = link_in(message_to(mail.wait_for(3)[2:], "eve@example.com"))
    assert eve_new != eve_old
    row(admin, "fay@example.com").get_by_role("button", name="Revoke").click()
    expect(admin.get_by_text("Invitation to fay@example.com revoked.")).to_be_visible()
    expect(row(admin, "fay@example.com").locator(".status-badge").first).to_have_text("Revoked")
    expect(row(admin, "fay@example.com").get_by_role("button", name="Delete")).to_be_visible()
    expect(row(admin, "old@example.com").locator(".status-badge").first).to_have_text("Expired")
    assert dialogs == [
        "Send the invitation to eve@example.com again? The previous link will stop working.",
        "Revoke the invitation to fay@example.com? Its link will stop working.",
    ]
    assert_accessible(admin)
    screenshot(admin, "invitations-statuses")

    visitor = new_page()
    response = visitor.goto(eve_old)
    assert response.status == 410
    expect(
        visitor.get_by_role("heading", name="This invitation has been replaced by a newer one")
    ).to_be_visible()
    assert_accessible(visitor)
    screenshot(visitor, "invitation-gone")
    response = visitor.goto(fay_link)
    assert response.status == 410
    expect(visitor.get_by_role("heading", name="This invitation has been revoked")).to_be_visible()
    visitor.goto(eve_new)
    expect(visitor.get_by_role("heading", name="Acme")).to_be_visible()  # the new link still works


def test_a_signed_in_invitee_joins_from_the_tenant_switcher(page):
    invitation = factories.InvitationFactory(
        tenant__name="Acme", email="gus@example.com", invited_by__name="Ada Admin"
    )
    factories.AdminMembershipFactory(user__email="gus@example.com", tenant__name="Gus's tenant")
    log_in(page, "gus@example.com")

    switcher = page.get_by_role("button", name="Switch tenant")
    expect(switcher).to_contain_text("1")
    switcher.click()
    menu = page.locator(".tenant-switcher-menu")
    expect(menu.get_by_role("heading", name="Pending invitations")).to_be_visible()
    expect(menu).to_contain_text("Acme")
    assert_accessible(page)
    screenshot(page, "tenant-switcher")
    menu.get_by_role("button", name="Join").click()

    page.wait_for_url(GET_STARTED)
    expect(
        page.get_by_text(f"Welcome to {invitation.tenant.name}! You joined as Collaborator.")
    ).to_be_visible()
    page.get_by_role("button", name="Switch tenant").click()
    expect(
        page.locator(".tenant-switcher-menu").get_by_role("heading", name="Pending invitations")
    ).to_have_count(0)


def test_a_user_without_a_tenant_sees_pending_invitations_on_the_landing_page(page):
    factories.UserFactory(email="hal@example.com", name="Hal")
    factories.InvitationFactory(tenant__name="Acme", email="hal@example.com")
    factories.InvitationFactory(tenant__name="Globex", email="hal@example.com", role="admin")
    log_in(page, "hal@example.com")

    expect(page.get_by_role("heading", name="Welcome, Hal")).to_be_visible()
    pending = page.get_by_role("region", name="Your pending invitations")
    expect(pending.get_by_role("button", name="Join")).to_have_count(2)
    assert_accessible(page)
    screenshot(page, "landing")
    pending.get_by_role("listitem").filter(has_text="Globex").get_by_role(
        "button", name="Join"
    ).click()
    expect(page.get_by_text("Welcome to Globex! You joined as Admin.")).to_be_visible()
