"""Operators can find webhook endpoints, deliveries and attempts, read-only, without secrets."""

import pytest
from django.urls import reverse

from console.webhooks.models import WebhookAttempt, WebhookDelivery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_operator_finds_endpoints_deliveries_and_attempts_but_not_secrets(
    operator_client, make_endpoint
):
    endpoint = make_endpoint(url="https://findme.example.com/in")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="member.joined", payload={}
    )
    WebhookAttempt.objects.create(delivery=delivery, endpoint=endpoint, status_code=502)

    for model in ("webhookendpoint", "webhookdelivery", "webhookattempt"):
        response = operator_client.get(reverse(f"admin:webhooks_{model}_changelist"), {"q": ""})
        assert response.status_code == 200
    page = operator_client.get(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert "findme.example.com" in page
    assert endpoint.secret not in page


def test_operators_cannot_add_change_or_delete_endpoints(operator_client, make_endpoint):
    endpoint = make_endpoint()
    assert operator_client.get(reverse("admin:webhooks_webhookendpoint_add")).status_code == 403
    response = operator_client.post(
        reverse("admin:webhooks_webhookendpoint_delete", args=[endpoint.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert type(endpoint).objects.filter(pk=endpoint.pk).exists()
