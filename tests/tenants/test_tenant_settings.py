import pytest
from django.urls import reverse

from members.models import Membership, Role
from tenants.models import Tenant, TenantType
from tests import factories

pytestmark = pytest.mark.django_db


def settings_url(tenant):
    return reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})


def delete_url(tenant):
    return reverse("tenant_settings:delete", kwargs={"tenant_id": tenant.public_id})


def test_admin_sees_rename_and_delete(admin_client, tenant):
    page = admin_client.get(settings_url(tenant)).content.decode()
    assert "Delete tenant" in page
    assert 'name="name"' in page


def test_collaborator_sees_settings_read_only(collaborator_client, tenant):
    page = collaborator_client.get(settings_url(tenant)).content.decode()
    assert tenant.name in page
    assert "Delete tenant" not in page
    assert 'name="name"' not in page


def test_admin_renames_tenant(admin_client, tenant):
    response = admin_client.post(settings_url(tenant), {"name": "  Acme Production  "})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == "Acme Production"


@pytest.mark.parametrize("bad_name", ["", "   ", "x" * 65])
def test_rename_refuses_bad_names(admin_client, tenant, bad_name):
    before = tenant.name
    response = admin_client.post(settings_url(tenant), {"name": bad_name})
    assert response.status_code == 400
    tenant.refresh_from_db()
    assert tenant.name == before


def test_collaborator_cannot_rename_tenant(collaborator_client, tenant):
    before = tenant.name
    response = collaborator_client.post(settings_url(tenant), {"name": "Hijacked"})
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.name == before


def test_non_member_cannot_rename_tenant(client, tenant, outsider):
    client.force_login(outsider)
    response = client.post(settings_url(tenant), {"name": "Hijacked"})
    assert response.status_code == 404
    tenant.refresh_from_db()
    assert tenant.name != "Hijacked"


def test_admin_deletes_tenant_after_typing_its_name(admin_client, tenant):
    response = admin_client.post(delete_url(tenant), {"confirm_name": tenant.name})
    assert response.status_code == 302
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert not Membership.objects.filter(tenant_id=tenant.pk).exists()


def test_delete_refuses_a_mistyped_name(admin_client, tenant):
    response = admin_client.post(delete_url(tenant), {"confirm_name": tenant.name.upper()})
    assert response.status_code == 400
    assert "exactly" in response.content.decode()
    assert Tenant.objects.filter(pk=tenant.pk).exists()


def test_collaborator_cannot_delete_tenant(collaborator_client, tenant):
    response = collaborator_client.post(delete_url(tenant), {"confirm_name": tenant.name})
    assert response.status_code == 403
    assert Tenant.objects.filter(pk=tenant.pk).exists()


def test_non_member_cannot_delete_tenant(client, tenant, outsider):
    client.force_login(outsider)
    response = client.post(delete_url(tenant), {"confirm_name": tenant.name})
    assert response.status_code == 404
    assert Tenant.objects.filter(pk=tenant.pk).exists()


def test_delete_is_post_only(admin_client, tenant):
    assert admin_client.get(delete_url(tenant)).status_code == 405


def test_tenant_ids_are_opaque_and_not_sequential():
    first, second = factories.TenantFactory(), factories.TenantFactory()
    assert len(first.public_id) == 12
    assert first.public_id != second.public_id
    assert not first.public_id.isdigit()


class TestCreateTenant:
    url = reverse("tenants:create")

    def test_creator_becomes_admin(self, client, user):
        client.force_login(user)
        response = client.post(self.url, {"name": "Shop", "type": "production", "plan": "pro"})
        tenant = Tenant.objects.get(name="Shop")
        assert (tenant.type, tenant.plan) == (TenantType.PRODUCTION, "pro")
        assert Membership.objects.get(tenant=tenant).role == Role.ADMIN
        assert response["Location"] == reverse(
            "onboarding:get_started", kwargs={"tenant_id": tenant.public_id}
        )

    def test_development_tenant_has_no_plan(self, client, user):
        client.force_login(user)
        client.post(self.url, {"name": "Dev", "type": "development", "plan": "pro"})
        assert Tenant.objects.get(name="Dev").plan == ""

    def test_refuses_unknown_type(self, client, user):
        client.force_login(user)
        response = client.post(self.url, {"name": "Odd", "type": "staging"})
        assert response.status_code == 200
        assert not Tenant.objects.filter(name="Odd").exists()

    def test_anonymous_is_sent_to_login(self, client):
        response = client.post(self.url, {"name": "Anon", "type": "development"})
        assert response.status_code == 302
        assert not Tenant.objects.exists()
