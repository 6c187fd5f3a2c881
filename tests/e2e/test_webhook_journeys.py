"""Webhooks in real Chromium: an admin adds one, an invitee accepts, the receiver verifies.

The receiver is a loopback HTTP server (``WEBHOOKS_ALLOW_PRIVATE_URLS`` on for
that journey); tasks run in the live server's process, as in the other
journeys. The signing secret is read from the page, where it is shown once.
"""

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.webhooks.receiver import Receiver


def open_webhooks(page):
    page.get_by_role("link", name="Webhooks", exact=True).first.click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()


def add_webhook(page, url: str, events: list[str]):
    page.get_by_role("link", name="Add webhook").click()
    page.get_by_role("textbox", name="Endpoint URL").fill(url)
    for event in events:
        page.get_by_role("checkbox", name=event, exact=True).check()
    page.get_by_role("button", name="Add webhook").click()


def test_an_invitation_accepted_in_the_browser_sends_exactly_the_subscribed_events_signed(
    new_page, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver().start()
    try:
        invitation = factories.InvitationFactory(
            tenant__name="Acme", email="gus@example.com", invited_by__name="Ada Admin"
        )
        factories.AdminMembershipFactory(user__email="ada@example.com", tenant=invitation.tenant)
        factories.UserFactory(email="gus@example.com")

        # given the admin subscribes an endpoint to two of the actions in the browser
        admin = new_page()
        log_in(admin, "ada@example.com")
        admin.goto(f"/t/{invitation.tenant.public_id}/settings/")
        open_webhooks(admin)
        add_webhook(admin, receiver.url, ["Invitation accepted", "Member joined"])
        secret = admin.get_by_test_id("webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")
        assert_accessible(admin)
        screenshot(admin, "webhooks")

        # when the invitee accepts (joins from the tenant switcher)
        invitee = new_page()
        log_in(invitee, "gus@example.com")
        invitee.get_by_role("button", name="Switch tenant").click()
        invitee.locator(".tenant-switcher-menu").get_by_role("button", name="Join").click()
        expect(invitee.get_by_text("Welcome to Acme! You joined as Collaborator.")).to_be_visible()

        # then exactly the subscribed events arrive, each signed with the secret shown
        receiver.wait_for(2)
        payloads = receiver.verified(secret)
        assert sorted(p["type"] for p in payloads) == ["invitation.accepted", "member.joined"]
        assert {p["data"]["target"]["email"] for p in payloads} == {"gus@example.com"}
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2

        # and the tab lists the two attempts, and never shows the secret again
        admin.reload()
        expect(admin.get_by_role("cell", name="200")).to_have_count(2)
        expect(admin.get_by_test_id("webhook-secret")).to_have_count(0)
        assert len(receiver.requests) == 2  # nothing unsubscribed came later
    finally:
        receiver.stop()


def test_a_private_url_is_refused_when_saved(page, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    membership = factories.AdminMembershipFactory(user__email="ada@example.com")
    log_in(page, "ada@example.com")
    page.goto(f"/t/{membership.tenant.public_id}/settings/webhooks/")

    add_webhook(page, "https://localhost/hooks", ["Member joined"])

    expect(page.get_by_text("points to a private, loopback or link-local address")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
