"""Verified identity in real Chromium: the Join hole, codes, two-step, passkeys, sessions.

Every code and link is read from the emails the SMTP sink received. WebAuthn
runs against a CDP virtual authenticator; the live server is
http://localhost:<port> because WebAuthn refuses IP addresses.
"""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from playwright.sync_api import expect

from console.accounts.models import User
from invitations.models import Invitation, InvitationStatus
from members.models import Membership
from tests import factories
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible,
    link_in,
    log_in,
    message_to,
    screenshot,
)

PASSWORD = "a-long-and-unusual-passphrase"
GET_STARTED = re.compile(r"/t/[a-z0-9]+/get-started/$")
CODE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.M)
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def code_in(message) -> str:
    match = CODE.search(text_of(message))
    assert match, f"no code in:\n{text_of(message)}"
    return match.group(1)


def totp_now(secret: str) -> str:
    """The authenticator app's code; near the end of a 30 s window, the next window's
    (a code typed as its window closes would be checked against the next one)."""
    left = 30 - time.time() % 30
    if left < 4:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def fill_sign_up(page, email: str, name: str = "") -> None:
    if name:
        page.get_by_role("textbox", name="Name", exact=True).fill(name)
    if email:
        page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def log_out(page) -> None:
    page.goto("/accounts/logout/")
    page.get_by_role("main").get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def invite_from_the_ui(page, address: str) -> None:
    page.get_by_role("link", name="Members", exact=True).first.click()
    page.get_by_role("link", name="Invite members").click()
    page.get_by_role("textbox", name="Email addresses").fill(address)
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent as")).to_be_visible()


def confirm_access(page, password: str) -> None:
    """Changing two-step asks for the password again (allauth's reauthentication)."""
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Confirm").click()


def activate_authenticator_app(page, password=factories.TEST_PASSWORD) -> tuple[str, list[str]]:
    """From /accounts/2fa/: turn on the authenticator app; returns its secret and recovery codes."""
    page.get_by_role("main").get_by_role("link", name="Activate").first.click()
    confirm_access(page, password)
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_role("textbox", name="Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    return secret, codes


# -- The Join hole ------------------------------------------------------------------------------


def test_the_join_hole_is_closed_and_the_owner_still_accepts_through_the_link(new_page, mail):
    factories.AdminMembershipFactory(user__email="alice@example.com", tenant__name="Alice's tenant")
    alice = new_page()
    log_in(alice, "alice@example.com")
    invite_from_the_ui(alice, "cfo@corp.example")
    [invitation_email] = mail.wait_for(1)
    invitation = Invitation.objects.get(email="cfo@corp.example")

    # Mallory signs up with the invitee's address: a code goes to that mailbox, not to her.
    mallory = new_page()
    mallory.goto("/accounts/signup/")
    fill_sign_up(mallory, "cfo@corp.example", name="Mallory")
    expect(mallory.get_by_role("heading", name="Confirm your email")).to_be_visible()
    mallory.goto("/")
    # Not signed in: back to the code she does not have.
    expect(mallory).to_have_url(re.compile(r"/accounts/confirm-email/"))
    expect(mallory.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    code_email = mail.wait_for(2)[-1]  # to the invitee's mailbox, not to Mallory

    # Even an unconfirmed account that is signed in (a session from before the
    # migration) sees no Join, and its Join POST is refused.
    legacy = Client()
    legacy.force_login(User.objects.get(email="cfo@corp.example"))
    session_cookie = legacy.cookies["sessionid"].value
    mallory.context.clear_cookies()
    mallory.context.add_cookies(
        [{"name": "sessionid", "value": session_cookie, "domain": "localhost", "path": "/"}]
    )
    mallory.goto("/")
    # Her sign-up made her own tenant: "/" is its Get started; the switcher lists no invitation.
    mallory.wait_for_url(GET_STARTED)
    expect(mallory.get_by_role("button", name="Join")).to_have_count(0)
    mallory.get_by_role("button", name="Switch tenant").click()
    expect(mallory.locator(".tenant-switcher-menu")).not_to_contain_text("Pending invitations")
    csrf = next(c["value"] for c in mallory.context.cookies() if c["name"] == "csrftoken")
    response = mallory.request.post(
        f"/invitations/join/{invitation.pk}/",
        headers={"X-CSRFToken": csrf, "Referer": mallory.url},
    )
    assert response.status == 403
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.filter(tenant=invitation.tenant, user__email=invitation.email)

    # The real owner of the mailbox: the link, a password reset (the account was
    # made by someone else), the code, then "Accept invitation".
    owner = new_page()
    owner.goto(link_in(invitation_email))
    expect(owner.get_by_role("heading", name="Alice's tenant")).to_be_visible()
    owner.get_by_role("main").get_by_role("link", name="Sign in").click()
    owner.get_by_role("link", name="Forgot your password?").click()
    owner.get_by_role("textbox", name="Email", exact=True).fill("cfo@corp.example")
    owner.get_by_role("button", name="Send reset link").click()
    reset_email = mail.wait_for(3)[-1]
    owner.goto(RESET_LINK.search(text_of(reset_email)).group(0))
    owner.get_by_role("textbox", name="New password", exact=True).fill(PASSWORD + "!")
    owner.get_by_role("textbox", name="Confirm new password", exact=True).fill(PASSWORD + "!")
    owner.get_by_role("button", name="Set new password").click()
    expect(owner.get_by_role("heading", name="Your password is changed")).to_be_visible()
    owner.goto(link_in(invitation_email))
    owner.get_by_role("main").get_by_role("link", name="Sign in").click()
    owner.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD + "!")
    # Mallory's sign-up mailed a code to this mailbox moments ago: still valid, it is
    # reused (no wait, no new email), and only the mailbox's owner has it.
    owner.get_by_role("button", name="Log in").click()
    expect(owner.get_by_role("heading", name="Confirm your email")).to_be_visible()
    expect(
        owner.get_by_text("We already sent a code to cfo@corp.example; it is still valid.")
    ).to_be_visible()
    owner.get_by_role("textbox", name="Code").fill(code_in(code_email))
    owner.get_by_role("button", name="Confirm").click()
    owner.get_by_role("button", name="Accept invitation").click()
    owner.wait_for_url(GET_STARTED)
    expect(owner.get_by_text("Welcome to Alice's tenant! You joined as")).to_be_visible()
    # Mallory's old session ended with the password change.
    mallory.goto("/")
    expect(mallory).to_have_url(re.compile(r"/accounts/login/"))


# -- Confirm your email ---------------------------------------------------------------------------


def test_sign_up_confirm_by_code_then_get_started(page, mail):
    page.goto("/accounts/signup/")
    fill_sign_up(page, "Ada@Example.com", name="Ada Lovelace")

    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "confirm-email")
    [message] = mail.wait_for(1)
    assert "Confirm your email" in message["Subject"]
    page.get_by_role("textbox", name="Code").fill(code_in(message))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(GET_STARTED)
    assert page.get_by_role("heading", name="Get started").is_visible()
    assert page.get_by_text("Ada Lovelace's tenant · Development").is_visible()
    # The welcome comes once the address is confirmed, not on the page after sign-up.
    expect(
        page.get_by_text("Welcome! Your development tenant “Ada Lovelace's tenant” is ready.")
    ).to_be_visible()


