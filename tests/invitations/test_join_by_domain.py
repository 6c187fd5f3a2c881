"""Join by domain (SPEC, Domains): Join automatically, Request to join, never for an
unconfirmed address; removing a domain stops joins at once."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.urls import reverse

from invitations.access_requests import domain_enroll
from invitations.models import AccessRequest, RequestKind
from invitations.selectors import join_offers
from members.activity import MemberAction
from members.models import Membership, Role
from tenants import services as tenant_services
from tenants.actors import Actor
from tenants.models import ActivityEvent, Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    """A tenant with room, its admin, and acme.test verified."""
    tenant = factories.TenantFactory(name="Acme", member_limit_override=10)
    factories.AdminMembershipFactory(tenant=tenant)
    factories.DomainFactory(tenant=tenant, name="acme.test", verified=True)
    return tenant


def automatic(tenant):
    tenant.domains.update(enrollment=Enrollment.AUTOMATIC)


def test_signing_in_with_a_confirmed_address_joins_as_collaborator(client, acme):
    automatic(acme)
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    membership = Membership.objects.get(tenant=acme, user=person)
    assert membership.role == Role.COLLABORATOR
    joined = ActivityEvent.objects.get(tenant=acme, action=MemberAction.JOINED)
    assert joined.details == {"role": "collaborator", "via": "domain"}


def test_an_unconfirmed_address_never_joins(client, acme):
    automatic(acme)
    person = factories.UserFactory(email="ana@acme.test", email_verified=False)
    client.force_login(person)
    assert not Membership.objects.filter(user=person).exists()
    assert not AccessRequest.objects.exists()


def test_an_unconfirmed_address_is_never_offered_request_to_join(acme):
    person = factories.UserFactory(email="ana@acme.test", email_verified=False)
    assert join_offers(user=person) == []


def test_an_unconfirmed_address_cannot_post_request_to_join(client, acme):
    person = factories.UserFactory(email="ana@acme.test", email_verified=False)
    client.force_login(person)
    url = reverse("invitations:request_to_join", kwargs={"tenant_id": acme.public_id})
    assert client.post(url).status_code == 404
    assert not AccessRequest.objects.exists()


def test_confirming_the_address_joins(acme):
    automatic(acme)
    person = factories.UserFactory(email="ana@acme.test", email_verified=False)
    address = EmailAddress.objects.get(user=person)
    address.verified = True
    address.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert Membership.objects.filter(tenant=acme, user=person).exists()


def test_an_unverified_domain_has_no_effect(client, db):
    tenant = factories.TenantFactory(member_limit_override=10)
    factories.DomainFactory(tenant=tenant, name="acme.test", enrollment=Enrollment.AUTOMATIC)
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(user=person).exists()
    assert join_offers(user=person) == []


def test_enrollment_off_neither_joins_nor_offers(client, acme):
    acme.domains.update(enrollment=Enrollment.OFF)
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(user=person).exists()
    assert join_offers(user=person) == []


def test_a_removed_domain_stops_joins_at_once(client, acme):
    automatic(acme)
    admin = acme.memberships.get(role=Role.ADMIN).user
    tenant_services.domain_remove(domain=acme.domains.get(), actor=Actor.member(admin))
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(user=person).exists()


def test_a_full_tenant_makes_a_join_request_instead(client, db):
    tenant = factories.TenantFactory(member_limit_override=1)
    factories.AdminMembershipFactory(tenant=tenant)
    factories.DomainFactory(
        tenant=tenant, name="acme.test", verified=True, enrollment=Enrollment.AUTOMATIC
    )
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(tenant=tenant, user=person).exists()
    request = AccessRequest.objects.get(tenant=tenant, requester=person)
    assert request.kind == RequestKind.JOIN


def test_a_production_free_tenant_makes_a_join_request_instead(client, db):
    tenant = factories.TenantFactory(production_free=True)
    factories.AdminMembershipFactory(tenant=tenant)
    factories.DomainFactory(
        tenant=tenant, name="acme.test", verified=True, enrollment=Enrollment.AUTOMATIC
    )
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(tenant=tenant, user=person).exists()
    assert AccessRequest.objects.filter(tenant=tenant, requester=person).exists()


def test_a_two_step_tenant_makes_a_join_request_for_someone_without_it(client, acme):
    automatic(acme)
    acme.__class__.objects.filter(pk=acme.pk).update(require_two_step=True)
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    assert not Membership.objects.filter(tenant=acme, user=person).exists()
    assert AccessRequest.objects.filter(tenant=acme, requester=person).exists()


def test_signing_in_again_as_a_member_changes_nothing(client, acme):
    automatic(acme)
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    before = ActivityEvent.objects.count()
    domain_enroll(user=person)
    assert ActivityEvent.objects.count() == before


# -- Ask to join: offered on the landing page and in the switcher --------------------------------


def test_ask_to_join_offers_request_to_join_on_the_landing_page(client, acme):
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    page = client.get(reverse("home")).content.decode()
    assert "Request to join" in page and "Acme" in page
    assert reverse("invitations:request_to_join", kwargs={"tenant_id": acme.public_id}) in page


def test_ask_to_join_is_in_the_switcher_of_a_member_elsewhere(client, acme):
    person = factories.MembershipFactory(user__email="ana@acme.test").user
    client.force_login(person)
    other = person.memberships.get().tenant
    page = client.get(
        reverse("members:list", kwargs={"tenant_id": other.public_id})
    ).content.decode()
    assert "Request to join" in page


def test_request_to_join_makes_a_join_request_once(client, acme):
    person = factories.UserFactory(email="ana@acme.test")
    client.force_login(person)
    url = reverse("invitations:request_to_join", kwargs={"tenant_id": acme.public_id})
    client.post(url)
    response = client.post(url, follow=True)
    assert AccessRequest.objects.filter(tenant=acme, requester=person).count() == 1
    assert "You already have an open request" in response.content.decode()
    assert "Request sent" in client.get(reverse("home")).content.decode()


def test_request_to_join_a_tenant_of_another_domain_is_404(client, acme):
    person = factories.UserFactory(email="ana@elsewhere.test")
    client.force_login(person)
    url = reverse("invitations:request_to_join", kwargs={"tenant_id": acme.public_id})
    assert client.post(url).status_code == 404
    assert not AccessRequest.objects.exists()


def test_the_switcher_shows_a_new_offer_after_the_domain_is_verified(client, db):
    """The page cache: a visit, the domain verified, the next visit shows the offer."""
    tenant = factories.TenantFactory(name="Acme")
    domain = factories.DomainFactory(tenant=tenant, name="acme.test")
    person = factories.MembershipFactory(user__email="ana@acme.test").user
    client.force_login(person)
    url = reverse("members:list", kwargs={"tenant_id": person.memberships.get().tenant.public_id})
    assert "Request to join" not in client.get(url).content.decode()
    domain.verified_at = domain.created_at
    domain.save()
    assert "Request to join" in client.get(url).content.decode()


# -- The header's offers: one query, then none until something changes ---------------------------


def test_join_offers_take_one_query_and_show_an_open_request(acme, django_assert_num_queries):
    person = factories.UserFactory(email="ana@acme.test")
    with django_assert_num_queries(1):
        assert [offer["name"] for offer in join_offers(user=person)] == ["Acme"]
    AccessRequest.objects.create(tenant=acme, requester=person, kind=RequestKind.JOIN)
    with django_assert_num_queries(1):
        assert join_offers(user=person)[0]["requested"] is True


def test_an_address_at_a_free_mail_provider_costs_no_query(db, django_assert_num_queries):
    person = factories.UserFactory(email="ana@gmail.com")
    with django_assert_num_queries(0):
        assert join_offers(user=person) == []


def test_signing_in_at_a_free_mail_provider_looks_nothing_up(db, django_assert_num_queries):
    person = factories.UserFactory(email="ana@gmail.com")
    with django_assert_num_queries(0):
        assert domain_enroll(user=person) == []
