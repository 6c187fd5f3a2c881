"""tenants.activity: entries, the bulk insert, the signal, the transaction rule."""

import pytest
from django.db import transaction
from django.test import RequestFactory

from console.client_ip import client_ip
from invitations.activity import InvitationAction
from members.activity import MemberAction
from tenants.activity import (
    ActivityOutsideTransaction,
    activity_entry,
    activity_record,
    activity_record_bulk,
    activity_recorded,
)
from tenants.models import ActivityEvent, ActorKind, TenantAction
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, events, **kwargs):
        calls.append(list(events))

    activity_recorded.connect(receiver)
    yield calls
    activity_recorded.disconnect(receiver)


def test_record_writes_the_entry_and_sends_the_signal_with_it(received):
    tenant = TenantFactory()
    actor, target = UserFactory(), UserFactory()
    with transaction.atomic():
        event = activity_record(
            tenant=tenant,
            action=MemberAction.ROLE_CHANGED,
            actor=actor,
            target_user=target,
            details={"old_role": "collaborator", "new_role": "admin"},
            ip="203.0.113.7",
        )
    stored = ActivityEvent.objects.get()
    assert stored.pk == event.pk
    assert (stored.tenant, stored.actor, stored.actor_email, stored.actor_kind) == (
        tenant,
        actor,
        actor.email,
        ActorKind.MEMBER,
    )
    assert (stored.target_user, stored.target_email) == (target, target.email)
    assert stored.details == {"old_role": "collaborator", "new_role": "admin"}
    assert stored.ip == "203.0.113.7"
    assert stored.get_action_display() == "Role changed"
    assert received == [[event]]


def test_no_actor_means_system_and_operator_is_explicit():
    tenant = TenantFactory()
    operator = UserFactory(is_staff=True)
    with transaction.atomic():
        system = activity_record(tenant=tenant, action=InvitationAction.EXPIRED)
        op = activity_record(
            tenant=tenant,
            action=TenantAction.MEMBER_LIMIT_CHANGED,
            actor=operator,
            actor_kind=ActorKind.OPERATOR,
        )
    assert system.actor_kind == ActorKind.SYSTEM and system.actor_label == "System"
    assert op.actor_kind == ActorKind.OPERATOR and op.actor_label == "Operator"


def test_unknown_action_or_actor_kind_is_refused_and_nothing_written():
    tenant = TenantFactory()
    with transaction.atomic():
        with pytest.raises(ValueError):
            activity_record(tenant=tenant, action="member.danced")
        with pytest.raises(ValueError):
            activity_record(tenant=tenant, action=MemberAction.LEFT, actor_kind="robot")
    assert not ActivityEvent.objects.exists()


def test_bulk_is_one_insert_and_one_signal(received, django_assert_num_queries):
    tenant = TenantFactory()
    actor = UserFactory()
    entries = [
        activity_entry(
            tenant=tenant,
            action=InvitationAction.SENT,
            actor=actor,
            target_email=f"p{i}@example.com",
        )
        for i in range(50)
    ]
    # The INSERT, and console.webhooks' receiver looking up the tenant's endpoints.
    with transaction.atomic(), django_assert_num_queries(2):
        events = activity_record_bulk(entries=entries)
    assert len(received) == 1
    assert [e.pk for e in received[0]] == [e.pk for e in events]
    assert all(e.pk for e in events)
    assert ActivityEvent.objects.filter(tenant=tenant).count() == 50


def test_bulk_of_nothing_writes_and_sends_nothing(received, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert activity_record_bulk(entries=[]) == []
    assert received == []


def test_rolled_back_change_takes_its_entry_with_it():
    tenant = TenantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        activity_record(tenant=tenant, action=TenantAction.RENAMED)
        raise RuntimeError("the change failed")
    assert not ActivityEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    tenant = TenantFactory()
    with pytest.raises(ActivityOutsideTransaction):
        activity_record(tenant=tenant, action=TenantAction.RENAMED)
    with pytest.raises(ActivityOutsideTransaction):
        activity_record_bulk(entries=[activity_entry(tenant=tenant, action=TenantAction.RENAMED)])
    assert not ActivityEvent.objects.exists()


def test_deleting_the_tenant_deletes_its_log():
    tenant = TenantFactory()
    with transaction.atomic():
        activity_record(tenant=tenant, action=TenantAction.CREATED)
    tenant.delete()
    assert not ActivityEvent.objects.exists()


def test_deleted_accounts_still_read_by_their_email():
    tenant = TenantFactory()
    actor, target = UserFactory(), UserFactory()
    with transaction.atomic():
        activity_record(tenant=tenant, action=MemberAction.REMOVED, actor=actor, target_user=target)
    emails = (actor.email, target.email)
    actor.delete()
    target.delete()
    event = ActivityEvent.objects.get()
    assert (event.actor, event.target_user) == (None, None)
    assert (event.actor_label, event.target_email) == emails


class TestClientIp:
    def test_remote_addr_without_proxies(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1")
        request.META["HTTP_X_FORWARDED_FOR"] = "6.6.6.6"
        assert client_ip(request) == "198.51.100.1"

    def test_nth_from_the_right_behind_trusted_proxies(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
        # The client forged the left-most entry; the outer proxy wrote the second from the right.
        request.META["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 203.0.113.9, 10.0.0.1"
        assert client_ip(request) == "203.0.113.9"

    def test_too_few_entries_falls_back_to_remote_addr(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
        request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
        assert client_ip(request) == "10.0.0.2"

    def test_missing_address_is_none(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = RequestFactory().get("/")
        request.META.pop("REMOTE_ADDR", None)
        assert client_ip(request) is None


@pytest.mark.django_db(transaction=True)
def test_recording_never_waits_for_the_tenant_row_lock(postgres):
    """Services lock the tenant row FOR UPDATE (accept, invite, member changes);
    an entry written by one holding another row's lock (revoke, the expiry job)
    must not queue behind it, or the two deadlock (see ActivityEvent.tenant)."""
    import psycopg
    from django.db import connection

    tenant = TenantFactory()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=False) as holder:
        holder.execute("SELECT id FROM tenants_tenant WHERE id = %s FOR UPDATE", [tenant.pk])
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            activity_record(tenant=tenant, action=InvitationAction.REVOKED)
        holder.rollback()
    assert ActivityEvent.objects.filter(tenant=tenant).count() == 1
