"""A webhook URL's query string and user info may hold a secret: they are stored for
delivery but never shown or sent (activity entries, their webhook payloads, the tab)."""

import json
import socket

import pytest
from django.urls import reverse

from console.webhooks.activity import WebhookAction
from console.webhooks.models import WebhookDelivery, WebhookEndpoint, redacted_url
from tenants.models import ActivityEvent
from tests.webhooks.test_guard import resolving_to

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-t0ken"
WITH_TOKEN = f"https://hooks.example.com/in?token={SECRET}"
SHOWN = "https://hooks.example.com/in?…"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14"))


def url(tenant, name, **kwargs):
    return reverse(f"webhooks:{name}", kwargs={"tenant_id": tenant.public_id, **kwargs})


def add_webhook(admin_client, tenant, address=WITH_TOKEN):
    response = admin_client.post(url(tenant, "create"), {"url": address, "events": ["member.left"]})
    assert response.status_code == 302
    return WebhookEndpoint.objects.get(url=address)


@pytest.mark.parametrize(
    "address, shown",
    [
        ("https://hooks.example.com/in", "https://hooks.example.com/in"),
        ("https://hooks.example.com/in?token=abc", "https://hooks.example.com/in?…"),
        ("https://hooks.example.com:8443/a/b?x=1&y=2", "https://hooks.example.com:8443/a/b?…"),
        ("https://user:pass@hooks.example.com/in", "https://hooks.example.com/in"),
        ("https://pass@hooks.example.com/in?t=1#frag", "https://hooks.example.com/in?…"),
        ("https://hooks.example.com/in#token=abc", "https://hooks.example.com/in#…"),
        ("https://[2001:db8::1]/in?t=1", "https://[2001:db8::1]/in?…"),
    ],
)
def test_the_shown_url_has_no_query_string_or_user_info(address, shown):
    assert redacted_url(address) == shown


def test_the_created_entry_names_the_url_without_its_query(admin_client, tenant):
    add_webhook(admin_client, tenant)

    entry = ActivityEvent.objects.get(tenant=tenant, action=WebhookAction.CREATED)
    assert entry.details["url"] == SHOWN
    assert SECRET not in json.dumps(entry.details)


def test_the_created_events_payload_carries_no_token(admin_client, tenant, make_endpoint):
    # given an endpoint that listens for new webhooks
    listener = make_endpoint(url="https://audit.example.com/in", events=["webhook.created"])

    add_webhook(admin_client, tenant)

    [delivery] = WebhookDelivery.objects.filter(endpoint=listener)
    assert delivery.payload["data"]["details"]["url"] == SHOWN
    assert SECRET not in json.dumps(delivery.payload)


def test_the_real_url_is_kept_for_delivery(admin_client, tenant):
    endpoint = add_webhook(admin_client, tenant)

    assert endpoint.url == WITH_TOKEN


def test_the_tab_shows_the_url_without_its_query(admin_client, tenant):
    add_webhook(admin_client, tenant)

    page = admin_client.get(url(tenant, "list")).content.decode()

    assert SHOWN in page
    assert SECRET not in page


def test_the_activity_tab_shows_no_token(admin_client, tenant):
    add_webhook(admin_client, tenant)

    page = admin_client.get(
        reverse("tenant_settings:activity", kwargs={"tenant_id": tenant.public_id})
    ).content.decode()

    assert "Webhook created" in page
    assert SECRET not in page


def test_changing_rotating_and_deleting_record_no_token(admin_client, tenant):
    endpoint = add_webhook(admin_client, tenant)
    admin_client.post(
        url(tenant, "edit", pk=endpoint.pk),
        {"url": WITH_TOKEN.replace(SECRET, SECRET + "-2"), "events": ["member.joined"]},
    )
    admin_client.post(url(tenant, "rotate", pk=endpoint.pk))
    admin_client.post(url(tenant, "delete", pk=endpoint.pk))

    entries = ActivityEvent.objects.filter(tenant=tenant, action__startswith="webhook.")
    assert entries.count() == 4
    assert SECRET not in json.dumps([entry.details for entry in entries])


def test_the_form_does_not_suggest_a_token_in_the_query(admin_client, tenant):
    page = admin_client.get(url(tenant, "create")).content.decode()

    assert "signed with the webhook’s secret" in page
    assert "rather than putting a token in the address" in page
