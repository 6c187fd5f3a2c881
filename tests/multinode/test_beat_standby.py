"""Beat on two machines (redbeat): one schedules, the other stands by and takes
over within a minute of the first dying; the jobs never run twice at once, and
would do no harm if they did (they are idempotent).

The two beats are real ``celery -A console beat`` processes with the
production schedule and lock timings, sharing the configured Redis.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from invitations.activity import InvitationAction
from invitations.expiry import invitations_expire_stale
from invitations.models import EmailStatus, Invitation, InvitationStatus
from invitations.tasks import sweep_invitation_outbox
from tenants.models import ActivityEvent
from tests import factories
from tests.invitations.test_races import run_together
from tests.multinode.conftest import wait_for

pytestmark = [pytest.mark.multinode, pytest.mark.services]

SWEEP = "sweep-invitation-outbox"  # every 20 seconds


@pytest.mark.django_db(transaction=True)
def test_one_beat_schedules_and_the_standby_takes_over_within_a_minute(cluster):
    first = cluster.beat()
    wait_for(first.holds_the_lock, timeout=30, what="the first beat to take the lock")
    standby = cluster.beat()

    # while both run, only the lock holder sends anything
    wait_for(lambda: first.sent(SWEEP) >= 3, timeout=90, what="three sweeps from the first beat")
    assert not standby.holds_the_lock()
    assert b"Sending due task" not in standby.log_path.read_bytes()

    # the first dies: the standby takes the lock within a minute and carries on
    first.kill()
    killed_at = time.monotonic()
    wait_for(standby.holds_the_lock, timeout=60, what="the standby to take the lock")
    took_over = time.monotonic() - killed_at
    assert took_over < 60
    wait_for(lambda: standby.sent(SWEEP) >= 1, timeout=30, what="a sweep from the standby")
    print(f"standby took over {took_over:.0f}s after the kill")


@pytest.mark.django_db(transaction=True)
def test_expiry_and_the_sweep_run_twice_at_once_change_nothing_twice(postgres):
    # given overdue invitations, and sends waiting in the outbox
    tenant = factories.TenantFactory(pro=True)
    past = timezone.now() - timedelta(days=10)
    overdue = [
        factories.InvitationFactory(tenant=tenant, sent_at=past, expires_at=past + timedelta(7))
        for _ in range(20)
    ]
    Invitation.objects.filter(pk__in=[i.pk for i in overdue]).update(email_status=EmailStatus.SENT)

    # when two schedulers ran expiry at the same moment (they never do: one lock)
    counts = run_together(2, lambda i: invitations_expire_stale())

    # then each invitation expired once, with one activity entry
    assert sorted(counts) == [0, 20]
    assert Invitation.objects.filter(status=InvitationStatus.EXPIRED).count() == 20
    assert ActivityEvent.objects.filter(action=InvitationAction.EXPIRED).count() == 20


@pytest.mark.django_db(transaction=True)
def test_two_outbox_sweeps_at_once_send_each_waiting_email_once(postgres, mailoutbox):
    # given sends whose enqueue was lost (queued ten minutes ago, never claimed)
    tenant = factories.TenantFactory(pro=True)
    waiting = [factories.InvitationFactory(tenant=tenant) for _ in range(10)]
    Invitation.objects.filter(pk__in=[i.pk for i in waiting]).update(
        email_status=EmailStatus.QUEUED,
        email_claimed_at=None,
        sent_at=timezone.now() - timedelta(minutes=10),
    )

    # when two sweeps ran at once (tasks run in-process here, each thread sending)
    run_together(2, lambda i: sweep_invitation_outbox())

    # then each email went out once
    assert sorted(m.to[0] for m in mailoutbox) == sorted(i.email for i in waiting)
    assert set(Invitation.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_beat_without_redis_keeps_its_local_file_schedule(postgres, tmp_path):
    """No REDIS_URL (one machine, no services): Celery's own file scheduler, no redbeat."""
    from tests.multinode.conftest import BeatProcess

    schedule = tmp_path / "celerybeat-schedule"
    beat = BeatProcess(redis_url="", email_url="consolemail://")
    beat.command = lambda: [  # type: ignore[method-assign]
        *BeatProcess.command(beat),
        f"--schedule={schedule}",
    ]
    try:
        beat.start()
        wait_for(lambda: beat.sent(SWEEP) >= 1, timeout=60, what="a sweep from the local beat")
        assert b"redbeat" not in beat.log_path.read_bytes().lower()
        assert b"PersistentScheduler" in beat.log_path.read_bytes()
    finally:
        beat.stop()
