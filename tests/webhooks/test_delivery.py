"""Sending: signed POSTs to a loopback receiver, retries, attempts, disabling.

Tasks run in-process here (eager); tests/webhooks/test_worker.py runs the
same paths in a real Celery worker. The receiver verifies every signature
with the ``standardwebhooks`` package.
"""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from console.webhooks import tasks
from console.webhooks.activity import WebhookAction
from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from members.activity import MemberAction
from tenants.actors import Actor
from tenants.models import ActivityEvent, ActorKind
from tests import factories
from tests.webhooks.conftest import record
from tests.webhooks.receiver import Reply
from tests.webhooks.test_guard import resolving_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast(allow_private):
    allow_private.WEBHOOK_RETRY_BACKOFF_SECONDS = 0  # a retry is due at once
    allow_private.WEBHOOK_MAX_ATTEMPTS = 3
    allow_private.WEBHOOK_TIMEOUT_SECONDS = 2
    return allow_private


@pytest.fixture
def endpoint(make_endpoint, receiver):
    return make_endpoint(url=receiver.url, events=["member.joined"])


@pytest.fixture
def emit(tenant, django_capture_on_commit_callbacks):
    """Record a "member joined" entry and run its on-commit enqueue (the send, in-process)."""

    def emit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return record(tenant, MemberAction.JOINED, **kwargs)

    return emit


def the_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def status_codes(delivery) -> list:
    return list(
        WebhookAttempt.objects.filter(delivery=delivery)
        .order_by("attempted_at", "pk")
        .values_list("status_code", flat=True)
    )


def test_an_event_is_posted_signed_with_standard_webhooks_headers(endpoint, receiver, emit, admin):
    emit(target_user=admin)

    [request] = receiver.wait_for(1)
    delivery = the_delivery()
    [payload] = receiver.verified(endpoint.secret)
    assert payload == delivery.payload
    assert payload["type"] == "member.joined"
    assert request.headers["webhook-id"] == delivery.msg_id
    assert request.headers["Content-Type"] == "application/json"
    assert request.path == "/hooks"
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert status_codes(delivery) == [200]


def test_a_wrong_secret_does_not_verify(endpoint, receiver, emit):
    from standardwebhooks import WebhookVerificationError

    from console.webhooks.models import new_signing_secret

    emit()
    receiver.wait_for(1)
    with pytest.raises(WebhookVerificationError):
        receiver.verified(new_signing_secret())


def test_500_then_200_is_one_success_after_a_retry_with_the_same_webhook_id(
    endpoint, receiver, emit
):
    receiver.respond(500, 200)
    emit()

    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert len(receiver.verified(endpoint.secret)) == 2
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert status_codes(delivery) == [500, 200]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 413, 422, 301])
def test_a_4xx_other_than_408_or_429_is_never_retried(endpoint, receiver, emit, code):
    receiver.respond(code, 200)
    emit()

    receiver.wait_for(1)
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert status_codes(delivery) == [code]
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_408_429_and_5xx_are_retried_after_the_backoff(endpoint, receiver, emit, fast, code):
    fast.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    receiver.respond(code, 200)
    before = timezone.now()
    emit()

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == f"HTTP {code}"
    # Due again in 30 s; the in-process retry found it not due and left it.
    assert before + timedelta(seconds=30) <= delivery.next_attempt_at
    assert status_codes(delivery) == [code]


def test_a_timeout_is_retried(endpoint, receiver, emit, fast):
    fast.WEBHOOK_TIMEOUT_SECONDS = 0.3
    fast.WEBHOOK_MAX_ATTEMPTS = 1 + 1
    receiver.respond(Reply(delay=1.0), 200)
    emit()

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    first, second = WebhookAttempt.objects.order_by("pk")
    assert first.status_code is None
    assert "timed out" in first.error.lower()
    assert 250 <= first.duration_ms < 1000
    assert second.status_code == 200


def test_a_network_error_is_retried(make_endpoint, emit, fast):
    from tests.smtp import free_port

    fast.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    make_endpoint(url=f"http://127.0.0.1:{free_port()}/nobody", events=["member.joined"])
    emit()

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.PENDING
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None
    assert "NewConnectionError" in attempt.error or "refused" in attempt.error.lower()