def test_a_wrong_code_then_a_new_code(page, mail):
    page.goto("/accounts/signup/")
    fill_sign_up(page, "bo@example.com")
    first = code_in(mail.wait_for(1)[0])

    page.get_by_role("textbox", name="Code").fill("AAAA-AAAA")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "confirm-email-wrong-code")

    time.sleep(10)  # a new code may be asked for once per 10 seconds
    page.get_by_role("button", name="Send a new code").click()
    second = code_in(mail.wait_for(2)[1])
    assert second != first
    page.get_by_role("textbox", name="Code").fill(second)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(GET_STARTED)


def test_sign_up_from_an_invitation_needs_no_code(new_page, mail):
    factories.AdminMembershipFactory(user__email="ada@example.com", tenant__name="Acme")
    admin = new_page()
    log_in(admin, "ada@example.com")
    invite_from_the_ui(admin, "cy@example.com")
    link = link_in(message_to(mail.wait_for(1), "cy@example.com"))

    invitee = new_page()
    invitee.goto(link)
    invitee.get_by_role("main").get_by_role("link", name="Sign up").click()
    fill_sign_up(invitee, "", name="Cy")
    invitee.get_by_role("button", name="Accept invitation").click()
    invitee.wait_for_url(GET_STARTED)
    expect(invitee.get_by_text("Welcome to Acme! You joined as")).to_be_visible()
    assert len(mail.wait_for(1)) == 1  # no confirmation email


# -- Two-step verification ---------------------------------------------------------------------


