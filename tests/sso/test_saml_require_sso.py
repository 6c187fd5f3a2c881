"""Require single sign-on with a SAML connection, against the real SAML provider."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tenants.models import Tenant
from tests import factories
from tests.sso.test_require_sso import provider_url_of
from tests.sso.test_saml_journeys import answer, configure, start_sso, tab_url

pytestmark = pytest.mark.django_db(transaction=True)


def get_started(tenant) -> str:
    return reverse("onboarding:get_started", kwargs={"tenant_id": tenant.public_id})


def require(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(require_single_sign_on=True)


def test_requiring_needs_the_admin_signed_in_through_the_saml_connection(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp)
    client.force_login(sso_admin.user)  # a password session
    client.post(tab_url(tenant, "require"), {"required": "on"})
    tenant.refresh_from_db()
    assert not tenant.require_single_sign_on

    client.logout()
    sso_url = start_sso(client, sso_admin.user.email)
    answer(client, *saml_idp.sign_in(sso_url, "admin_at_example-corp.test"))
    client.post(tab_url(tenant, "require"), {"required": "on"})

    tenant.refresh_from_db()
    assert tenant.require_single_sign_on


def test_a_password_session_at_the_domain_is_sent_to_the_saml_provider_and_back(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp)
    require(tenant)
    member = factories.MembershipFactory(tenant=tenant, user__email="pat@example-corp.test").user
    person = saml_idp.add_person(member.email)
    client.force_login(member)
    members_page = reverse("members:list", kwargs={"tenant_id": tenant.public_id})

    response = client.get(members_page)

    assert urlsplit(response["Location"]).path == reverse(
        "sso:continue", kwargs={"tenant_id": tenant.public_id}
    )
    provider_url = provider_url_of(client.get(response["Location"]))
    assert provider_url.startswith(saml_idp.base)
    back = answer(client, *saml_idp.sign_in(provider_url, person))
    assert back["Location"] == members_page
    assert client.get(members_page).status_code == 200


def test_a_guest_at_another_domain_is_not_sent_to_the_saml_provider(client, sso_admin, saml_idp):
    tenant = configure(client, sso_admin, saml_idp)
    require(tenant)
    guest = factories.MembershipFactory(tenant=tenant, user__email="consultant@agency.test").user
    client.force_login(guest)

    assert client.get(get_started(tenant)).status_code == 200


def test_an_admin_with_two_step_can_always_open_the_tab_of_a_saml_tenant(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp)
    require(tenant)
    factories.give_two_step(sso_admin.user)
    client.force_login(sso_admin.user)

    assert client.get(get_started(tenant)).status_code == 302
    assert client.get(tab_url(tenant)).status_code == 200