def test_out_of_attempts_the_delivery_fails_and_counts_against_the_endpoint(
    endpoint, receiver, emit
):
    receiver.respond(503)
    emit()

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    assert status_codes(delivery) == [503, 503, 503]
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.enabled) == (1, True)


def test_only_the_first_kilobyte_of_the_answer_is_kept(endpoint, receiver, emit):
    receiver.respond(Reply(status=200, body=b"x" * 5000))
    emit()
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.response_excerpt == "x" * 1024


def test_after_n_failed_deliveries_in_a_row_the_endpoint_is_disabled_and_admins_emailed(
    tenant, admin, collaborator, endpoint, receiver, emit, fast, mailoutbox
):
    fast.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    fast.WEBHOOK_MAX_ATTEMPTS = 1
    second_admin = factories.AdminMembershipFactory(tenant=tenant).user
    receiver.respond(500)

    emit()
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 1)
    assert mailoutbox == []

    emit()
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert endpoint.disabled_at is not None
    [email] = mailoutbox
    assert sorted(email.to) == sorted([admin.email, second_admin.email])
    assert collaborator.email not in email.to
    assert endpoint.url in email.body
    assert "2 failed deliveries in a row" in email.body
    entry = ActivityEvent.objects.get(action=WebhookAction.CHANGED)
    assert entry.actor_kind == ActorKind.SYSTEM
    assert entry.details["enabled"] is False

    # then a disabled endpoint gets no new deliveries
    emit()
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 2


def test_a_success_resets_the_failure_count(endpoint, receiver, emit):
    type(endpoint).objects.filter(pk=endpoint.pk).update(consecutive_failures=7)
    emit()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_the_url_is_checked_again_at_send_time(endpoint, receiver, emit, fast, monkeypatch):
    # given an endpoint saved while its name resolved to a public address, now
    # resolving to a private one (DNS rebinding), with private URLs not allowed
    fast.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    type(endpoint).objects.filter(pk=endpoint.pk).update(
        url=f"https://hooks.example.com:{receiver.port}/hooks"
    )
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("127.0.0.1"))

    emit()

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused: This URL points to a private")
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    endpoint, receiver, emit, monkeypatch
):
    resolved = []

    def once(host, port, *args, **kwargs):
        resolved.append(host)
        return resolving_to("127.0.0.1")(host, port)

    type(endpoint).objects.filter(pk=endpoint.pk).update(
        url=f"http://hooks.example.test:{receiver.port}/hooks"
    )
    monkeypatch.setattr(socket, "getaddrinfo", once)

    emit()

    [request] = receiver.wait_for(1)
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"
    # Resolved once by the guard; the connection used that address, not the name.
    assert resolved.count("hooks.example.test") == 1
    assert the_delivery().status == DeliveryStatus.SUCCEEDED


def test_a_second_task_for_a_sent_delivery_does_nothing(endpoint, receiver, emit):
    emit()
    delivery = the_delivery()
    assert tasks.send_webhook(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.count() == 1


def test_reenabling_sends_the_deliveries_left_pending(
    endpoint, receiver, admin, django_capture_on_commit_callbacks
):
    from console.webhooks import services

    # given a delivery written while the endpoint was enabled, then the endpoint disabled
    with django_capture_on_commit_callbacks(execute=False):
        record(endpoint.tenant, MemberAction.JOINED)
    type(endpoint).objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_at=timezone.now(), consecutive_failures=50
    )
    assert tasks.send_webhook(the_delivery().pk) == "skipped"  # a disabled endpoint waits

    # when an admin re-enables it
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_endpoint_enable(endpoint=endpoint, actor=Actor.member(admin))

    # then the waiting delivery goes out
    receiver.wait_for(1)
    assert the_delivery().status == DeliveryStatus.SUCCEEDED


def test_no_disabled_email_when_the_endpoint_was_reenabled_meanwhile(endpoint, mailoutbox):
    assert tasks.send_endpoint_disabled_email(endpoint.pk) == 0  # it is enabled
    assert mailoutbox == []
