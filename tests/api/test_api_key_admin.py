"""Operators find API keys in the Django admin, read-only."""

import pytest
from django.urls import reverse

from console.api.models import ApiKey
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_operator_finds_a_key_by_the_prefix_a_customer_quotes(operator_client, make_key):
    api_key, key = make_key(factories.AdminMembershipFactory(), name="HR system")
    make_key(factories.AdminMembershipFactory(), name="Other")
    response = operator_client.get(reverse("admin:api_apikey_changelist"), {"q": api_key.prefix})
    assert response.status_code == 200
    page = response.content.decode()
    assert "HR system" in page and "Other" not in page
    assert key.split("_", 2)[2] not in page  # never the secret (nor its hash)
    assert api_key.secret_hash not in page


def test_keys_cannot_be_added_changed_or_deleted_in_the_admin(operator_client, make_key):
    api_key, _ = make_key(factories.AdminMembershipFactory())
    assert operator_client.get(reverse("admin:api_apikey_add")).status_code == 403
    change = reverse("admin:api_apikey_change", args=[api_key.pk])
    operator_client.post(change, {"name": "renamed", "scope": "read"})
    delete = reverse("admin:api_apikey_delete", args=[api_key.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiKey.objects.get().name == api_key.name
