"""Races on PostgreSQL: the losing side of a race records no entry, and
recording never deadlocks with the services' row locks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from invitations.activity import InvitationAction
from invitations.exceptions import InvitationError
from invitations.expiry import invitations_expire_stale
from invitations.models import InvitationStatus
from invitations.services import invitation_accept, invitation_revoke
from members import services as member_services
from members.activity import MemberAction
from members.models import Role
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tests import factories
from tests.invitations.test_races import run_together

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 4


def actions(tenant) -> list[str]:
    return sorted(ActivityEvent.objects.filter(tenant=tenant).values_list("action", flat=True))


def test_losing_the_last_admin_race_records_nothing(postgres):
    for _ in range(ROUNDS):
        _last_admin_round()


def _last_admin_round():
    tenant = factories.TenantFactory()
    first = factories.AdminMembershipFactory(tenant=tenant)
    second = factories.AdminMembershipFactory(tenant=tenant)

    results = run_together(
        2,
        lambda i: member_services.membership_change_role(
            membership=(second, first)[i], role=Role.COLLABORATOR, actor=Actor.system()
        ),
    )

    assert sum(isinstance(r, member_services.LastAdminError) for r in results) == 1, results
    event = ActivityEvent.objects.get(tenant=tenant)
    assert event.action == MemberAction.ROLE_CHANGED
    winner = next(r for r in results if not isinstance(r, Exception))
    assert event.target_user_id == winner.user_id


def test_accept_and_revoke_at_once_record_only_the_winner(postgres):
    for _ in range(ROUNDS):
        _accept_revoke_round()


def _accept_revoke_round():
    tenant = factories.TenantFactory()
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    invitee = factories.UserFactory(email=invitation.email)

    results = run_together(
        2,
        lambda i: (
            invitation_accept(invitation=invitation, user=invitee)
            if i == 0
            else invitation_revoke(invitation=invitation, actor=Actor.member(admin))
        ),
    )

    assert all(not isinstance(r, Exception) or isinstance(r, InvitationError) for r in results)
    invitation.refresh_from_db()
    if invitation.status == InvitationStatus.ACCEPTED:
        assert actions(tenant) == [
            InvitationAction.ACCEPTED,
            MemberAction.JOINED,
        ]
    else:
        assert actions(tenant) == [InvitationAction.REVOKED]


def test_expiry_job_and_accepts_at_once_never_deadlock(postgres):
    for _ in range(ROUNDS):
        _expiry_accept_round()


def _expiry_accept_round():
    tenant = factories.TenantFactory(member_limit_override=20)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    stale = factories.InvitationFactory.create_batch(
        5, tenant=tenant, invited_by=admin, sent_at=timezone.now() - timedelta(days=8)
    )
    fresh = factories.InvitationFactory.create_batch(4, tenant=tenant, invited_by=admin)
    invitees = [factories.UserFactory(email=i.email) for i in fresh]

    results = run_together(
        5,
        lambda i: (
            invitations_expire_stale()
            if i == 0
            else invitation_accept(invitation=fresh[i - 1], user=invitees[i - 1])
        ),
    )

    assert results[0] == 5, results
    assert not [r for r in results[1:] if isinstance(r, Exception)], results
    assert actions(tenant) == sorted(
        [InvitationAction.EXPIRED] * 5 + [InvitationAction.ACCEPTED, MemberAction.JOINED] * 4
    )
    assert {
        e.target_email
        for e in ActivityEvent.objects.filter(action=InvitationAction.EXPIRED)
        if e.tenant_id == tenant.pk
    } == {i.email for i in stale}
