"""The Webhooks tab: admins only, the secret shown once, refusals with clear messages."""

import socket

import pytest
from django.urls import reverse

from console.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tenants.models import ActivityEvent
from tests import factories
from tests.webhooks.test_guard import resolving_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14"))


def url(tenant, name, **kwargs):
    return reverse(f"webhooks:{name}", kwargs={"tenant_id": tenant.public_id, **kwargs})


def test_admin_adds_a_webhook_and_sees_its_secret_once(admin_client, tenant):
    response = admin_client.post(
        url(tenant, "create"),
        {"url": "https://hooks.example.com/in", "events": ["member.joined", "member.removed"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "list")
    assert endpoint.secret not in response["Location"]

    page = admin_client.get(url(tenant, "list")).content.decode()
    assert endpoint.secret in page
    assert "it will not be shown again" in page
    assert "Member joined, Member removed" in page

    again = admin_client.get(url(tenant, "list")).content.decode()
    assert endpoint.secret not in again
    assert "https://hooks.example.com/in" in again


def test_a_private_url_is_refused_in_the_form_with_a_clear_message(
    admin_client, tenant, monkeypatch
):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("127.0.0.1"))
    response = admin_client.post(
        url(tenant, "create"), {"url": "https://localhost/hooks", "events": ["member.joined"]}
    )
    assert response.status_code == 200
    assert "points to a private, loopback or link-local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert not ActivityEvent.objects.filter(action="webhook.created").exists()


def test_a_form_without_events_is_refused(admin_client, tenant):
    response = admin_client.post(url(tenant, "create"), {"url": "https://hooks.example.com/in"})
    assert "Choose at least one event." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_edits_a_webhook(admin_client, tenant, make_endpoint):
    endpoint = make_endpoint()
    page = admin_client.get(url(tenant, "edit", pk=endpoint.pk)).content.decode()
    assert 'value="https://hooks.example.com/in"' in page
    response = admin_client.post(
        url(tenant, "edit", pk=endpoint.pk),
        {"url": "https://hooks.example.com/v2", "events": ["member.left"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://hooks.example.com/v2", ["member.left"])


def test_rotate_shows_the_new_secret_once(admin_client, tenant, make_endpoint):
    endpoint = make_endpoint()
    old = endpoint.secret
    admin_client.post(url(tenant, "rotate", pk=endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    page = admin_client.get(url(tenant, "list")).content.decode()
    assert endpoint.secret in page and old not in page


def test_reenable_and_send_test_event_buttons(admin_client, tenant, make_endpoint, mailoutbox):
    endpoint = make_endpoint(enabled=False, consecutive_failures=50)
    page = admin_client.get(url(tenant, "list")).content.decode()
    assert "Disabled" in page and "Re-enable" in page and "Send test event" not in page

    admin_client.post(url(tenant, "enable", pk=endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.enabled

    page = admin_client.get(url(tenant, "list")).content.decode()
    assert "Send test event" in page
    admin_client.post(url(tenant, "test", pk=endpoint.pk))
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="webhook.test").exists()


def test_delete(admin_client, tenant, make_endpoint):
    endpoint = make_endpoint()
    response = admin_client.post(url(tenant, "delete", pk=endpoint.pk))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_the_tab_lists_recent_attempts(admin_client, tenant, make_endpoint):
    endpoint = make_endpoint()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="member.joined", payload={}
    )
    WebhookAttempt.objects.create(
        delivery=delivery, endpoint=endpoint, status_code=503, duration_ms=87, error="HTTP 503"
    )
    page = admin_client.get(url(tenant, "list")).content.decode()
    assert "503" in page and "87 ms" in page and "member.joined" in page


def _seed(tenant, make_endpoint, endpoints: int, attempts: int):
    for _ in range(endpoints):
        endpoint = make_endpoint()
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="member.joined", payload={}
        )
        WebhookAttempt.objects.bulk_create(
            WebhookAttempt(delivery=delivery, endpoint=endpoint, status_code=200)
            for _ in range(attempts)
        )


def test_the_tab_queries_do_not_grow_with_endpoints_or_attempts(
    admin_client, tenant, make_endpoint, django_assert_num_queries
):
    # Breakdown (6): session, user, the user's memberships (header), the
    # endpoints, the newest attempts of each (one window query), whether the
    # header has offers (none here: neither list runs).
    _seed(tenant, make_endpoint, endpoints=1, attempts=1)
    admin_client.get(url(tenant, "list"))  # the first visit also stores the current tenant
    with django_assert_num_queries(6):
        admin_client.get(url(tenant, "list"))
    _seed(tenant, make_endpoint, endpoints=8, attempts=30)
    with django_assert_num_queries(6):
        page = admin_client.get(url(tenant, "list")).content.decode()
    # Each endpoint lists its 10 newest attempts, not all 30.
    assert page.count('data-label="Duration"') == 1 + 8 * 10


def test_only_the_ten_newest_attempts_of_each_endpoint_are_listed(
    admin_client, tenant, make_endpoint
):
    _seed(tenant, make_endpoint, endpoints=2, attempts=15)
    page = admin_client.get(url(tenant, "list")).content.decode()
    assert page.count('data-label="Duration"') == 2 * 10


# -- Who may: collaborators 403, strangers 404, another tenant's ids 404 -----------------------


def every_url(tenant, endpoint):
    pk = {"pk": endpoint.pk}
    return [
        ("get", url(tenant, "list")),
        ("get", url(tenant, "create")),
        ("post", url(tenant, "create")),
        ("get", url(tenant, "edit", **pk)),
        ("post", url(tenant, "edit", **pk)),
        ("post", url(tenant, "delete", **pk)),
        ("post", url(tenant, "rotate", **pk)),
        ("post", url(tenant, "enable", **pk)),
        ("post", url(tenant, "test", **pk)),
    ]


def snapshot():
    return (
        sorted(WebhookEndpoint.objects.values_list("pk", "url", "secret", "enabled")),
        WebhookDelivery.objects.count(),
        ActivityEvent.objects.count(),
    )


def test_a_collaborator_gets_403_on_every_webhook_url(collaborator_client, tenant, make_endpoint):
    endpoint = make_endpoint(enabled=False)
    before = snapshot()
    for method, address in every_url(tenant, endpoint):
        data = {"url": "https://hooks.example.com/x", "events": ["member.left"]}
        response = getattr(collaborator_client, method)(address, data)
        assert response.status_code == 403, (method, address)
    assert snapshot() == before


def test_a_non_member_gets_404_on_every_webhook_url(client, tenant, outsider, make_endpoint):
    endpoint = make_endpoint(enabled=False)
    client.force_login(outsider)
    before = snapshot()
    for method, address in every_url(tenant, endpoint):
        response = getattr(client, method)(address)
        assert response.status_code == 404, (method, address)
        assert tenant.name not in response.content.decode()
    assert snapshot() == before


def test_another_tenants_endpoint_under_ones_own_tenant_is_404(admin_client, tenant, make_endpoint):
    theirs = make_endpoint(tenant=factories.TenantFactory(), enabled=False)
    before = snapshot()
    for method, address in every_url(tenant, theirs)[3:]:
        response = getattr(admin_client, method)(address)
        assert response.status_code == 404, (method, address)
    assert snapshot() == before


def test_the_nav_shows_webhooks_to_admins_only(admin_client, collaborator, tenant, client):
    settings_url = reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})
    assert url(tenant, "list") in admin_client.get(settings_url).content.decode()
    client.force_login(collaborator)
    assert url(tenant, "list") not in client.get(settings_url).content.decode()
