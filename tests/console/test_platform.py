"""The platform under the console: database, broker, health, settings, headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_suite_runs_on_the_database_named_by_database_url():
    """In CI DATABASE_URL says postgres: the suite must really be on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    from console.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = settings.REDIS_URL
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


@pytest.mark.django_db
def test_healthz_checks_the_real_broker(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    from console.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = redis_url
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def _production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        DEBUG="false",
        SECRET_KEY="prod-" + "k3y!" * 15,
        ALLOWED_HOSTS="console.example.com",
        SITE_URL="https://console.example.com",
    )
    env.update(overrides)
    return env


def test_deploy_check_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_tasks_run_in_process_when_no_broker_is_configured():
    env = {k: v for k, v in _production_env().items() if k != "REDIS_URL"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "True",
        "memory://",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_celery_settings_make_sends_safe_to_redeliver():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        >= settings.CELERY_TASK_TIME_LIMIT * 10
    )


def test_beat_schedule_expires_invitations_at_least_hourly_and_sweeps_every_minute():
    by_task = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    expire = by_task["invitations.tasks.expire_stale_invitations"]
    sweep = by_task["invitations.tasks.sweep_invitation_outbox"]
    assert expire.hour == set(range(24)) and expire.minute  # a crontab that fires every hour
    assert sweep.total_seconds() <= 60


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_script(admin_client, tenant):
    response = admin_client.get(
        reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id})
    )
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_home_sends_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_home_redirects_to_the_current_tenants_get_started(client):
    membership = factories.AdminMembershipFactory()
    client.force_login(membership.user)
    response = client.get("/")
    assert response["Location"] == reverse(
        "onboarding:get_started", kwargs={"tenant_id": membership.tenant.public_id}
    )


@pytest.mark.django_db
def test_home_remembers_the_last_tenant_visited(client):
    first = factories.AdminMembershipFactory(tenant__name="A first")
    second = factories.MembershipFactory(user=first.user, tenant__name="B second")
    client.force_login(first.user)
    client.get(reverse("tenant_settings:settings", kwargs={"tenant_id": second.tenant.public_id}))
    response = client.get("/")
    assert second.tenant.public_id in response["Location"]


@pytest.mark.django_db
def test_user_without_tenant_gets_a_landing_page_with_create_and_invitations(client, user):
    invitation = factories.InvitationFactory(email=user.email, tenant__name="Acme")
    client.force_login(user)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Create a tenant" in page
    assert "Acme" in page and "Join" in page
    assert invitation.tenant.public_id not in page  # no link into a tenant they are not in yet