def test_authenticator_app_then_sign_in_with_a_code_then_with_a_recovery_code(page, mail):
    factories.AdminMembershipFactory(user__email="ada@example.com")
    log_in(page, "ada@example.com")
    page.goto("/accounts/2fa/")
    assert_accessible(page)
    screenshot(page, "two-step")
    secret, codes = activate_authenticator_app(page)
    screenshot(page, "recovery-codes")

    log_out(page)
    log_in_password_only(page, "ada@example.com")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert_accessible(page)
    screenshot(page, "two-step-sign-in")
    page.get_by_role("textbox", name="Code").fill(totp_now(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(GET_STARTED)

    log_out(page)
    log_in_password_only(page, "ada@example.com")
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(GET_STARTED)


def log_in_password_only(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))


def test_passkey_set_up_then_sign_in_with_it(page, mail):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    factories.AdminMembershipFactory(user__email="ada@example.com")
    log_in(page, "ada@example.com")
    page.goto("/accounts/2fa/webauthn/add/")
    confirm_access(page, factories.TEST_PASSWORD)
    page.get_by_role("checkbox", name="Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

    log_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(GET_STARTED)


# A browser name far longer than any real one: the sessions table must still fit a phone.
LONG_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) " + "AppleWebKit/537.36 (KHTML, like Gecko) " * 6


def test_signing_out_another_session(new_page):
    factories.AdminMembershipFactory(user__email="ada@example.com")
    laptop, phone = new_page(), new_page(user_agent=LONG_USER_AGENT)
    log_in(laptop, "ada@example.com")
    log_in(phone, "ada@example.com")
    laptop.goto("/accounts/sessions/")
    expect(laptop.get_by_role("row")).to_have_count(3)  # the header and two sessions
    assert_accessible(laptop)
    screenshot(laptop, "sessions")
    # On a phone each session is a block: no cell runs past the window, even inside a scroller.
    laptop.set_viewport_size(PHONE)
    cells_outside = laptop.evaluate(
        "[...document.querySelectorAll('td')]"
        ".filter(td => td.getBoundingClientRect().right > window.innerWidth).length"
    )
    laptop.set_viewport_size(DESKTOP)
    assert cells_outside == 0
    laptop.get_by_role("button", name="Sign out other sessions").click()
    expect(laptop.get_by_role("row")).to_have_count(2)
    phone.goto("/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))


def test_a_tenant_requiring_two_step(new_page, mail):
    admin_membership = factories.AdminMembershipFactory(
        user__email="ada@example.com", tenant__name="Acme", tenant__member_limit_override=10
    )
    factories.give_two_step(admin_membership.user)
    factories.MembershipFactory(tenant=admin_membership.tenant, user__email="bo@example.com")

    # The admin (with two-step on) turns the policy on and invites someone.
    admin = new_page()
    admin.goto("/accounts/login/")
    admin.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    admin.get_by_role("textbox", name="Password", exact=True).fill(factories.TEST_PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("textbox", name="Code").fill(totp_now("JBSWY3DPEHPK3PXP"))
    admin.get_by_role("button", name="Sign In").click()
    admin.wait_for_url(GET_STARTED)
    admin.get_by_role("link", name="Settings", exact=True).first.click()
    admin.get_by_role("checkbox", name="Require two-step verification").check()
    admin.get_by_role("button", name="Update security settings").click()
    expect(admin.get_by_text("Two-step verification is now required")).to_be_visible()
    assert_accessible(admin)
    screenshot(admin, "tenant-settings-two-step")
    invite_from_the_ui(admin, "cy@example.com")
    admin.get_by_role("link", name="Members", exact=True).first.click()
    expect(admin.get_by_text("2-step on")).to_have_count(1)
    expect(admin.get_by_text("2-step off")).to_have_count(1)

    # A member without two-step is sent to set it up, then continues.
    member = new_page()
    log_in(member, "bo@example.com")
    expect(member).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(member.get_by_text("“Acme” requires two-step verification")).to_be_visible()
    activate_authenticator_app(member)
    member.get_by_role("link", name="Continue").click()
    member.wait_for_url(GET_STARTED)

    # An invitee sets it up before "Accept invitation" completes.
    invitee = new_page()
    invitee.goto(link_in(message_to(mail.wait_for(1), "cy@example.com")))
    invitee.get_by_role("main").get_by_role("link", name="Sign up").click()
    fill_sign_up(invitee, "", name="Cy")
    invitee.get_by_role("button", name="Accept invitation").click()
    expect(invitee).to_have_url(re.compile(r"/accounts/2fa/$"))
    assert not Membership.objects.filter(user__email="cy@example.com").exists()
    activate_authenticator_app(invitee, PASSWORD)
    invitee.get_by_role("link", name="Continue").click()
    invitee.get_by_role("button", name="Accept invitation").click()
    invitee.wait_for_url(GET_STARTED)
    expect(invitee.get_by_text("Welcome to Acme! You joined as")).to_be_visible()
