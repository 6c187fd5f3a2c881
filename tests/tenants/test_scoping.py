import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def settings_url(tenant):
    return reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})


def test_anonymous_is_sent_to_login(client, tenant):
    response = client.get(settings_url(tenant))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_non_member_gets_404(client, tenant, outsider):
    client.force_login(outsider)
    assert client.get(settings_url(tenant)).status_code == 404


def test_member_sees_tenant_settings(collaborator_client, tenant):
    response = collaborator_client.get(settings_url(tenant))
    assert response.status_code == 200
    assert tenant.name in response.content.decode()
