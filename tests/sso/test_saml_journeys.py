"""Single sign-on with SAML 2.0 against a real identity provider on 127.0.0.1.

pysaml2's identity provider runs in a subprocess (``tests/sso/saml.py``) and
signs its responses with Debian's ``xmlsec1``; the console checks them with
python3-saml (xmlsec). Nothing here mocks a signature check. The Django test
client is the browser at the console, ``SamlIdentityProvider.sign_in`` the
browser at the provider.
"""

import base64

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from console.accounts.models import SecurityAction, SecurityEvent, User
from console.sso.models import Protocol, SsoConnection, provider_id_for
from invitations.models import AccessRequest
from members.models import Membership, Role
from tenants.models import ActivityEvent
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def tab_url(tenant, name="settings"):
    return reverse(f"tenant_sso:{name}", kwargs={"tenant_id": tenant.public_id})


def saml_url(tenant, name) -> str:
    path = reverse(name, kwargs={"organization_slug": provider_id_for(tenant)})
    return f"http://testserver{path}"


def snapshot() -> tuple:
    return (
        User.objects.count(),
        Membership.objects.count(),
        AccessRequest.objects.count(),
        EmailAddress.objects.filter(verified=True).count(),
        SecurityEvent.objects.filter(action=SecurityAction.SIGNED_IN_WITH_SSO).count(),
    )


