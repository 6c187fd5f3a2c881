"""The header's offers (pending invitations, Request to join): one query when there
are none, and never an offer its own list would not make."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invitations.selectors import header_offers
from tests import factories

pytestmark = pytest.mark.django_db


def offers_and_queries(user):
    with CaptureQueriesContext(connection) as queries:
        offers = header_offers(user=user)
    return offers, len(queries)


def test_a_person_with_nothing_offered_costs_the_header_one_query():
    person = factories.UserFactory(email="ana@acme.test")
    factories.DomainFactory(name="acme.test", verified=False)  # unverified: no effect
    offers, queries = offers_and_queries(person)
    assert offers.pending_invitations == [] and offers.join_offers == []
    assert queries == 1


def test_a_pending_invitation_and_a_domain_offer_are_both_listed():
    person = factories.UserFactory(email="ana@acme.test")
    invitation = factories.InvitationFactory(email="ana@acme.test")
    domain = factories.DomainFactory(name="acme.test", verified=True)
    offers, _queries = offers_and_queries(person)
    assert offers.pending_invitations == [invitation]
    assert [offer["name"] for offer in offers.join_offers] == [domain.tenant.name]


def test_an_unconfirmed_address_is_offered_nothing_though_invited_at_its_domain():
    person = factories.UserFactory(email="ana@acme.test", email_verified=False)
    factories.InvitationFactory(email="ana@acme.test")
    factories.DomainFactory(name="acme.test", verified=True)
    offers, _queries = offers_and_queries(person)
    assert offers.pending_invitations == [] and offers.join_offers == []


def test_an_expired_invitation_not_yet_marked_is_not_offered():
    person = factories.UserFactory(email="ana@acme.test")
    past = timezone.now() - timedelta(days=10)
    factories.InvitationFactory(
        email="ana@acme.test", sent_at=past, expires_at=past + timedelta(days=7)
    )
    offers, _queries = offers_and_queries(person)
    assert offers.pending_invitations == []
