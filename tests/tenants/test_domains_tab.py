"""The Domains tab: admins add, verify, remove and set enrollment; others are refused."""

import pytest
from django.urls import reverse

from tenants.domain_dns import record_name, record_value
from tenants.models import ActivityEvent, Domain, Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


def tab_url(tenant):
    return reverse("tenant_domains:list", kwargs={"tenant_id": tenant.public_id})


def action_url(name, domain):
    return reverse(
        f"tenant_domains:{name}", kwargs={"tenant_id": domain.tenant.public_id, "pk": domain.pk}
    )


def test_admin_sees_the_tab_with_add_domain(admin_client, tenant):
    response = admin_client.get(tab_url(tenant))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Add domain" in page
    assert 'aria-current="page" href="' + tab_url(tenant) in page


def test_adding_shows_the_txt_record_to_publish(admin_client, tenant):
    response = admin_client.post(tab_url(tenant), {"name": "Acme.test"}, follow=True)
    domain = Domain.objects.get(tenant=tenant)
    page = response.content.decode()
    assert domain.name == "acme.test"
    assert "Unverified" in page
    assert record_name("acme.test") in page and record_value(domain.verification_token) in page


def test_adding_a_domain_of_ones_own_confirmed_address_shows_it_verified(client, tenant):
    admin = factories.AdminMembershipFactory(tenant=tenant, user__email="it@acme.test").user
    client.force_login(admin)
    response = client.post(tab_url(tenant), {"name": "acme.test"}, follow=True)
    page = response.content.decode()
    assert "Verified" in page and "Enrollment" in page and "Ask to join" in page


def test_a_refused_name_shows_its_message_beside_the_field(admin_client, tenant):
    response = admin_client.post(tab_url(tenant), {"name": "gmail.com"})
    assert response.status_code == 200
    assert "free or public mail provider" in response.content.decode()
    assert not Domain.objects.exists()


def test_a_domain_verified_by_another_tenant_is_refused_on_the_form(admin_client, tenant):
    factories.DomainFactory(name="acme.test", verified=True)
    response = admin_client.post(tab_url(tenant), {"name": "acme.test"})
    assert "already verified by another tenant" in response.content.decode()
    assert not tenant.domains.exists()


def test_verify_with_the_record_published_marks_it_verified(admin_client, tenant, dns_server):
    domain = factories.DomainFactory(tenant=tenant, name="acme.test")
    dns_server.records[record_name(domain.name)] = [record_value(domain.verification_token)]
    response = admin_client.post(action_url("verify", domain), follow=True)
    domain.refresh_from_db()
    assert domain.is_verified
    assert "acme.test is verified." in response.content.decode()


def test_verify_without_the_record_says_so(admin_client, tenant, dns_server):
    domain = factories.DomainFactory(tenant=tenant, name="acme.test")
    response = admin_client.post(action_url("verify", domain), follow=True)
    assert "No TXT record was found at _tenant-console.acme.test" in response.content.decode()
    domain.refresh_from_db()
    assert not domain.is_verified


def test_enrollment_is_set_on_a_verified_domain(admin_client, tenant):
    domain = factories.DomainFactory(tenant=tenant, verified=True)
    admin_client.post(action_url("enrollment", domain), {"enrollment": Enrollment.AUTOMATIC})
    domain.refresh_from_db()
    assert domain.enrollment == Enrollment.AUTOMATIC


def test_an_unknown_enrollment_changes_nothing(admin_client, tenant):
    domain = factories.DomainFactory(tenant=tenant, verified=True)
    admin_client.post(action_url("enrollment", domain), {"enrollment": "everyone"})
    domain.refresh_from_db()
    assert domain.enrollment == Enrollment.ASK and not ActivityEvent.objects.exists()


def test_remove_deletes_the_domain(admin_client, tenant):
    domain = factories.DomainFactory(tenant=tenant, verified=True)
    admin_client.post(action_url("remove", domain))
    assert not Domain.objects.exists()


def test_collaborator_gets_403_and_no_tab_link(collaborator_client, tenant):
    domain = factories.DomainFactory(tenant=tenant)
    assert collaborator_client.get(tab_url(tenant)).status_code == 403
    assert collaborator_client.post(tab_url(tenant), {"name": "acme.test"}).status_code == 403
    assert collaborator_client.post(action_url("remove", domain)).status_code == 403
    members = collaborator_client.get(
        reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    )
    assert tab_url(tenant) not in members.content.decode()
    assert Domain.objects.count() == 1


def test_outsider_gets_404_and_nothing_changes(client, outsider, tenant):
    domain = factories.DomainFactory(tenant=tenant)
    client.force_login(outsider)
    assert client.get(tab_url(tenant)).status_code == 404
    assert client.post(action_url("remove", domain)).status_code == 404
    assert Domain.objects.count() == 1


def test_another_tenants_domain_id_is_404(admin_client, tenant):
    other = factories.DomainFactory(name="other.test")
    url = reverse("tenant_domains:remove", kwargs={"tenant_id": tenant.public_id, "pk": other.pk})
    assert admin_client.post(url).status_code == 404
    assert Domain.objects.filter(pk=other.pk).exists()