def answer(client, acs_url: str, form: dict):
    """The browser posting the provider's answer to the console, then following it."""
    response = client.post(acs_url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def configure(client, admin, idp, *, enable=True):
    """The admin's journey: save the connection from the metadata URL, register the
    console at the provider (its metadata URL), Test sign-in, Enable."""
    tenant = admin.tenant
    admin_at_idp = idp.add_person(admin.user.email)
    client.force_login(admin.user)
    page = client.get(tab_url(tenant)).content.decode()
    assert saml_url(tenant, "saml_acs") in page
    assert saml_url(tenant, "saml_metadata") in page  # the entity ID and metadata URL

    response = client.post(tab_url(tenant), {"protocol": "saml", "metadata_url": idp.metadata_url})
    assert response.status_code == 302, response.content.decode()[:3000]
    metadata = client.get(saml_url(tenant, "saml_metadata"))
    assert metadata.status_code == 200
    idp.add_service_provider(metadata.content.decode())
    page = client.get(tab_url(tenant)).content.decode()
    assert "SAML 2.0" in page and idp.metadata_url in page
    assert "Not tested" in page
    assert tab_url(tenant, "enable") not in page

    response = client.post(tab_url(tenant, "test"))
    assert response.status_code == 302
    assert response["Location"].startswith(idp.base)
    back = answer(client, *idp.sign_in(response["Location"], admin_at_idp))
    assert back.status_code == 302 and back["Location"] == tab_url(tenant), back
    page = client.get(tab_url(tenant)).content.decode()
    assert "Test sign-in succeeded" in page
    assert tab_url(tenant, "enable") in page
    if enable:
        client.post(tab_url(tenant, "enable"))
        assert SsoConnection.objects.get(tenant=tenant).enabled
    client.logout()
    return tenant


def start_sso(client, email):
    response = client.post(reverse("sso:sign_in"), {"email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_an_admin_configures_tests_and_enables_a_saml_connection(client, sso_admin, saml_idp):
    tenant = configure(client, sso_admin, saml_idp)

    connection = SsoConnection.objects.get(tenant=tenant)
    assert connection.protocol == Protocol.SAML
    assert connection.issuer == f"{saml_idp.base}/metadata/"  # the IdP's entity ID
    assert connection.app.provider == "saml"
    actions = list(
        ActivityEvent.objects.filter(tenant=tenant, action__startswith="sso.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["sso.connection_created", "sso.connection_enabled"]
    assert not SecurityEvent.objects.filter(action=SecurityAction.SIGNED_IN_WITH_SSO).exists()


def test_a_new_person_at_the_domain_signs_in_with_saml_and_is_a_collaborator(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person(
        "new.person@example-corp.test", given_name="New", family_name="Person"
    )

    back = answer(
        client, *saml_idp.sign_in(start_sso(client, "new.person@example-corp.test"), person)
    )

    assert back.status_code == 302
    assert back["Location"] == reverse(
        "onboarding:get_started", kwargs={"tenant_id": tenant.public_id}
    )
    user = User.objects.get(email="new.person@example-corp.test")
    assert not user.has_usable_password()
    assert user.name == "New Person"  # from the assertion's attributes
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.COLLABORATOR
    joined = ActivityEvent.objects.get(tenant=tenant, action="member.joined", target_user=user)
    assert joined.details["via"] == "sso"
    assert client.get(back["Location"]).status_code == 200


def test_an_existing_password_account_signs_in_with_saml_and_keeps_its_account(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp)
    existing = factories.UserFactory(email="old.hand@example-corp.test")
    person = saml_idp.add_person("old.hand@example-corp.test")

    answer(client, *saml_idp.sign_in(start_sso(client, existing.email), person))

    assert User.objects.filter(email=existing.email).count() == 1
    existing.refresh_from_db()
    assert existing.check_password(TEST_PASSWORD)
    assert EmailAddress.objects.get(user=existing, email=existing.email).verified
    assert Membership.objects.filter(tenant=tenant, user=existing).exists()
    assert int(client.session["_auth_user_id"]) == existing.pk


def test_an_address_outside_the_verified_domains_is_refused_and_nothing_is_created(
    client, sso_admin, saml_idp
):
    configure(client, sso_admin, saml_idp)
    outsider = saml_idp.add_person("someone@elsewhere.test")
    before = snapshot()

    response = answer(
        client, *saml_idp.sign_in(start_sso(client, "anyone@example-corp.test"), outsider)
    )

    assert response.status_code == 403
    assert "not at a verified domain" in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def _refused(response) -> None:
    assert response.status_code == 400, response.content.decode()[:2000]
    assert "did not sign you in" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_response_meant_for_another_tenants_connection_is_refused(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    other_admin = factories.AdminMembershipFactory(user__email="boss@other-corp.test")
    factories.DomainFactory(tenant=other_admin.tenant, name="other-corp.test", verified=True)
    other = configure(client, other_admin, saml_idp)
    person = saml_idp.add_person("victim@example-corp.test")
    _, form = saml_idp.sign_in(start_sso(client, "victim@example-corp.test"), person)
    before = snapshot()

    # The same signed answer, delivered to the other tenant's ACS.
    response = answer(client, saml_url(other, "saml_acs"), form)

    _refused(response)
    assert snapshot() == before


def test_a_response_changed_after_signing_is_refused(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("mallory@example-corp.test")
    acs, form = saml_idp.sign_in(start_sso(client, "mallory@example-corp.test"), person)
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert xml.count("mallory@example-corp.test") >= 1
    forged = xml.replace("mallory@example-corp.test", "admin@example-corp.test")
    form["SAMLResponse"] = base64.b64encode(forged.encode()).decode()
    before = snapshot()

    response = answer(client, acs, form)

    _refused(response)
    assert snapshot() == before


def test_a_replayed_saml_response_is_refused(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("twice@example-corp.test")
    acs, form = saml_idp.sign_in(start_sso(client, "twice@example-corp.test"), person)
    assert answer(client, acs, form).status_code == 302  # the first time signs in
    client.logout()
    before = snapshot()

    response = answer(client, acs, form)

    _refused(response)
    assert snapshot() == before


def test_a_replayed_saml_response_in_another_browser_is_refused(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("stolen@example-corp.test")
    acs, form = saml_idp.sign_in(start_sso(client, "stolen@example-corp.test"), person)
    answer(client, acs, form)
    before = snapshot()

    response = answer(Client(), acs, form)

    _refused(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    "knobs",
    [
        pytest.param({"sign_assertion": False, "sign_response": True}, id="signed-response-only"),
        pytest.param({"sign_assertion": False, "sign_response": False}, id="nothing-signed"),
    ],
)
def test_an_unsigned_assertion_is_refused(client, sso_admin, saml_idp, knobs):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("unsigned@example-corp.test")
    saml_idp.knobs(**knobs)
    before = snapshot()

    response = answer(
        client, *saml_idp.sign_in(start_sso(client, "unsigned@example-corp.test"), person)
    )

    _refused(response)
    assert snapshot() == before


def test_an_assertion_for_another_audience_is_refused(client, sso_admin, saml_idp):
    tenant = configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("audience@example-corp.test")
    # The provider knows another service provider, and addresses its assertion to it.
    other = "https://another-service.example/saml/metadata/"
    ours = client.get(saml_url(tenant, "saml_metadata")).content.decode()
    saml_idp.add_service_provider(ours.replace(saml_url(tenant, "saml_metadata"), other))
    saml_idp.knobs(audience=other)
    before = snapshot()

    response = answer(
        client, *saml_idp.sign_in(start_sso(client, "audience@example-corp.test"), person)
    )

    _refused(response)
    assert snapshot() == before


def test_a_sign_in_the_provider_denies_ends_on_a_clear_page(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("not.assigned@example-corp.test")
    saml_idp.knobs(deny=True)
    before = snapshot()

    sso_url = start_sso(client, "not.assigned@example-corp.test")
    response = answer(client, *saml_idp.sign_in(sso_url, person))

    _refused(response)
    assert snapshot() == before


def test_an_expired_assertion_is_refused(client, sso_admin, saml_idp):
    configure(client, sso_admin, saml_idp)
    person = saml_idp.add_person("late@example-corp.test")
    # Valid until 20 minutes ago: past python3-saml's 5 minutes of allowed clock drift.
    saml_idp.knobs(lifetime_minutes=-20)
    before = snapshot()

    response = answer(
        client, *saml_idp.sign_in(start_sso(client, "late@example-corp.test"), person)
    )

    _refused(response)
    assert snapshot() == before


def test_a_failed_saml_test_sign_in_goes_back_to_the_tab_and_enables_nothing(
    client, sso_admin, saml_idp
):
    tenant = configure(client, sso_admin, saml_idp, enable=False)
    client.force_login(sso_admin.user)
    # A change (the same metadata saved again) needs a new test.
    client.post(tab_url(tenant), {"protocol": "saml", "metadata_url": saml_idp.metadata_url})
    assert not SsoConnection.objects.get(tenant=tenant).tested
    saml_idp.knobs(sign_assertion=False, sign_response=False)
    admin_at_idp = saml_idp.add_person(sso_admin.user.email)

    response = client.post(tab_url(tenant, "test"))
    back = answer(client, *saml_idp.sign_in(response["Location"], admin_at_idp))

    assert back["Location"] == tab_url(tenant)
    assert "Test sign-in failed" in client.get(tab_url(tenant)).content.decode()
    assert not SsoConnection.objects.get(tenant=tenant).tested
