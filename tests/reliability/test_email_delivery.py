"""Invitation emails under faults: killed workers, SMTP outages, a Redis outage, duplicates.

Each test drives real ``celery -A console worker`` processes against Redis
and the PostgreSQL test database, delivering to a real SMTP sink, and counts
what the sink really received for the invitation: exactly one message.

The worker settings in ``FAST_FAULTS`` shrink the production timings (visibility
timeout 1 h, lease 5 min, backoff from 10 s) to seconds; the mechanisms are the
production ones.
"""

import os
import re
import signal
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.email_retry import MAX_ATTEMPTS as MAX_EMAIL_ATTEMPTS
from invitations import tasks
from invitations.models import EmailStatus, Invitation
from invitations.services import invitation_create_bulk
from members.models import Role
from tenants.actors import Actor
from tests import factories
from tests.reliability.faults import (
    FAST_FAULTS,
    celery_broker,
    child_pids,
    queue_is_drained,
    smtp_url,
    wait_until,
)
from tests.smtp import SMTPSink, free_port

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def invite(address: str) -> Invitation:
    """An admin invites ``address``; the send is enqueued on commit, as from the form."""
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    [invitation] = invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=[address], role=Role.COLLABORATOR
    )
    return invitation


def email_state(invitation: Invitation) -> tuple[str, int]:
    invitation.refresh_from_db()
    return invitation.email_status, invitation.email_attempts


def wait_for_status(invitation: Invitation, status: str, timeout: float = 30.0) -> Invitation:
    wait_until(
        lambda: email_state(invitation)[0] == status, timeout=timeout, what=f"email_status={status}"
    )
    return invitation


def messages_to(sink, address: str) -> list:
    return [message for message in sink.messages if message["To"] == address]


def task_received(
    worker, task_id_prefix: str = "invitations.tasks.send_invitation_email"
) -> list[str]:
    """The task ids a worker logged as received, in order (a redelivery repeats one)."""
    return re.findall(re.escape(task_id_prefix) + r"\[([0-9a-f-]+)\] received", worker.log())


# -- A worker killed while sending -----------------------------------------------------------


def test_worker_killed_mid_send_is_redelivered_and_the_email_goes_out_once(
    shared_broker, workers, smtp_sink
):
    # given a slow SMTP server, so the worker is caught in the middle of the send
    smtp_sink.delay = 5
    first = workers(shared_broker, smtp_url(smtp_sink.port), **FAST_FAULTS)
    invitation = invite("ana@example.com")
    smtp_sink.wait_for_receiving(1)

    # when the worker is SIGKILLed before the server accepted the message
    first.kill()
    assert email_state(invitation) == (EmailStatus.SENDING, 1)  # a dead worker's claim
    assert smtp_sink.messages == []
    smtp_sink.delay = 0

    # then a new worker gets the unacknowledged task back (acks_late, visibility
    # timeout), takes over the stale claim, and delivers exactly once
    second = workers(shared_broker, smtp_url(smtp_sink.port), **FAST_FAULTS)
    wait_for_status(invitation, EmailStatus.SENT)
    wait_until(
        lambda: queue_is_drained(shared_broker), what="the redelivered task to be acknowledged"
    )
    assert len(messages_to(smtp_sink, "ana@example.com")) == 1
    assert email_state(invitation) == (EmailStatus.SENT, 2)
    assert task_received(second) == task_received(first)  # the same task, redelivered
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert tasks.sweep_invitation_outbox.apply().get() == 0  # nothing left to sweep


