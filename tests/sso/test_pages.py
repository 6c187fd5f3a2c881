"""The two pages whose forms lead on to the provider widen form-action; no other page does."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_sso_sign_in_page_lets_its_form_lead_to_the_provider(client, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    policy = client.get(reverse("sso:sign_in"))["Content-Security-Policy"]
    assert "form-action 'self' https:;" in policy
    assert "http:;" not in policy  # plain http only for a local provider


def test_the_log_in_page_keeps_form_action_self(client):
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "form-action 'self';" in policy


def test_the_tab_lets_test_sign_in_lead_to_the_provider(client, sso_admin):
    client.force_login(sso_admin.user)
    url = reverse("tenant_sso:settings", kwargs={"tenant_id": sso_admin.tenant.public_id})
    assert "form-action 'self' https:" in client.get(url)["Content-Security-Policy"]


def test_the_tab_shows_what_to_enter_for_saml_and_its_form(client, sso_admin):
    client.force_login(sso_admin.user)
    tenant = sso_admin.tenant
    page = client.get(
        reverse("tenant_sso:settings", kwargs={"tenant_id": tenant.public_id})
    ).content.decode()
    slug = f"tenant-{tenant.public_id}"
    assert f"http://testserver/accounts/saml/{slug}/acs/" in page
    assert f"http://testserver/accounts/saml/{slug}/metadata/" in page
    assert "nameid-format:emailAddress" in page
    assert 'name="metadata_url"' in page and 'name="metadata_xml"' in page


def test_a_saml_metadata_error_is_shown_beside_its_field_and_nothing_saved(client, sso_admin):
    from console.sso.models import SsoConnection

    client.force_login(sso_admin.user)
    url = reverse("tenant_sso:settings", kwargs={"tenant_id": sso_admin.tenant.public_id})

    response = client.post(url, {"protocol": "saml", "metadata_xml": "<not-metadata/>"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This is not an identity provider" in page
    assert 'id="error_1_id_metadata_xml"' in page
    assert '<details open data-testid="saml-form">' in page  # the form posted stays open
    assert not SsoConnection.objects.exists()
