"""Require single sign-on, enforced by the tenant-scoping mixin, against the real provider."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tenants.models import ActivityEvent, Tenant
from tests import factories
from tests.sso.test_oidc_journeys import configure, start_sso, tab_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def idp(identity_provider, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    return identity_provider


def get_started(tenant) -> str:
    return reverse("onboarding:get_started", kwargs={"tenant_id": tenant.public_id})


def provider_url_of(page) -> str:
    """Where the "continue to your identity provider" page moves on to (by itself, and
    by its link): a page, not a redirect, so the log-in form's form-action cannot stop it."""
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    link = re.search(r'href="([^"]+)" data-testid="to-provider"', html)
    assert link, html[:2000]
    url = unescape(link.group(1))
    assert f'http-equiv="refresh" content="0; url={link.group(1)}"' in html
    return url


def require(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(require_single_sign_on=True)


def test_requiring_needs_the_admin_signed_in_through_the_connection(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    client.force_login(sso_admin.user)  # a password session

    response = client.post(tab_url(tenant, "require"), {"required": "on"}, follow=True)

    assert "Sign in through the connection yourself first" in response.content.decode()
    tenant.refresh_from_db()
    assert not tenant.require_single_sign_on
    assert not ActivityEvent.objects.filter(action="sso.requirement_changed").exists()

    client.logout()
    client.get(idp.sign_in(start_sso(client, sso_admin.user.email), "admin_at_example-corp.test"))
    client.post(tab_url(tenant, "require"), {"required": "on"})

    tenant.refresh_from_db()
    assert tenant.require_single_sign_on
    entry = ActivityEvent.objects.get(action="sso.requirement_changed")
    assert entry.details == {"required": True}


def test_requiring_a_connection_that_is_not_enabled_is_refused(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp, enable=False)
    client.force_login(sso_admin.user)
    session = client.session
    session["sso_tenants"] = [tenant.public_id]
    session.save()

    client.post(tab_url(tenant, "require"), {"required": "on"})

    tenant.refresh_from_db()
    assert not tenant.require_single_sign_on


def test_a_password_session_at_the_domain_is_sent_to_the_provider_and_back(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    require(tenant)
    member = factories.MembershipFactory(tenant=tenant, user__email="pat@example-corp.test").user
    person = idp.add_person(member.email)
    client.force_login(member)
    members_page = reverse("members:list", kwargs={"tenant_id": tenant.public_id})

    response = client.get(members_page)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse(
        "sso:continue", kwargs={"tenant_id": tenant.public_id}
    )
    provider_url = provider_url_of(client.get(response["Location"]))
    assert provider_url.startswith(idp.issuer)
    back = client.get(idp.sign_in(provider_url, person))
    assert back["Location"] == members_page
    assert client.get(members_page).status_code == 200


def test_a_post_without_single_sign_on_changes_nothing(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    require(tenant)
    client.force_login(sso_admin.user)
    before = tenant.name

    response = client.post(
        reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id}),
        {"name": "Renamed"},
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == before


def test_a_guest_at_another_domain_is_not_affected(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    require(tenant)
    guest = factories.MembershipFactory(tenant=tenant, user__email="consultant@agency.test").user
    client.force_login(guest)

    assert client.get(get_started(tenant)).status_code == 200


def test_an_admin_with_two_step_can_always_open_the_tab(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    require(tenant)
    factories.give_two_step(sso_admin.user)
    client.force_login(sso_admin.user)

    assert client.get(get_started(tenant)).status_code == 302  # other pages: the provider
    assert client.get(tab_url(tenant)).status_code == 200
    client.post(tab_url(tenant, "disable"))  # the broken provider is switched off
    tenant.refresh_from_db()
    assert not tenant.require_single_sign_on
    assert client.get(get_started(tenant)).status_code == 200


def test_an_admin_without_two_step_is_sent_to_the_provider_even_for_the_tab(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    require(tenant)
    client.force_login(sso_admin.user)

    assert client.get(tab_url(tenant)).status_code == 302