def test_pool_process_killed_mid_send_is_requeued_and_the_email_goes_out_once(
    shared_broker, workers, smtp_sink, settings
):
    # given a prefork worker whose pool process is caught in the middle of the send
    smtp_sink.delay = 5
    worker = workers(shared_broker, smtp_url(smtp_sink.port), pool="prefork", **FAST_FAULTS)
    invitation = invite("li@example.com")
    smtp_sink.wait_for_receiving(1)

    # when that pool process is SIGKILLed (an OOM kill, a crash)
    [pool_process] = child_pids(worker.process.pid)
    os.kill(pool_process, signal.SIGKILL)
    smtp_sink.delay = 0

    # then reject_on_worker_lost puts the task back at once; the redelivered
    # task finds the send claimed less than a lease ago and leaves it alone
    [_task_id] = set(
        wait_until(
            lambda: len(task_received(worker)) >= 2 and task_received(worker), what="redelivery"
        )
    )
    wait_until(lambda: queue_is_drained(shared_broker), what="the redelivered task to finish")
    assert "WorkerLostError" in worker.log() or "signal 9" in worker.log()

    # and once the lease has passed, the outbox sweep hands it to a worker: one email
    settings.INVITATION_EMAIL_LEASE_SECONDS = int(FAST_FAULTS["INVITATION_EMAIL_LEASE_SECONDS"])
    wait_until(
        lambda: (
            email_state(invitation)[0] == EmailStatus.SENT
            or tasks.sweep_invitation_outbox.apply().get()
        ),
        what="the sweep to pick up the stale claim",
    )
    wait_for_status(invitation, EmailStatus.SENT)
    wait_until(lambda: queue_is_drained(shared_broker), what="the swept task to finish")
    assert len(messages_to(smtp_sink, "li@example.com")) == 1
    assert tasks.sweep_invitation_outbox.apply().get() == 0


# -- The SMTP server down ---------------------------------------------------------------------


def test_smtp_down_for_a_while_is_retried_with_backoff_then_delivered_once(shared_broker, workers):
    # given no SMTP server listening yet
    port = free_port()
    worker = workers(shared_broker, smtp_url(port), **FAST_FAULTS)
    invitation = invite("sam@example.com")

    # when a few attempts have failed to connect
    wait_until(lambda: email_state(invitation)[1] >= 3, what="three attempts")
    assert email_state(invitation)[0] in {EmailStatus.QUEUED, EmailStatus.SENDING}
    assert invitation.email_error  # the last error is kept for operators

    # and the server comes back
    sink = SMTPSink(port=port)
    sink.start()
    try:
        wait_for_status(invitation, EmailStatus.SENT)
        wait_until(lambda: queue_is_drained(shared_broker), what="the retries to finish")
        # then exactly one email, after retries that waited longer each time
        assert len(messages_to(sink, "sam@example.com")) == 1
    finally:
        sink.stop()
    waits = [float(w) for w in re.findall(r"will be retried in ([\d.]+)s", worker.log())]
    base = float(FAST_FAULTS["INVITATION_EMAIL_RETRY_BACKOFF_SECONDS"])
    assert waits[:3] == [base, base * 2, base * 4]
    assert 3 <= invitation.email_attempts < MAX_EMAIL_ATTEMPTS
    assert invitation.email_error == ""


def test_smtp_refusing_to_the_last_retry_marks_the_send_failed_for_admins_and_operators(
    shared_broker, workers, smtp_sink
):
    # given a server that answers "try again later" to every attempt
    smtp_sink.reject_with = "421 4.3.2 Service not available, try again later"
    workers(shared_broker, smtp_url(smtp_sink.port), **FAST_FAULTS)
    invitation = invite("kim@example.com")

    # when every retry has been used
    wait_for_status(invitation, EmailStatus.FAILED)

    # then the send is failed after MAX_EMAIL_ATTEMPTS tries, and nothing was delivered
    assert invitation.email_attempts == MAX_EMAIL_ATTEMPTS
    assert smtp_sink.receiving == MAX_EMAIL_ATTEMPTS and smtp_sink.messages == []
    assert "421" in invitation.email_error
    admin_client = Client()
    admin_client.force_login(invitation.invited_by)
    tab = admin_client.get(
        reverse("tenant_invitations:list", kwargs={"tenant_id": invitation.tenant.public_id})
    )
    assert "Email failed" in tab.content.decode()
    operator = Client()
    operator.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    changelist = operator.get(
        reverse("admin:invitations_invitation_changelist"), {"email_status__exact": "failed"}
    )
    page = changelist.content.decode()
    assert "kim@example.com" in page and "Email failed" in page

    # and Resend, once the server is back, delivers it exactly once
    smtp_sink.reject_with = None
    admin_client.post(
        reverse(
            "tenant_invitations:resend",
            kwargs={"tenant_id": invitation.tenant.public_id, "pk": invitation.pk},
        )
    )
    wait_for_status(invitation, EmailStatus.SENT)
    wait_until(lambda: queue_is_drained(shared_broker), what="the resend to finish")
    assert len(messages_to(smtp_sink, "kim@example.com")) == 1


