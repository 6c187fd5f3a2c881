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
