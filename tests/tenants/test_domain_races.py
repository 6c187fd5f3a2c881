"""Races on PostgreSQL: two tenants verifying one domain at once, one join request at a time."""

import pytest
from django.core.exceptions import ValidationError

from invitations import access_requests
from invitations.models import AccessRequest
from tenants import services
from tenants.actors import Actor
from tenants.models import ActivityEvent, Domain, TenantAction
from tests import factories
from tests.invitations.test_races import run_together

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def test_two_tenants_verifying_one_domain_at_once_one_wins(postgres, dns_server):
    for round_ in range(ROUNDS):
        name = f"race{round_}.test"
        domains = []
        for _ in range(2):
            admin = factories.AdminMembershipFactory()
            domains.append(
                (
                    services.domain_add(
                        tenant=admin.tenant, actor=Actor.member(admin.user), name=name
                    ),
                    admin.user,
                )
            )
        dns_server.records[f"_tenant-console.{name}"] = [
            f"tenant-console-verification={domain.verification_token}" for domain, _ in domains
        ]

        results = run_together(
            2,
            lambda i, domains=domains: services.domain_verify(
                domain=domains[i][0], actor=Actor.member(domains[i][1])
            ),
        )

        assert sum(isinstance(r, ValidationError) for r in results) == 1, results
        assert Domain.objects.filter(name=name, verified_at__isnull=False).count() == 1
        assert (
            ActivityEvent.objects.filter(action=TenantAction.DOMAIN_VERIFIED).count() == round_ + 1
        )


def test_two_tabs_asking_to_join_at_once_make_one_request(postgres):
    for round_ in range(ROUNDS):
        domain = factories.DomainFactory(name=f"ask{round_}.test", verified=True)
        person = factories.UserFactory(email=f"ana@ask{round_}.test")

        results = run_together(
            2,
            lambda i, domain=domain, person=person: access_requests.join_request_create(
                tenant=domain.tenant, user=person
            ),
        )

        assert sum(isinstance(r, ValidationError) for r in results) == 1, results
        assert AccessRequest.objects.filter(tenant=domain.tenant, requester=person).count() == 1
