"""/readyz: what a load balancer asks before sending a node traffic (SPEC, Running on
more than one machine). 503 while the database or the broker is unreachable or
migrations are pending; /healthz stays the liveness check.

The unreachable database and the pending migrations are real: a separate Django
process on a port where nothing listens, and on a fresh SQLite file."""

import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.console.test_platform import ROOT
from tests.smtp import free_port

ASK = (
    "import django; django.setup(); from django.test import Client; import json; "
    "r = Client().get('/readyz'); h = Client().get('/healthz'); "
    "print(json.dumps([r.status_code, json.loads(r.content), h.status_code]))"
)


def ask_a_node(**env_overrides) -> tuple[int, dict, int]:
    """/readyz and /healthz answered by a Django process with these settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        DEBUG="true",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="CRITICAL",
    )
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", ASK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status, body, health = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body, health


@pytest.mark.django_db
def test_readyz_answers_200_when_database_migrations_and_broker_are_ready(
    client, settings, redis_url
):
    from tests.reliability.faults import celery_broker

    settings.REDIS_URL = redis_url
    with celery_broker(redis_url):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_answers_503_while_the_broker_is_unreachable(client, settings):
    from tests.reliability.faults import celery_broker

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    with celery_broker(settings.REDIS_URL):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_answers_503_while_the_database_is_unreachable():
    status, body, _ = ask_a_node(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/x")
    assert status == 503
    assert body["checks"]["database"] == "error"


def test_readyz_answers_503_while_migrations_are_pending_then_200_once_applied(tmp_path):
    database = f"sqlite:///{tmp_path / 'node.sqlite3'}"

    # a new node whose database has not been migrated yet: alive, not ready
    status, body, health = ask_a_node(DATABASE_URL=database)
    assert (status, body["checks"]["migrations"], body["checks"]["database"]) == (
        503,
        "pending",
        "ok",
    )
    assert health == 200  # /healthz unchanged: the process and its database answer

    # one app behind (a deploy whose migrate has not finished): still not ready
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "console.settings", "DEBUG": "true"}
    env["DATABASE_URL"] = database
    env.pop("REDIS_URL", None)
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=180)
    subprocess.run([*migrate, "sessions", "zero"], cwd=ROOT, env=env, check=True, timeout=180)
    assert ask_a_node(DATABASE_URL=database)[:2] == (
        503,
        {"status": "unavailable", "checks": {"database": "ok", "migrations": "pending"}},
    )

    # migrated: ready
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=180)
    status, body, _ = ask_a_node(DATABASE_URL=database)
    ready = {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert (status, body) == (200, ready)
