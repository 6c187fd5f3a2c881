"""Races on PostgreSQL that the invitation and member race tests do not already cover.

Already proven elsewhere (not repeated here): 20 accepts for one free seat,
the same link accepted twice, concurrent bulk invites of one address
(tests/invitations/test_races.py), concurrent demotions / leaves / removals
(tests/members/test_concurrency.py).

Each case releases real threads, each with its own database connection, at
once with a barrier, and repeats a few rounds because races are timing-bound.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from console.accounts.models import User
from console.ratelimit import RESENDS_PER_HOUR, RateLimited
from invitations.exceptions import InvitationError, InvitationsRefused
from invitations.models import EmailStatus, Invitation, InvitationStatus, SupersededLink
from invitations.outbox import invitation_email_claim
from invitations.services import (
    invitation_accept,
    invitation_create_bulk,
    invitation_resend,
    invitation_revoke,
)
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.selectors import seat_usage
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.invitations.test_races import run_together

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # the resend and daily limits live in the cache
    yield
    cache.clear()


def test_concurrent_claims_of_one_send_let_exactly_one_worker_send(postgres):
    for _ in range(ROUNDS):
        invitation = factories.InvitationFactory()

        results = run_together(
            10, lambda i, pk=invitation.pk: invitation_email_claim(invitation_id=pk)
        )

        assert sum(isinstance(r, Invitation) for r in results) == 1, results
        assert all(r is None or isinstance(r, Invitation) for r in results), results
        invitation.refresh_from_db()
        assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENDING, 1)


def test_concurrent_invites_of_different_addresses_never_pass_the_member_limit(postgres):
    for _ in range(ROUNDS):
        # given a Development tenant (3 members) with one admin: two seats left
        tenant = factories.TenantFactory()
        admin = factories.AdminMembershipFactory(tenant=tenant).user

        results = run_together(
            6,
            lambda i, tenant=tenant, admin=admin: invitation_create_bulk(
                tenant=tenant,
                actor=Actor.member(admin),
                emails=[f"person{i}@example.com"],
                role=Role.COLLABORATOR,
            ),
        )

        assert sum(isinstance(r, list) for r in results) == 2, results
        assert all(isinstance(r, (list, InvitationsRefused)) for r in results), results
        assert seat_usage(tenant).used == 3


def test_accept_and_revoke_at_once_either_accept_or_revoke(postgres):
    # Before revoke locked only the invitation row, this deadlocked about one
    # round in four (accept locks tenant then invitation; revoke locked both).
    for _ in range(4 * ROUNDS):
        tenant = factories.TenantFactory()
        admin = factories.AdminMembershipFactory(tenant=tenant).user
        invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
        invitee = factories.UserFactory(email=invitation.email)

        results = run_together(
            2,
            lambda i, invitation=invitation, invitee=invitee, admin=admin: (
                invitation_accept(invitation=invitation, user=invitee)
                if i == 0
                else invitation_revoke(invitation=invitation, actor=Actor.member(admin))
            ),
        )

        invitation.refresh_from_db()
        member = Membership.objects.filter(tenant=tenant, user=invitee).exists()
        if invitation.status == InvitationStatus.ACCEPTED:
            assert member and isinstance(results[1], InvitationError), results
        else:
            assert invitation.status == InvitationStatus.REVOKED
            assert not member and isinstance(results[0], InvitationError), results


def test_concurrent_resends_respect_the_hourly_limit_and_leave_one_live_link(postgres):
    invitation = factories.InvitationFactory()

    results = run_together(
        6,
        lambda i: invitation_resend(
            invitation=invitation, actor=Actor.member(invitation.invited_by)
        ),
    )

    assert sum(isinstance(r, Invitation) for r in results) == RESENDS_PER_HOUR, results
    assert all(isinstance(r, (Invitation, RateLimited)) for r in results), results
    invitation.refresh_from_db()
    superseded = set(
        SupersededLink.objects.filter(invitation=invitation).values_list("token_hash", flat=True)
    )
    assert len(superseded) == RESENDS_PER_HOUR and invitation.token_hash not in superseded


def test_concurrent_signups_with_one_email_make_one_account(postgres):
    """Four sign-up forms posted at once with one address (two upper-cased): allauth's
    form, the case-insensitive unique constraint and the view's IntegrityError
    handling leave one account with one first tenant, and no 500."""
    for round_ in range(ROUNDS):
        email = f"twin{round_}@example.com"

        def sign_up(i, email=email):
            return Client().post(
                "/accounts/signup/",
                {
                    "email": email.upper() if i % 2 else email,
                    "password1": TEST_PASSWORD,
                    "password2": TEST_PASSWORD,
                },
            )

        results = run_together(4, sign_up)

        assert all(not isinstance(r, Exception) for r in results), results
        # A loser is told the address is taken (200) or, when its "an account
        # already exists" notice to that address comes within allauth's
        # per-address code limit, gets the 429 page: never a second account.
        assert all(r.status_code in (200, 302, 429) for r in results), results
        assert sum(r.status_code == 302 for r in results) >= 1, results
        assert User.objects.filter(email=email).count() == 1
        assert (
            Membership.objects.filter(user__email=email).count() == 1
        )  # one first tenant, not four
