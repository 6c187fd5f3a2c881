"""The outbox: deliveries written with the activity entry, through the signal."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from console.webhooks import services, tasks
from console.webhooks.models import DeliveryStatus, WebhookDelivery
from invitations.activity import InvitationAction
from members.activity import MemberAction
from tenants.activity import activity_entry, activity_record, activity_record_bulk
from tenants.models import TenantAction
from tests import factories
from tests.webhooks.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_enqueue(monkeypatch):
    """Only what is written matters here; sending is tested elsewhere."""
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_webhook_deliveries", lambda ids: enqueued.extend(ids))
    return enqueued


def test_an_entry_writes_one_delivery_per_enabled_endpoint_that_wants_it(
    tenant, admin, make_endpoint
):
    # given endpoints that want it, do not want it, are disabled, or belong elsewhere
    wants = make_endpoint(events=["member.joined", "member.removed"])
    make_endpoint(events=["member.removed"])
    make_endpoint(events=["member.joined"], enabled=False)
    make_endpoint(events=["member.joined"], tenant=factories.TenantFactory())

    # when
    event = record(tenant, MemberAction.JOINED, target_user=admin, details={"role": "admin"})

    # then
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == wants
    assert delivery.event_type == "member.joined"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.msg_id.startswith("msg_")
    assert delivery.payload == {
        "type": "member.joined",
        "timestamp": event.created_at.isoformat(),
        "data": {
            "id": event.pk,
            "tenant": tenant.public_id,
            "action": "member.joined",
            "actor": {"kind": "system", "email": None},
            "target": {"email": admin.email},
            "details": {"role": "admin"},
        },
    }


def test_a_rolled_back_change_leaves_no_delivery(tenant, make_endpoint):
    make_endpoint(events=["tenant.renamed"])
    with pytest.raises(RuntimeError), transaction.atomic():
        activity_record(tenant=tenant, action=TenantAction.RENAMED)
        raise RuntimeError("the change failed after its entry")
    assert not WebhookDelivery.objects.exists()


def test_deliveries_are_enqueued_only_after_commit(
    tenant, make_endpoint, no_enqueue, django_capture_on_commit_callbacks
):
    make_endpoint(events=["tenant.renamed"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(tenant, TenantAction.RENAMED)
        assert no_enqueue == []
    for callback in callbacks:
        callback()
    assert no_enqueue == list(WebhookDelivery.objects.values_list("pk", flat=True))


def test_no_endpoint_no_delivery_and_one_query(tenant, django_assert_num_queries):
    with transaction.atomic():
        event = activity_entry(tenant=tenant, action=TenantAction.RENAMED)
        with django_assert_num_queries(1):  # the endpoints of the tenant: none
            services.deliveries_for_events(events=[event])
    assert not WebhookDelivery.objects.exists()


def _bulk_queries(tenant, count: int) -> int:
    entries = [
        activity_entry(
            tenant=tenant, action=InvitationAction.SENT, target_email=f"p{i}@example.com"
        )
        for i in range(count)
    ]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        activity_record_bulk(entries=entries)
    return len(queries)


def test_a_bulk_invite_of_1000_writes_its_deliveries_in_constant_queries(
    postgres, tenant, make_endpoint
):
    make_endpoint(events=["invitation.sent"])
    make_endpoint(events=["invitation.sent", "invitation.accepted"])

    small = _bulk_queries(tenant, 10)
    large = _bulk_queries(tenant, 1000)

    # Savepoint + entries INSERT + endpoints SELECT + deliveries INSERT + release.
    assert small == large <= 5
    assert WebhookDelivery.objects.count() == 2 * (10 + 1000)


def test_entries_recorded_without_their_tenant_loaded_cost_no_query_each(
    tenant, make_endpoint, django_assert_num_queries
):
    # The expiry job's entries come back from raw SQL with only tenant_id set.
    make_endpoint(events=["invitation.expired"])
    with transaction.atomic():
        events = activity_record_bulk(
            entries=[
                activity_entry(tenant=tenant, action=InvitationAction.EXPIRED) for _ in range(20)
            ]
        )
        bare = [type(e)(pk=e.pk, tenant_id=e.tenant_id, action=e.action) for e in events]
        with django_assert_num_queries(2):  # endpoints with their tenant; one INSERT
            services.deliveries_for_events(events=bare)
    assert {d.payload["data"]["tenant"] for d in WebhookDelivery.objects.all()} == {
        tenant.public_id
    }
