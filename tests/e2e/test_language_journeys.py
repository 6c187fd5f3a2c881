"""Languages in real Chromium: a German admin invites in French; screenshots per language."""

import re
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_accessible, link_in, log_in, message_to, screenshot

PASSWORD = "a-long-and-unusual-passphrase"
GET_STARTED = re.compile(r"/t/[a-z0-9]+/get-started/$")


def test_german_admin_invites_in_french_and_the_invitee_accepts_in_french(browser_in, mail):
    factories.AdminMembershipFactory(
        user__email="greta@example.com",
        user__name="Greta",
        user__language="de",
        user__time_zone="Europe/Berlin",
        tenant__name="Acme",
    )
    # The admin's browser asks for English; her account says German, which wins.
    admin = browser_in("en-US")
    log_in(admin, "greta@example.com")
    expect(admin.locator("html")).to_have_attribute("lang", "de")
    admin.get_by_role("link", name="Mitglieder", exact=True).first.click()
    admin.get_by_role("link", name="Mitglieder einladen").click()
    expect(admin.get_by_role("heading", name="Mitglieder einladen")).to_be_visible()
    language = admin.get_by_role("combobox", name="Sprache der E-Mail")
    expect(language).to_have_value("de")  # the inviter's language by default
    language.select_option("fr")
    admin.get_by_role("textbox", name="E-Mail-Adressen").fill("lea@example.com")
    admin.get_by_role("button", name="Einladungen senden").click()
    expect(admin.get_by_text("1 Einladung als Mitarbeiter gesendet.")).to_be_visible()

    # The email is French, subject included, and states the expiry in Berlin time.
    message = message_to(mail.wait_for(1), "lea@example.com")
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Greta vous invite à rejoindre Acme"
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Accepter l’invitation" in body and "(Europe/Berlin)" in body

    # The invitee's browser is French: the pages are too, through to joining.
    invitee = browser_in("fr-FR")
    invitee.goto(link_in(message))
    expect(invitee.locator("html")).to_have_attribute("lang", "fr")
    expect(invitee.get_by_role("heading", name="Acme")).to_be_visible()
    expect(invitee.get_by_text("Vous êtes invité à rejoindre")).to_be_visible()
    invitee.get_by_role("main").get_by_role("link", name="S’inscrire").click()
    expect(invitee.get_by_role("textbox", name="E-mail", exact=True)).to_have_value(
        "lea@example.com"
    )
    invitee.get_by_role("textbox", name="Nom", exact=True).fill("Léa Martin")
    invitee.get_by_role("textbox", name="Mot de passe", exact=True).fill(PASSWORD)
    invitee.get_by_role("textbox", name="Confirmez le mot de passe", exact=True).fill(PASSWORD)
    invitee.get_by_role("button", name="Créer le compte").click()
    invitee.get_by_role("button", name="Accepter l’invitation").click()
    invitee.wait_for_url(GET_STARTED)
    expect(
        invitee.get_by_text(
            "Bienvenue dans Acme\u00a0! Vous l’avez rejoint en tant que Collaborateur."
        )
    ).to_be_visible()
    expect(invitee.get_by_role("heading", name="Premiers pas")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_screenshots_per_language(browser_in, language):
    """Get started, Members and the invite form, in each language (docs/screenshots)."""
    membership = factories.AdminMembershipFactory(
        user__email="ada@example.com",
        user__name="Ada Admin",
        user__language=language,
        tenant__name="Acme",
    )
    factories.MembershipFactory(tenant=membership.tenant, user__name="Bo Brown")
    # Logged in from an English page: the account's saved language takes over.
    page = browser_in("en-US")
    log_in(page, "ada@example.com")
    page.wait_for_url(GET_STARTED)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page)
    screenshot(page, f"get-started-{language}")
    tenant = {"tenant_id": membership.tenant.public_id}
    page.goto(reverse("members:list", kwargs=tenant))
    expect(page.locator("#member-table")).to_contain_text("Bo Brown")
    assert_accessible(page)
    screenshot(page, f"members-{language}")
    page.goto(reverse("tenant_invitations:invite", kwargs=tenant))
    expect(page.locator("textarea[name=emails]")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"invite-{language}")
