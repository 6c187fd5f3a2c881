"""Concurrent requests cannot break "every tenant keeps an admin" (PostgreSQL row locks).

Each case runs two threads, each with its own database connection, released
together by a barrier. Without the tenant row lock both would count "one other
admin" before either commits, and the tenant would end up with none.
"""

import threading
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services
from members.models import Role
from tenants.actors import Actor
from tests import factories

ROUNDS = 5  # the race is timing-dependent: repeat it for confidence


def _race(*calls):
    """Run each call in its own thread at the same moment; return each outcome."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "done"
        except (services.MembershipError, PermissionDenied) as error:
            outcomes[index] = type(error).__name__
        except Exception as error:  # surfaced in the assertion message
            outcomes[index] = repr(error)
        finally:
            connection.close()  # each thread has its own connection; give it back

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("as_actor", [False, True], ids=["rule only", "acting admins"])
def test_two_admins_demoting_each_other_at_once_leave_an_admin(postgres, as_actor):
    for _ in range(ROUNDS):
        tenant = factories.TenantFactory()
        first = factories.AdminMembershipFactory(tenant=tenant)
        second = factories.AdminMembershipFactory(tenant=tenant)

        outcomes = _race(
            partial(
                services.membership_change_role,
                membership=second,
                role=Role.COLLABORATOR,
                actor=Actor.member(first.user) if as_actor else Actor.system(),
            ),
            partial(
                services.membership_change_role,
                membership=first,
                role=Role.COLLABORATOR,
                actor=Actor.member(second.user) if as_actor else Actor.system(),
            ),
        )

        # The first one through demotes; the second sees that result under the
        # lock: the target is the last admin, or (as an actor) it is no admin anymore.
        refusal = "PermissionDenied" if as_actor else "LastAdminError"
        assert sorted(outcomes) == sorted(["done", refusal]), outcomes
        assert tenant.memberships.filter(role=Role.ADMIN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_leaving_at_once_leave_an_admin(postgres):
    for _ in range(ROUNDS):
        tenant = factories.TenantFactory()
        first = factories.AdminMembershipFactory(tenant=tenant)
        second = factories.AdminMembershipFactory(tenant=tenant)

        outcomes = _race(
            partial(services.membership_leave, membership=first),
            partial(services.membership_leave, membership=second),
        )

        assert sorted(outcomes) == ["LastAdminError", "done"], outcomes
        assert tenant.memberships.filter(role=Role.ADMIN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_transfer_racing_the_receivers_departure_leaves_an_admin(postgres):
    for _ in range(ROUNDS):
        tenant = factories.TenantFactory()
        giver = factories.AdminMembershipFactory(tenant=tenant)
        receiver = factories.MembershipFactory(tenant=tenant)

        outcomes = _race(
            partial(
                services.ownership_transfer,
                tenant=tenant,
                actor=Actor.member(giver.user),
                to_membership=receiver,
                then="leave",
            ),
            partial(services.membership_leave, membership=receiver),
        )

        # Either order is fine; what never happens is both succeeding.
        assert outcomes.count("done") == 1, outcomes
        assert tenant.memberships.filter(role=Role.ADMIN).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: services.membership_change_role(
            membership=b, role=Role.ADMIN, actor=Actor.system()
        ),
        lambda a, b: services.membership_remove(membership=b, actor=Actor.system()),
        lambda a, b: services.membership_leave(membership=b),
        lambda a, b: services.ownership_transfer(
            tenant=a.tenant, actor=Actor.member(a.user), to_membership=b, then="stay"
        ),
    ],
    ids=["change role", "remove", "leave", "transfer"],
)
def test_each_service_locks_the_tenant_row_before_reading_memberships(postgres, call):
    admin = factories.AdminMembershipFactory()
    member = factories.MembershipFactory(tenant=admin.tenant)
    with CaptureQueriesContext(connection) as queries:
        call(admin, member)
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert '"tenants_tenant"' in statements[0] and statements[0].endswith("FOR UPDATE"), statements[
        0
    ]
