"""Single sign-on with OpenID Connect against a real provider on 127.0.0.1.

django-allauth's own provider (``allauth.idp.oidc``) runs as a second Django
project in a subprocess (``tests/sso/idp.py``); the console exchanges real
codes and checks really signed ID tokens. The Django test client is the
browser at the console, ``IdentityProvider.sign_in`` the browser at the
provider.
"""

import secrets
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from console.accounts.models import SecurityAction, SecurityEvent, User
from console.sso.models import SsoConnection, provider_id_for
from invitations.models import AccessRequest
from members.models import Membership, Role
from tenants.models import ActivityEvent
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def tab_url(tenant, name="settings"):
    return reverse(f"tenant_sso:{name}", kwargs={"tenant_id": tenant.public_id})


def callback_uri(tenant) -> str:
    path = reverse("openid_connect_callback", kwargs={"provider_id": provider_id_for(tenant)})
    return f"http://testserver{path}"


def snapshot() -> tuple:
    return (
        User.objects.count(),
        Membership.objects.count(),
        AccessRequest.objects.count(),
        EmailAddress.objects.filter(verified=True).count(),
        SecurityEvent.objects.filter(action=SecurityAction.SIGNED_IN_WITH_SSO).count(),
    )


def configure(client, admin, idp, *, enable=True):
    """The admin's journey: save the connection, Test sign-in, Enable."""
    tenant = admin.tenant
    client_id, secret = f"console-{tenant.public_id}", secrets.token_urlsafe(24)
    idp.add_client(client_id, secret, callback_uri(tenant))
    admin_at_idp = idp.add_person(admin.user.email)
    client.force_login(admin.user)
    response = client.post(
        tab_url(tenant), {"issuer": idp.issuer, "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(tab_url(tenant)).content.decode()
    assert callback_uri(tenant) in page
    assert secret not in page
    assert "Not tested" in page
    assert tab_url(tenant, "enable") not in page

    response = client.post(tab_url(tenant, "test"))
    assert response.status_code == 302
    assert response["Location"].startswith(idp.issuer)
    back = client.get(idp.sign_in(response["Location"], admin_at_idp))
    assert back.status_code == 302 and back["Location"] == tab_url(tenant)
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


@pytest.fixture
def idp(identity_provider, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    return identity_provider


def test_an_admin_configures_tests_and_enables_a_connection(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)

    actions = list(
        ActivityEvent.objects.filter(tenant=tenant, action__startswith="sso.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["sso.connection_created", "sso.connection_enabled"]
    # The test signed nobody new in and changed nothing about the admin.
    assert not SecurityEvent.objects.filter(action=SecurityAction.SIGNED_IN_WITH_SSO).exists()


def test_a_new_person_at_the_domain_signs_in_with_sso_and_is_a_collaborator(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    person = idp.add_person("new.person@example-corp.test", name="New Person")

    back = client.get(idp.sign_in(start_sso(client, "new.person@example-corp.test"), person))

    assert back.status_code == 302
    assert back["Location"] == reverse(
        "onboarding:get_started", kwargs={"tenant_id": tenant.public_id}
    )
    user = User.objects.get(email="new.person@example-corp.test")
    assert not user.has_usable_password()
    assert user.name == "New Person"  # the name from the provider
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.COLLABORATOR
    joined = ActivityEvent.objects.get(tenant=tenant, action="member.joined", target_user=user)
    assert joined.details["via"] == "sso"
    assert SecurityEvent.objects.filter(
        user=user, action=SecurityAction.SIGNED_IN_WITH_SSO
    ).exists()
    assert client.get(back["Location"]).status_code == 200
    security = client.get(reverse("accounts:security")).content.decode()
    assert "Signed in with single sign-on" in security


def test_an_existing_password_account_signs_in_with_sso_and_keeps_its_account(
    client, sso_admin, idp
):
    tenant = configure(client, sso_admin, idp)
    existing = factories.UserFactory(email="old.hand@example-corp.test")
    person = idp.add_person("old.hand@example-corp.test")

    client.get(idp.sign_in(start_sso(client, existing.email), person))

    assert User.objects.filter(email=existing.email).count() == 1
    existing.refresh_from_db()
    assert existing.check_password(TEST_PASSWORD)
    assert EmailAddress.objects.get(user=existing, email=existing.email).verified
    assert Membership.objects.filter(tenant=tenant, user=existing).exists()
    assert int(client.session["_auth_user_id"]) == existing.pk


def test_an_address_outside_the_verified_domains_is_refused_and_nothing_is_created(
    client, sso_admin, idp
):
    configure(client, sso_admin, idp)
    # The provider signs in someone whose address is elsewhere.
    outsider = idp.add_person("someone@elsewhere.test")
    before = snapshot()

    response = client.get(idp.sign_in(start_sso(client, "anyone@example-corp.test"), outsider))

    assert response.status_code == 403
    assert "not at a verified domain" in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_a_response_meant_for_another_tenants_connection_is_refused(client, sso_admin, idp):
    configure(client, sso_admin, idp)
    other_admin = factories.AdminMembershipFactory(user__email="boss@other-corp.test")
    factories.DomainFactory(tenant=other_admin.tenant, name="other-corp.test", verified=True)
    other = configure(client, other_admin, idp)
    person = idp.add_person("victim@example-corp.test")
    back_to_a = idp.sign_in(start_sso(client, "victim@example-corp.test"), person)
    before = snapshot()

    # The same code and state, delivered to the other tenant's callback.
    parts = urlsplit(back_to_a)
    forged = f"{callback_uri(other)}?{parts.query}"
    response = client.get(forged)

    assert response.status_code in (400, 403)
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_a_replayed_answer_is_refused(client, sso_admin, idp):
    configure(client, sso_admin, idp)
    person = idp.add_person("twice@example-corp.test")
    back = idp.sign_in(start_sso(client, "twice@example-corp.test"), person)
    client.get(back)
    client.logout()
    before = snapshot()

    response = client.get(back)

    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_a_denied_sign_in_ends_on_a_clear_page(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    authorize = start_sso(client, "someone@example-corp.test")
    state = dict(part.split("=", 1) for part in urlsplit(authorize).query.split("&"))["state"]
    before = snapshot()

    response = client.get(f"{callback_uri(tenant)}?error=access_denied&state={state}")

    assert response.status_code == 400
    assert "did not sign you in" in response.content.decode()
    assert snapshot() == before


def test_an_address_without_an_enabled_connection_gets_a_clear_message(client, sso_admin, idp):
    configure(client, sso_admin, idp, enable=False)
    response = client.post(reverse("sso:sign_in"), {"email": "x@example-corp.test"})
    assert response.status_code == 200
    assert "Single sign-on is not set up for this address" in response.content.decode()
    response = client.post(reverse("sso:sign_in"), {"email": "x@gmail.com"})
    assert "Single sign-on is not set up for this address" in response.content.decode()


def test_a_full_tenant_makes_a_join_request_instead(client, sso_admin, idp):
    tenant = configure(client, sso_admin, idp)
    type(tenant).objects.filter(pk=tenant.pk).update(member_limit_override=1)
    person = idp.add_person("late@example-corp.test")

    client.get(idp.sign_in(start_sso(client, "late@example-corp.test"), person))

    user = User.objects.get(email="late@example-corp.test")
    assert not Membership.objects.filter(tenant=tenant, user=user).exists()
    assert AccessRequest.objects.filter(tenant=tenant, requester=user).exists()


def test_a_deactivated_account_is_not_signed_in_by_the_provider(client, sso_admin, idp):
    configure(client, sso_admin, idp)
    existing = factories.UserFactory(email="gone@example-corp.test", is_active=False)
    person = idp.add_person(existing.email)
    before = snapshot()

    response = client.get(idp.sign_in(start_sso(client, existing.email), person))

    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_an_address_the_provider_has_not_verified_is_refused(client, sso_admin, idp):
    configure(client, sso_admin, idp)
    person = idp.add_person("unverified@example-corp.test", verified=False)
    before = snapshot()

    response = client.get(idp.sign_in(start_sso(client, "unverified@example-corp.test"), person))

    assert response.status_code == 403
    assert "did not tell us a verified email address" in response.content.decode()
    assert snapshot() == before
