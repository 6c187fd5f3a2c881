"""Single sign-on with SAML 2.0 in real Chromium against a real SAML identity provider.

The provider is pysaml2's (``tests/sso/saml_idp``) in a subprocess on
127.0.0.1, signing with ``xmlsec1``; Chromium goes through its sign-in form
and its page posts the signed answer back to the console's ACS, cross-site,
as with Okta or Entra ID.
"""

import re

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from console.accounts.models import SecurityAction, SecurityEvent, User
from console.sso.models import Protocol, SsoConnection, provider_id_for
from console.sso.services import (
    sso_connection_enable,
    sso_connection_test_passed,
    sso_saml_connection_save,
)
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.models import Tenant
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.e2e.test_identity_journeys import totp_now
from tests.sso.saml import SamlIdentityProvider


@pytest.fixture(scope="module")
def saml_provider(tmp_path_factory):
    provider = SamlIdentityProvider(tmp_path_factory.mktemp("saml-idp"))
    yield provider
    provider.stop()


@pytest.fixture
def idp(saml_provider):
    saml_provider.reset()
    return saml_provider


@pytest.fixture
def acme(db, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    admin = factories.AdminMembershipFactory(
        user__email="ada@acme.test", user__name="Ada Admin", tenant__name="Acme"
    )
    factories.DomainFactory(tenant=admin.tenant, name="acme.test", verified=True)
    return admin


def tab_url(tenant) -> str:
    return reverse("tenant_sso:settings", kwargs={"tenant_id": tenant.public_id})


def register_console(idp, site, tenant) -> None:
    """The admin's step at the identity provider: it reads the console's metadata URL."""
    path = reverse("saml_metadata", kwargs={"organization_slug": provider_id_for(tenant)})
    response = requests.get(f"{site}{path}", timeout=10)
    assert response.status_code == 200, response.text[:500]
    idp.add_service_provider(response.text)


def enabled_connection(idp, site, admin) -> SsoConnection:
    connection = sso_saml_connection_save(
        tenant=admin.tenant, actor=Actor.member(admin.user), metadata_url=idp.metadata_url
    )
    register_console(idp, site, admin.tenant)
    sso_connection_test_passed(connection=connection, version=connection.version)
    return sso_connection_enable(connection=connection, actor=Actor.member(admin.user))


def sign_in_at_provider(page, idp, username: str) -> None:
    try:
        page.wait_for_url(lambda url: url.startswith(idp.base))
    except Exception:
        raise AssertionError(f"not at the provider: {page.url} {page.content()[:3000]}") from None
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("idp-passw0rd")
    page.get_by_role("button", name="Sign in").click()


def sign_in_with_sso(page, idp, email: str, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.get_by_role("textbox", name="Work email").fill(email)
    page.get_by_role("button", name="Continue").click()
    sign_in_at_provider(page, idp, username)


def test_an_admin_configures_tests_and_enables_saml_and_a_new_person_signs_in(
    page, new_page, site, idp, acme
):
    tenant = acme.tenant
    ada_at_idp = idp.add_person("ada@acme.test")
    log_in(page, "ada@acme.test")
    page.goto(tab_url(tenant))
    expect(page.get_by_test_id("saml-acs-url")).to_contain_text("/acs/")
    expect(page.get_by_test_id("saml-entity-id")).to_contain_text("/metadata/")
    page.get_by_text("SAML 2.0", exact=True).click()  # open its form
    saml_form = page.get_by_test_id("saml-form")
    saml_form.get_by_role("textbox", name="IdP metadata URL").fill(idp.metadata_url)
    saml_form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("sso-status")).to_have_text("Not tested")
    expect(page.get_by_role("button", name="Enable")).to_have_count(0)
    register_console(idp, site, tenant)

    page.get_by_role("button", name="Test sign-in").click()
    sign_in_at_provider(page, idp, ada_at_idp)
    expect(page.get_by_text("Test sign-in succeeded as ada@acme.test")).to_be_visible()
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_test_id("sso-status")).to_have_text("Enabled")
    connection = SsoConnection.objects.get(tenant=tenant)
    assert connection.enabled and connection.protocol == Protocol.SAML

    # A new person at acme.test, who has never been to the console.
    bo_at_idp = idp.add_person("bo@acme.test", given_name="Bo", family_name="Builder")
    bo = new_page()
    sign_in_with_sso(bo, idp, "bo@acme.test", bo_at_idp)
    bo.wait_for_url(lambda url: "/get-started/" in url)

    user = User.objects.get(email="bo@acme.test")
    assert user.name == "Bo Builder"
    assert not user.has_usable_password()
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.COLLABORATOR
    assert SecurityEvent.objects.filter(
        user=user, action=SecurityAction.SIGNED_IN_WITH_SSO
    ).exists()


