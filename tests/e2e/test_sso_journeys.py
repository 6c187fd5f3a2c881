"""Single sign-on in real Chromium against a real OpenID Connect provider (issue 22).

The provider is django-allauth's own (``tests/sso/idp_project``) in a
subprocess on 127.0.0.1; Chromium goes through its real log-in form.
"""

import secrets

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from console.accounts.models import SecurityAction, SecurityEvent, User
from console.sso.models import SsoConnection, provider_id_for
from console.sso.services import (
    sso_connection_enable,
    sso_connection_save,
    sso_connection_test_passed,
)
from members.models import Membership, Role
from tenants.actors import Actor
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.sso.idp import IdentityProvider


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    provider = IdentityProvider(tmp_path_factory.mktemp("idp"))
    yield provider
    provider.stop()


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


def register_client(idp, site, tenant) -> tuple[str, str]:
    client_id, secret = f"console-{tenant.public_id}", secrets.token_urlsafe(24)
    callback = reverse("openid_connect_callback", kwargs={"provider_id": provider_id_for(tenant)})
    idp.add_client(client_id, secret, f"{site}{callback}")
    return client_id, secret


def sign_in_at_provider(page, idp, username: str) -> None:
    try:
        page.wait_for_url(lambda url: url.startswith(idp.issuer))
    except Exception:
        raise AssertionError(f"not at the provider: {page.url} {page.content()[:3000]}") from None
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill("idp-passw0rd")
    page.locator("form [type=submit]").first.click()


def test_an_admin_enables_sso_and_a_new_person_signs_in_with_it(page, new_page, site, idp, acme):
    tenant = acme.tenant
    client_id, secret = register_client(idp, site, tenant)
    ada_at_idp = idp.add_person("ada@acme.test")
    log_in(page, "ada@acme.test")
    page.goto(tab_url(tenant))
    expect(page.get_by_test_id("redirect-uri")).to_contain_text("/login/callback/")
    page.get_by_role("textbox", name="Issuer URL").fill(idp.issuer)
    page.get_by_role("textbox", name="Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("sso-status")).to_have_text("Not tested")
    expect(page.get_by_role("button", name="Enable")).to_have_count(0)

    page.get_by_role("button", name="Test sign-in").click()
    sign_in_at_provider(page, idp, ada_at_idp)
    expect(page.get_by_text("Test sign-in succeeded as ada@acme.test")).to_be_visible()
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_test_id("sso-status")).to_have_text("Enabled")
    assert SsoConnection.objects.get(tenant=tenant).enabled
    assert secret not in page.content()

    # A new person at acme.test, who has never been to the console.
    bo_at_idp = idp.add_person("bo@acme.test", name="Bo Builder")
    bo = new_page()
    bo.goto("/accounts/login/")
    bo.get_by_role("link", name="Sign in with SSO").click()
    bo.get_by_role("textbox", name="Work email").fill("bo@acme.test")
    bo.get_by_role("button", name="Continue").click()
    sign_in_at_provider(bo, idp, bo_at_idp)
    bo.wait_for_url(lambda url: "/get-started/" in url)

    user = User.objects.get(email="bo@acme.test")
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.COLLABORATOR
    assert SecurityEvent.objects.filter(
        user=user, action=SecurityAction.SIGNED_IN_WITH_SSO
    ).exists()


def test_an_address_outside_the_verified_domains_is_refused_in_the_browser(
    new_page, site, idp, acme
):
    tenant = acme.tenant
    client_id, secret = register_client(idp, site, tenant)
    connection = sso_connection_save(
        tenant=tenant,
        actor=Actor.member(acme.user),
        issuer=idp.issuer,
        client_id=client_id,
        client_secret=secret,
    )
    sso_connection_test_passed(connection=connection, version=connection.version)
    sso_connection_enable(connection=connection, actor=Actor.member(acme.user))
    outsider = idp.add_person("mallory@elsewhere.test")
    users = User.objects.count()

    page = new_page()
    page.goto(reverse("sso:sign_in"))
    page.get_by_role("textbox", name="Work email").fill("someone@acme.test")
    page.get_by_role("button", name="Continue").click()
    sign_in_at_provider(page, idp, outsider)

    expect(page.get_by_test_id("sso-refusal")).to_contain_text("not at a verified domain")
    assert User.objects.count() == users


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_sso_screenshots_per_language(browser_in, site, idp, acme, language):
    """The Single sign-on tab (enabled) and the sign-in page's SSO step, both widths, axe-clean."""
    tenant = acme.tenant
    acme.user.language = language
    acme.user.save(update_fields=["language"])
    client_id, secret = register_client(idp, site, tenant)
    connection = sso_connection_save(
        tenant=tenant,
        actor=Actor.member(acme.user),
        issuer=idp.issuer,
        client_id=client_id,
        client_secret=secret,
    )
    sso_connection_test_passed(connection=connection, version=connection.version)
    sso_connection_enable(connection=connection, actor=Actor.member(acme.user))

    page = browser_in("en-US")
    log_in(page, "ada@acme.test")
    page.goto(tab_url(tenant))
    expect(page.locator("html")).to_have_attribute("lang", language)
    # The issuer's port changes per run: the screenshot shows a fixed one.
    page.evaluate(
        "for (const el of document.querySelectorAll('.font-monospace, input[name=issuer]'))"
        " { if (el.value) { el.value = 'https://idp.acme.test'; }"
        " else { el.textContent = 'https://idp.acme.test'; } }"
    )
    assert_accessible(page)
    screenshot(page, f"sso-{language}")

    visitor = browser_in({"en": "en-US", "de": "de-DE", "fr": "fr-FR"}[language])
    visitor.goto(reverse("sso:sign_in"))
    expect(visitor.locator("html")).to_have_attribute("lang", language)
    assert_accessible(visitor)
    screenshot(visitor, f"sso-sign-in-{language}")
