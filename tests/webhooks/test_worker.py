"""Webhooks through a real Celery worker (Redis, the PostgreSQL test database, an SMTP sink).

The worker runs the production code with shortened timings (backoff 0.3 s)
and ``WEBHOOKS_ALLOW_PRIVATE_URLS`` so it may post to the loopback receiver.
"""

import pytest
from django.db import transaction

from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from members.activity import MemberAction
from tenants.activity import activity_record
from tests import factories
from tests.reliability.faults import wait_until
from tests.smtp import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FAST = {
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOK_RETRY_BACKOFF_SECONDS": "0.3",
    "WEBHOOK_TIMEOUT_SECONDS": "3",
}


@pytest.fixture
def tenant_with_admin(db):
    membership = factories.AdminMembershipFactory(tenant__name="Hooked")
    return membership.tenant, membership.user


def emit(tenant, action=MemberAction.REMOVED):
    """An entry committed by a service; its deliveries are enqueued on commit."""
    with transaction.atomic():
        activity_record(tenant=tenant, action=action, target_email="leaver@example.com")


def statuses(delivery) -> list:
    return list(
        WebhookAttempt.objects.filter(delivery=delivery)
        .order_by("attempted_at", "pk")
        .values_list("status_code", flat=True)
    )


def test_a_receiver_answering_500_then_200_gets_one_success_after_a_retry(
    celery_worker_factory, receiver, tenant_with_admin, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    tenant, _ = tenant_with_admin
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant, url=receiver.url, events=["member.removed"]
    )
    receiver.respond(500, 200)
    celery_worker_factory(**FAST)

    emit(tenant)

    delivery = WebhookDelivery.objects.get()
    wait_until(
        lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED,
        timeout=30,
        what="the delivery to succeed",
    )
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    payloads = receiver.verified(endpoint.secret)
    assert [p["type"] for p in payloads] == ["member.removed", "member.removed"]
    assert statuses(delivery) == [500, 200]


def test_a_receiver_down_until_the_retries_run_out_disables_the_endpoint_and_emails_admins(
    celery_worker_factory, smtp_sink, tenant_with_admin, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    tenant, admin = tenant_with_admin
    down = f"http://127.0.0.1:{free_port()}/hooks"  # nothing listens there
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=down, events=["member.removed"])
    celery_worker_factory(**FAST, WEBHOOK_MAX_ATTEMPTS="2", WEBHOOK_DISABLE_AFTER_FAILURES="2")

    emit(tenant)
    wait_until(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 1,
        timeout=30,
        what="the first delivery to fail",
    )
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 1)

    emit(tenant)
    wait_until(lambda: smtp_sink.messages, timeout=30, what="the email telling admins")
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert endpoint.consecutive_failures == 2
    assert WebhookAttempt.objects.count() == 2 * 2  # two attempts per delivery
    [message] = smtp_sink.messages
    assert message["To"] == admin.email
    assert message["Subject"] == "A webhook of Hooked was disabled"
    assert down in message.get_body(("plain",)).get_content()