def test_an_existing_password_account_signs_in_with_saml_and_keeps_it(new_page, site, idp, acme):
    enabled_connection(idp, site, acme)
    existing = factories.UserFactory(email="cy@acme.test")
    cy_at_idp = idp.add_person("cy@acme.test")

    page = new_page()
    sign_in_with_sso(page, idp, "cy@acme.test", cy_at_idp)
    page.wait_for_url(lambda url: "/get-started/" in url)

    assert User.objects.filter(email="cy@acme.test").count() == 1
    existing.refresh_from_db()
    assert existing.check_password(factories.TEST_PASSWORD)
    assert Membership.objects.filter(tenant=acme.tenant, user=existing).exists()


def test_an_address_outside_the_verified_domains_is_refused_by_saml(new_page, site, idp, acme):
    enabled_connection(idp, site, acme)
    outsider = idp.add_person("mallory@elsewhere.test")
    users = User.objects.count()

    page = new_page()
    sign_in_with_sso(page, idp, "someone@acme.test", outsider)

    expect(page.get_by_test_id("sso-refusal")).to_contain_text("not at a verified domain")
    assert User.objects.count() == users


def test_require_single_sign_on_with_saml_in_the_browser(new_page, site, idp, acme):
    """A password sign-in at the domain goes on to the provider (past the log-in form's
    form-action) and back; a guest does not; an admin with two-step verification
    still reaches the tab."""
    tenant = acme.tenant
    enabled_connection(idp, site, acme)
    Tenant.objects.filter(pk=tenant.pk).update(require_single_sign_on=True)
    members_page = reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    pat = factories.MembershipFactory(tenant=tenant, user__email="pat@acme.test").user
    pat_at_idp = idp.add_person(pat.email)

    page = new_page()
    page.goto(f"/accounts/login/?next={members_page}")
    page.get_by_role("textbox", name="Email", exact=True).fill(pat.email)
    page.get_by_role("textbox", name="Password", exact=True).fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    sign_in_at_provider(page, idp, pat_at_idp)
    page.wait_for_url(lambda url: url.endswith(members_page))
    expect(page.get_by_role("heading", name="Members").first).to_be_visible()

    factories.MembershipFactory(tenant=tenant, user__email="guest@agency.test")
    guest = new_page()
    log_in(guest, "guest@agency.test")
    guest.goto(members_page)
    expect(guest).to_have_url(re.compile(re.escape(members_page) + "$"))

    secret = factories.give_two_step(acme.user)
    admin = new_page()
    admin.goto("/accounts/login/")
    admin.get_by_role("textbox", name="Email", exact=True).fill(acme.user.email)
    admin.get_by_role("textbox", name="Password", exact=True).fill(factories.TEST_PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    admin.get_by_role("textbox", name="Code").fill(totp_now(secret))
    admin.get_by_role("button", name="Sign In").click()
    admin.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    admin.goto(tab_url(tenant))
    expect(admin).to_have_url(re.compile(re.escape(tab_url(tenant)) + "$"))
    expect(admin.get_by_test_id("sso-required")).to_have_text("Required")


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_saml_screenshots_per_language(browser_in, site, idp, acme, language):
    """The Single sign-on tab with a SAML connection and the sign-in page's SSO step,
    both widths, axe-clean."""
    tenant = acme.tenant
    acme.user.language = language
    acme.user.save(update_fields=["language"])
    enabled_connection(idp, site, acme)

    page = browser_in("en-US")
    log_in(page, "ada@acme.test")
    page.goto(tab_url(tenant))
    expect(page.locator("html")).to_have_attribute("lang", language)
    # Ports change per run: the screenshot shows fixed hosts.
    page.evaluate(
        """(() => {
        const fix = (s) => s.replace(/http:\\/\\/127\\.0\\.0\\.1:\\d+/g, 'https://idp.acme.test')
                            .replace(/http:\\/\\/(localhost|127\\.0\\.0\\.1):\\d+/g,
                                     'https://console.example.com');
        for (const el of document.querySelectorAll('code, .font-monospace')) {
          el.textContent = fix(el.textContent);
        }
        for (const el of document.querySelectorAll('input[name=metadata_url]')) {
          el.value = fix(el.value);
        }
        })()"""
    )
    assert_accessible(page)
    screenshot(page, f"sso-saml-{language}")

    visitor = browser_in({"en": "en-US", "de": "de-DE", "fr": "fr-FR"}[language])
    visitor.goto(reverse("sso:sign_in"))
    visitor.get_by_role("textbox").first.fill("bo@acme.test")
    expect(visitor.locator("html")).to_have_attribute("lang", language)
    assert_accessible(visitor)
    screenshot(visitor, f"sso-saml-sign-in-{language}")
