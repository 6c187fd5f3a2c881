"""The settings that make "exactly once" hold, as a production worker really loads them."""

import json
import subprocess
import sys

import pytest

from console.email_retry import MAX_ATTEMPTS, retry_countdown
from invitations import tasks
from tests.console.test_platform import ROOT, _production_env

pytestmark = pytest.mark.reliability

WORKER_CONF = """
import json
from console.celery import app
from django.conf import settings
from console.email_retry import retry_countdown
conf = app.conf
print(json.dumps({
    "acks_late": conf.task_acks_late,
    "reject_on_worker_lost": conf.task_reject_on_worker_lost,
    "prefetch": conf.worker_prefetch_multiplier,
    "time_limit": conf.task_time_limit,
    "visibility_timeout": conf.broker_transport_options["visibility_timeout"],
    "restore_every": conf.broker_transport_options["unacked_restore_interval"],
    "lease": settings.INVITATION_EMAIL_LEASE_SECONDS,
    "longest_backoff": retry_countdown(99),
    "eager": conf.task_always_eager,
    "sweep_every": (
        settings.CELERY_BEAT_SCHEDULE["sweep-invitation-outbox"]["schedule"].total_seconds()
    ),
}))
"""


@pytest.fixture(scope="module")
def worker_conf():
    env = _production_env(REDIS_URL="redis://127.0.0.1:6379/0")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + WORKER_CONF],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_killed_workers_task_stays_on_the_broker_until_another_worker_runs_it(worker_conf):
    assert worker_conf["acks_late"] is True  # acknowledged after the send, not before
    assert worker_conf["reject_on_worker_lost"] is True  # a lost pool process requeues, not acks
    assert worker_conf["prefetch"] == 1  # a dying worker holds at most one send hostage
    assert worker_conf["eager"] is False


def test_a_running_send_is_never_redelivered_or_taken_over(worker_conf):
    # The broker redelivers after the visibility timeout and the outbox takes a
    # claim over after the lease: both must outlast the longest run of a send
    # (the hard time limit), and the lease must outlast a scheduled retry.
    assert worker_conf["time_limit"] * 10 <= worker_conf["visibility_timeout"]
    assert worker_conf["lease"] > worker_conf["time_limit"] + worker_conf["longest_backoff"]
    assert worker_conf["lease"] < worker_conf["visibility_timeout"]
    assert (
        worker_conf["restore_every"] <= 60
    )  # a killed worker's task comes back within a minute of the timeout


def test_the_send_task_itself_asks_for_late_acks_and_bounded_retries():
    task = tasks.send_invitation_email
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert task.max_retries == MAX_ATTEMPTS - 1
    assert [retry_countdown(n) for n in range(1, 7)] == [4, 8, 16, 32, 64, 64]


def test_a_dead_workers_send_is_taken_over_within_three_minutes(worker_conf):
    # A claim is stale after the lease and the next sweep hands it to a worker:
    # that leaves at least 30 s of the 3 minutes for the send itself
    # (tests/reliability/test_crash_recovery.py measures it with real workers).
    assert worker_conf["lease"] + worker_conf["sweep_every"] <= 150
