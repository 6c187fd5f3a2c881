"""Races on PostgreSQL: the tenant row lock and the constraints keep the rules under concurrency."""

import threading
import time

import pytest
from django.db import connection, transaction

from invitations.exceptions import InvitationError, InvitationsRefused
from invitations.models import Invitation, InvitationStatus
from invitations.services import invitation_accept, invitation_create_bulk, invitation_revoke
from members.models import Membership, Role
from members.services import membership_change_role
from tenants.actors import Actor
from tests import factories


def run_together(count: int, work):
    """Run ``work(i)`` in ``count`` threads released at once; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_fill_the_last_seat_once(postgres):
    # given a Development tenant with 2 members and 1 free seat, and 20 invitations
    tenant = factories.TenantFactory()
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    factories.MembershipFactory(tenant=tenant)
    invitations = factories.InvitationFactory.create_batch(20, tenant=tenant, invited_by=admin)
    users = [factories.UserFactory(email=i.email) for i in invitations]

    results = run_together(
        20, lambda i: invitation_accept(invitation=invitations[i], user=users[i])
    )

    assert sum(isinstance(r, Membership) for r in results) == 1
    assert all(isinstance(r, (Membership, InvitationError)) for r in results), results
    assert Membership.objects.filter(tenant=tenant).count() == 3
    assert Invitation.objects.filter(tenant=tenant, status=InvitationStatus.ACCEPTED).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_same_link_accepted_twice_at_once_makes_one_membership(postgres):
    tenant = factories.TenantFactory()
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    user = factories.UserFactory(email=invitation.email)

    results = run_together(5, lambda i: invitation_accept(invitation=invitation, user=user))

    assert sum(isinstance(r, Membership) for r in results) == 1
    assert Membership.objects.filter(tenant=tenant, user=user).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_invites_of_the_same_address_make_one_pending_invitation(postgres):
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user

    results = run_together(
        8,
        lambda i: invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=["ana@example.com", f"other{i}@example.com"],
            role=Role.COLLABORATOR,
        ),
    )

    assert sum(isinstance(r, list) for r in results) == 1
    assert all(isinstance(r, (list, InvitationsRefused)) for r in results), results
    assert Invitation.objects.filter(tenant=tenant, email="ana@example.com").count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_revoke_waiting_on_the_admins_demotion_is_refused_once_it_commits(postgres):
    # given an admin whose demotion holds the tenant lock, uncommitted
    tenant = factories.TenantFactory()
    factories.AdminMembershipFactory(tenant=tenant)
    actor = factories.AdminMembershipFactory(tenant=tenant)
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=actor.user)
    demoted = threading.Event()
    outcome = {}

    def revoke():
        demoted.wait(10)
        try:
            invitation_revoke(invitation=invitation, actor=Actor.member(actor.user))
            outcome["result"] = "revoked"
        except Exception as error:
            outcome["result"] = type(error).__name__
        finally:
            connection.close()

    thread = threading.Thread(target=revoke)
    thread.start()
    with transaction.atomic():
        membership_change_role(membership=actor, role=Role.COLLABORATOR, actor=Actor.system())
        demoted.set()
        # when the admin's revoke (checked by the view before the demotion) runs now
        time.sleep(0.5)
        assert "result" not in outcome  # it waits for the tenant lock
    thread.join(timeout=30)

    # then it sees the committed demotion under the lock: refused, nothing changed
    assert outcome == {"result": "PermissionDenied"}
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