# -- Redis down when an admin invites ------------------------------------------------------------


def test_invite_while_redis_is_down_succeeds_and_the_sweep_sends_once_redis_is_back(
    own_redis, workers, smtp_sink, settings, caplog
):
    # given Redis (broker and cache) is down
    settings.CACHES = {
        **settings.CACHES,  # the page cache stays
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    client = Client()
    client.force_login(admin)
    with celery_broker(own_redis.url):
        # when an admin invites
        response = client.post(
            reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id}),
            {"emails": "noor@example.com", "role": Role.COLLABORATOR},
        )

        # then the invitation is saved and the admin sees success
        assert response.status_code == 302
        assert response["Location"].startswith(
            reverse("tenant_invitations:list", kwargs={"tenant_id": tenant.public_id}) + "?batch="
        )
        [message] = get_messages(response.wsgi_request)
        assert message.level_tag == "success" and "1 invitation sent" in message.message
        invitation = Invitation.objects.get(tenant=tenant, email="noor@example.com")
        assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.QUEUED, 0)
        assert "left for the outbox sweep" in caplog.text
        assert "failing open" in caplog.text  # the rate limits did not block the invite

        # when Redis is back with a worker, and the beat sweep runs
        own_redis.start()
        workers(own_redis.url, smtp_url(smtp_sink.port))
        assert smtp_sink.messages == []  # nothing re-sends it but the sweep
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            assert tasks.sweep_invitation_outbox.apply().get() == 1

        # then the email goes out exactly once
        wait_for_status(invitation, EmailStatus.SENT)
        wait_until(lambda: queue_is_drained(own_redis.url), what="the swept task to finish")
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            assert tasks.sweep_invitation_outbox.apply().get() == 0
    assert len(messages_to(smtp_sink, "noor@example.com")) == 1
    assert invitation.email_attempts == 1


# -- Duplicate deliveries of one send ---------------------------------------------------------


def test_duplicate_tasks_on_two_workers_send_one_email(shared_broker, workers, smtp_sink):
    # given two workers and a slow server, so duplicates arrive while the send is in flight
    smtp_sink.delay = 1.5
    first = workers(shared_broker, smtp_url(smtp_sink.port))
    second = workers(shared_broker, smtp_url(smtp_sink.port))

    # when the same send is enqueued four times (a redelivery, a sweep, a double click...)
    invitation = invite("ola@example.com")
    for _ in range(3):
        tasks.send_invitation_email.delay(invitation.pk)

    # then the conditional UPDATE lets one task send and the others skip
    wait_for_status(invitation, EmailStatus.SENT)
    wait_until(lambda: queue_is_drained(shared_broker), what="every duplicate to finish")
    assert len(messages_to(smtp_sink, "ola@example.com")) == 1
    assert email_state(invitation) == (EmailStatus.SENT, 1)
    logs = first.log() + second.log()
    # one JSON line per outcome (a line may name its result twice: message and data)
    lines = logs.splitlines()
    succeeded = [line for line in lines if "succeeded" in line and "celery.app.trace" in line]
    assert len(succeeded) == 4
    assert sum("'skipped'" in line for line in succeeded) == 3
    assert task_received(first) and task_received(second)  # both workers took part
