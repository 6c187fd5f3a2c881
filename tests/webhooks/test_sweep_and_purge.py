"""The claim, the beat sweep (lost enqueues, dead workers) and the 30-day purge."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from console.webhooks import outbox, tasks
from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


def delivery(endpoint, **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="member.joined", payload={"type": "member.joined"}, **fields
    )


def test_a_delivery_is_claimed_once(make_endpoint):
    pending = delivery(make_endpoint())
    claimed = outbox.webhook_delivery_claim(delivery_id=pending.pk)
    assert (claimed.status, claimed.attempts) == (DeliveryStatus.SENDING, 1)
    assert outbox.webhook_delivery_claim(delivery_id=pending.pk) is None


def test_a_claim_older_than_the_lease_can_be_taken_over(make_endpoint, settings):
    stale = delivery(
        make_endpoint(),
        status=DeliveryStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1),
    )
    claimed = outbox.webhook_delivery_claim(delivery_id=stale.pk)
    assert claimed.attempts == 2


def test_a_delivery_not_yet_due_or_of_a_disabled_endpoint_is_not_claimed(make_endpoint):
    later = delivery(make_endpoint(), next_attempt_at=timezone.now() + timedelta(minutes=1))
    disabled = delivery(make_endpoint(enabled=False))
    assert outbox.webhook_delivery_claim(delivery_id=later.pk) is None
    assert outbox.webhook_delivery_claim(delivery_id=disabled.pk) is None
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"pending"}


def test_a_delivery_claimed_too_often_gives_up(make_endpoint, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint = make_endpoint()
    looping = delivery(endpoint, attempts=2)
    assert tasks.send_webhook(looping.pk) == "failed"
    looping.refresh_from_db()
    assert looping.status == DeliveryStatus.FAILED
    assert looping.last_error == "Gave up after 2 attempts."
    assert not WebhookAttempt.objects.exists()


def test_the_sweep_enqueues_what_has_no_live_task(make_endpoint, settings, monkeypatch):
    now = timezone.now()
    endpoint = make_endpoint()
    lost = delivery(endpoint, next_attempt_at=now - timedelta(minutes=5))
    dead_worker = delivery(
        endpoint,
        status=DeliveryStatus.SENDING,
        claimed_at=now - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 5),
    )
    delivery(endpoint)  # just written: its on-commit enqueue is on its way
    delivery(endpoint, next_attempt_at=now + timedelta(minutes=5))  # a retry not due yet
    delivery(endpoint, status=DeliveryStatus.SENDING, claimed_at=now)  # being sent
    delivery(endpoint, status=DeliveryStatus.SUCCEEDED, next_attempt_at=now - timedelta(hours=1))
    delivery(make_endpoint(enabled=False), next_attempt_at=now - timedelta(hours=1))
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_webhook_deliveries", lambda ids: enqueued.extend(ids))

    tasks.sweep_webhook_outbox()

    assert sorted(enqueued) == sorted([lost.pk, dead_worker.pk])


def test_a_broker_outage_does_not_fail_the_change(make_endpoint, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.send_webhook, "delay", broker_down)
    pending = delivery(make_endpoint())
    assert tasks.enqueue_webhook_deliveries([pending.pk]) == 0
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.PENDING  # left for the sweep


def test_the_purge_deletes_attempts_and_finished_deliveries_older_than_30_days(make_endpoint):
    now = timezone.now()
    endpoint = make_endpoint()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    old_done = delivery(endpoint, status=DeliveryStatus.SUCCEEDED, finished_at=old)
    old_failed = delivery(endpoint, status=DeliveryStatus.FAILED, finished_at=old)
    recent_done = delivery(endpoint, status=DeliveryStatus.SUCCEEDED, finished_at=recent)
    still_pending = delivery(endpoint, created_at=old)
    for row, at in [
        (old_done, old),
        (old_failed, old),
        (recent_done, recent),
        (still_pending, old),
    ]:
        WebhookAttempt.objects.create(delivery=row, endpoint=endpoint, attempted_at=at)
    stale_of_disabled = delivery(make_endpoint(enabled=False), created_at=old)

    deleted = outbox.webhook_history_purge_old(now=now, batch_size=2)

    assert deleted == 3 + 3  # old attempts; old finished deliveries and a disabled endpoint's
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        recent_done.pk,
        still_pending.pk,
    }
    assert list(WebhookAttempt.objects.values_list("delivery_id", flat=True)) == [recent_done.pk]
    assert not WebhookDelivery.objects.filter(pk=stale_of_disabled.pk).exists()


def test_the_purge_job_is_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "console.webhooks.tasks.purge_webhook_history",
        "console.webhooks.tasks.sweep_webhook_outbox",
    } <= scheduled
