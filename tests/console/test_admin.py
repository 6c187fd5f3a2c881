"""Operators find any tenant, member or invitation in the Django admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from invitations.models import AccessRequest
from tenants.models import Domain
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    return client


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def some_data():
    membership = factories.AdminMembershipFactory(
        user__email="findme@example.com", tenant__name="Findable"
    )
    factories.InvitationFactory(tenant=membership.tenant, email="invited@example.com")
    return membership


@pytest.mark.parametrize(
    "model",
    [
        m
        for m in admin.site._registry
        if m._meta.app_label in {"accounts", "tenants", "members", "invitations"}
    ],
    ids=lambda m: m._meta.label,
)
def test_every_console_model_has_a_searchable_changelist(operator_client, some_data, model):
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields, f"{model._meta.label} admin has no search"
    response = operator_client.get(_changelist(model), {"q": "find"})
    assert response.status_code == 200


def test_tenant_changelist_shows_member_count_and_limit(operator_client, some_data):
    page = operator_client.get(
        _changelist(some_data.tenant.__class__), {"q": "Findable"}
    ).content.decode()
    assert "Findable" in page
    assert "Member limit" in page


def test_operator_raises_a_tenants_member_limit(operator_client, some_data):
    tenant = some_data.tenant
    url = reverse("admin:tenants_tenant_change", args=[tenant.pk])
    page = operator_client.get(url).content.decode()
    assert "Member limit" in page
    response = operator_client.post(
        url,
        {
            "name": tenant.name,
            "type": tenant.type,
            "plan": tenant.plan,
            "member_limit_override": 10,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant.refresh_from_db()
    assert tenant.member_limit_override == 10


def test_tenant_search_finds_by_member_email(operator_client, some_data):
    page = operator_client.get(
        _changelist(some_data.tenant.__class__), {"q": "findme@example.com"}
    ).content.decode()
    assert "Findable" in page


def test_non_staff_cannot_open_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_domains_and_requests_are_listed_read_only(operator_client, db):
    domain = factories.DomainFactory(name="acme.test", verified=True)
    AccessRequest.objects.create(
        tenant=domain.tenant, requester=factories.UserFactory(), kind="join"
    )
    for model in (Domain, AccessRequest):
        response = operator_client.get(_changelist(model))
        assert response.status_code == 200
        assert admin.site._registry[model].has_change_permission(response.wsgi_request) is False
    assert "acme.test" in operator_client.get(_changelist(Domain)).content.decode()
