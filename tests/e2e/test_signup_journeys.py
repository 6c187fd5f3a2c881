"""Sign-up and password reset in real Chromium against a live server."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_accessible, screenshot

PASSWORD = "a-long-and-unusual-passphrase"
GET_STARTED = re.compile(r"/t/[a-z0-9]+/get-started/$")
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")
CODE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.M)


def test_sign_up_lands_on_get_started_of_a_new_development_tenant(page, mail):
    page.goto("/accounts/signup/")
    assert_accessible(page)
    screenshot(page, "signup")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ada Lovelace")
    page.get_by_role("textbox", name="Email", exact=True).fill("Ada@Example.com")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    [message] = mail.wait_for(1)
    code = CODE.search(message.get_body(preferencelist=("plain",)).get_content()).group(1)
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(GET_STARTED)
    assert page.get_by_role("heading", name="Get started").is_visible()
    assert page.get_by_text("Ada Lovelace's tenant · Development").is_visible()
    expect(page.locator(".gs-progress-count")).to_have_text("0 of 2 done")
    assert_accessible(page)  # with the segment question

    screenshot(page, "get-started-question")

    page.get_by_text("Enterprise", exact=True).click()
    page.get_by_role("button", name="Show my recommendations").click()
    expect(page.get_by_text("Recommendations updated for: Enterprise.")).to_be_visible()
    recommendations = page.get_by_role("list", name="Recommendations")
    expect(recommendations.get_by_role("heading", name="Add a second admin")).to_be_visible()
    expect(recommendations.get_by_role("heading", name="Self-host with Docker")).to_have_count(0)
    expect(page.locator(".gs-progress-count")).to_have_text("0 of 4 done")
    assert_accessible(page)
    page.goto(page.url.split("#")[0])  # from the top, for the screenshot
    screenshot(page, "get-started")

    # Changing the answer changes the recommendations.
    page.get_by_role("link", name="Change").click()
    page.get_by_text("Open-source user", exact=True).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recommendations updated for: Open-source user.")).to_be_visible()
    expect(recommendations.get_by_role("heading", name="Self-host with Docker")).to_be_visible()
    expect(recommendations.get_by_role("heading", name="Add a second admin")).to_have_count(0)


def test_sign_up_errors_are_shown_beside_the_fields(page, mail):
    page.goto("/accounts/signup/")
    page.get_by_role("textbox", name="Email", exact=True).fill("not-an-email")
    page.get_by_role("textbox", name="Password", exact=True).fill("password")
    page.get_by_role("textbox", name="Confirm password", exact=True).fill("something-else")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_text("This password is too common.")).to_be_visible()
    assert mail.messages == []
    assert_accessible(page)
    screenshot(page, "signup-errors")


def test_a_taken_email_reveals_nothing_and_tells_the_owner(page, mail):
    """allauth's enumeration protection: the page does not say the address has an
    account; the account's owner gets an email instead, and no account is made."""
    factories.UserFactory(email="ada@example.com")
    page.goto("/accounts/signup/")
    page.get_by_role("textbox", name="Email", exact=True).fill("ADA@example.com")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    [message] = mail.wait_for(1)
    assert message["To"] == "ada@example.com"
    assert "already" in message["Subject"].lower()


def test_password_reset_by_email_then_log_in(page, mail):
    factories.UserFactory(email="ada@example.com")
    page.goto("/accounts/login/")
    assert_accessible(page)
    screenshot(page, "login")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    screenshot(page, "password-reset")
    page.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    page.get_by_role("button", name="Send reset link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert_accessible(page)

    [message] = mail.wait_for(1)
    link = RESET_LINK.search(message.get_body(preferencelist=("plain",)).get_content()).group(0)
    page.goto(link)
    assert_accessible(page)
    screenshot(page, "password-reset-confirm")
    page.get_by_role("textbox", name="New password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm new password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    # By keyboard alone: the email field has the focus, Tab to the password, Enter submits.
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_be_focused()
    page.keyboard.type("Ada@Example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)
