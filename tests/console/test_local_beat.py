"""The one-machine default runs its schedule too (SPEC, Jobs; issue 24).

``make run``'s settings (DEBUG=true, no REDIS_URL: tasks in-process) on a
SQLite file, served by ``manage.py runserver`` as a new user would start it.
Nothing else runs: no worker, no beat. A webhook receiver on loopback answers
500 once; the web process's own scheduler thread must retry the delivery (the
webhook outbox sweep, every minute) and expire an overdue invitation.

Takes about a minute and a half (the sweep's interval is the production one).
"""

import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from tests.console.test_platform import ROOT
from tests.reliability.faults import wait_until
from tests.smtp import free_port
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.waits

SETUP = """
import django, sys; django.setup()
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from console.webhooks.models import WebhookEndpoint
from tenants.activity import activity_record
from members.activity import MemberAction
from tenants.models import Tenant
from tests import factories
if sys.argv[1] == "tenant":
    membership = factories.AdminMembershipFactory(tenant__name="Local")
    WebhookEndpoint.objects.create(
        tenant=membership.tenant, url=sys.argv[2], events=["member.removed"]
    )
    past = timezone.now() - timedelta(days=10)
    factories.InvitationFactory(
        tenant=membership.tenant, email="late@example.com", sent_at=past,
        expires_at=past + timedelta(days=7),
    )
else:
    with transaction.atomic():
        activity_record(
            tenant=Tenant.objects.get(name="Local"), action=MemberAction.REMOVED,
            target_email="leaver@example.com",
        )
"""


def read_state(database: Path) -> dict:
    """The overdue invitation's status and the deliveries, read from the SQLite file
    directly: polling through a Django process a second would cost the
    machine more than the test's own work."""
    from console.webhooks.models import WebhookDelivery
    from invitations.models import Invitation

    with closing(sqlite3.connect(database, timeout=10)) as db:
        (status,) = db.execute(
            f"SELECT status FROM {Invitation._meta.db_table} WHERE email = ?",
            ["late@example.com"],
        ).fetchone()
        deliveries = db.execute(
            f"SELECT status, attempts FROM {WebhookDelivery._meta.db_table} ORDER BY id"
        ).fetchall()
    return {"invitation": status, "deliveries": [list(row) for row in deliveries]}


def make_run_env(database_url: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        DEBUG="true",
        DATABASE_URL=database_url,
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
        WEBHOOK_RETRY_BACKOFF_SECONDS="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="INFO",
    )
    return env


def django_script(env: dict, script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_make_run_retries_a_failed_webhook_delivery_and_expires_overdue_invitations(
    tmp_path, receiver
):
    database = tmp_path / "db.sqlite3"
    env = make_run_env(f"sqlite:///{database}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    django_script(env, SETUP, "tenant", receiver.url)
    port = free_port()
    log_path = tmp_path / "runserver.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        # the first request starts the schedule; overdue invitations expire at once
        wait_until(answers, timeout=60, interval=0.5, what="runserver to answer")

        def read():
            return read_state(database)

        wait_until(
            lambda: read()["invitation"] == "expired", timeout=60, what="the invitation to expire"
        )

        # a delivery that fails once (500), as a receiver down for a moment would
        receiver.respond(500, 200)
        django_script(env, SETUP, "event")
        receiver.wait_for(1, timeout=30)
        assert read()["deliveries"] == [["pending", 1]]

        # is retried by the schedule (the webhook outbox sweep runs every minute)
        started = time.monotonic()
        receiver.wait_for(2, timeout=150)
        wait_until(
            lambda: read()["deliveries"] == [["succeeded", 2]],
            timeout=30,
            what="the retried delivery to be recorded",
        )
        assert time.monotonic() - started < 150
        assert receiver.requests[0].body == receiver.requests[1].body  # the same event
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert b"Sending due task sweep-webhook-outbox" in log_path.read_bytes()
