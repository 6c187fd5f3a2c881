"""Structured logs (one JSON line per request and per task, a request id that
follows the work into Celery) and Sentry only when SENTRY_DSN is set."""

import json
import logging
import subprocess
import sys

import pytest
from celery import shared_task
from django.test import Client

from console import observability
from console.observability import JsonFormatter, request_id
from invitations.models import EmailStatus, Invitation
from members.models import Role
from tests import factories
from tests.console.test_platform import ROOT, _production_env
from tests.invitations.conftest import invite_url


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "console.request"]


def as_json(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


# -- Requests ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_writes_one_json_line_with_the_callers_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="console.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    [record] = request_lines(caplog)
    line = as_json(record)
    assert line["request_id"] == "lb-7f3a.42"
    assert (line["method"], line["path"], line["status"], line["user_id"]) == (
        "GET",
        "/healthz",
        200,
        None,
    )
    assert line["logger"] == "console.request" and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "\n" not in JsonFormatter().format(record)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", [None, "", "has space", 'x","status":1', "x" * 65, "\u00e9t\u00e9", "-leading"]
)
def test_a_missing_or_implausible_request_id_is_replaced_by_a_new_one(client, caplog, header):
    caplog.set_level(logging.INFO, logger="console.request")
    extra = {} if header is None else {"HTTP_X_REQUEST_ID": header}
    response = client.get("/healthz", **extra)
    generated = response["X-Request-ID"]
    assert generated != header and len(generated) == 32 and int(generated, 16) >= 0
    [record] = request_lines(caplog)
    assert as_json(record)["request_id"] == generated


@pytest.mark.django_db
def test_two_requests_get_two_ids_and_the_id_does_not_outlive_its_request(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second
    assert request_id.get() is None


@pytest.mark.django_db
def test_the_line_names_the_signed_in_user_and_the_status(admin_client, admin, caplog):
    caplog.set_level(logging.INFO, logger="console.request")
    admin_client.get("/")
    admin_client.get("/no-such-page/")
    [home, missing] = [as_json(r) for r in request_lines(caplog)]
    assert (home["status"], home["user_id"]) == (302, admin.pk)
    assert (missing["status"], missing["path"]) == (404, "/no-such-page/")


@pytest.mark.django_db
def test_logging_the_request_costs_no_query(client, django_assert_num_queries):
    # /healthz never reads request.user; the log line must not load it either.
    with django_assert_num_queries(1):  # the health check's own SELECT 1
        client.get("/healthz")


def test_every_log_line_written_during_a_request_carries_its_id():
    token = request_id.set("req-abc")
    try:
        record = logging.getLogger("invitations.tasks").makeRecord(
            "invitations.tasks", logging.WARNING, __file__, 1, "sent %s", ("x",), None
        )
        line = as_json(record)
    finally:
        request_id.reset(token)
    assert line["request_id"] == "req-abc" and line["message"] == "sent x"


def test_a_traceback_stays_inside_the_one_json_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exc"]


# -- Tasks ------------------------------------------------------------------------------------


@shared_task(name="tests.console.test_observability.echo_request_id")
def echo_request_id() -> str | None:
    return request_id.get()


def test_the_request_id_is_put_in_the_headers_of_an_enqueued_task():
    headers: dict = {}
    token = request_id.set("req-42")
    try:
        observability.carry_request_id_into_task(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {"request_id": "req-42"}
    empty: dict = {}
    observability.carry_request_id_into_task(headers=empty)  # outside any request
    assert empty == {}


def test_a_task_runs_under_the_id_it_was_enqueued_with_and_writes_one_line(caplog):
    caplog.set_level(logging.INFO, logger="console.task")
    # as the worker receives it: the id in the message headers, nothing in the context
    result = echo_request_id.apply(headers={"request_id": "req-from-web"}, task_id="t-1")
    # .result, not .get(): get() consults Celery's process-wide "inside a task"
    # flag, which eager tasks enqueued from several threads at once (the race
    # tests) can leave set.
    assert result.successful() and result.result == "req-from-web"
    assert request_id.get() is None  # restored after the task
    [record] = [r for r in caplog.records if r.name == "console.task"]
    line = as_json(record)
    assert line["task"] == "tests.console.test_observability.echo_request_id"
    assert (line["task_id"], line["state"], line["request_id"]) == (
        "t-1",
        "SUCCESS",
        "req-from-web",
    )
    assert isinstance(line["duration_ms"], float)


def test_a_task_started_by_beat_uses_its_own_task_id():
    result = echo_request_id.apply(task_id="beat-run-1")
    assert result.successful() and result.result == "beat-run-1"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_request_id_crosses_from_the_invite_request_into_the_workers_task(
    postgres, celery_worker, smtp_sink
):
    # given an admin and a real worker writing JSON lines (production settings)
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    client = Client()
    client.force_login(admin)

    # when the admin invites someone, in a request with a known id
    response = client.post(
        invite_url(tenant),
        {"emails": "ana@example.com", "role": Role.COLLABORATOR},
        HTTP_X_REQUEST_ID="req-invite-1",
    )
    assert response.status_code == 302 and response["X-Request-ID"] == "req-invite-1"
    smtp_sink.wait_for(1, timeout=60)

    # then the worker's line for the send task carries the request's id
    def send_lines():
        lines = []
        for text in celery_worker.log().splitlines():
            if text.startswith("{"):
                line = json.loads(text)
                if line.get("task") == "invitations.tasks.send_invitation_email":
                    lines.append(line)
        return lines

    from tests.reliability.faults import wait_until

    [line] = wait_until(send_lines, timeout=30, what="the worker's task line")
    assert (line["state"], line["request_id"]) == ("SUCCESS", "req-invite-1")
    assert Invitation.objects.get(tenant=tenant).email_status == EmailStatus.SENT


# -- Sentry -----------------------------------------------------------------------------------

SENTRY_STATE = """
import json
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(json.dumps({"active": client.is_active(), "dsn": client.dsn,
                  "integrations": sorted(getattr(client, "integrations", {}))}))
"""


def sentry_state(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_STATE],
        cwd=ROOT,
        env=_production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_sentry_dsn_sentry_is_not_initialised():
    state = sentry_state(SENTRY_DSN="")
    assert state["active"] is False
    assert state["integrations"] == []


def test_with_sentry_dsn_sentry_reports_django_and_celery():
    # a DSN on loopback: nothing is sent (no error happens), only set up
    state = sentry_state(SENTRY_DSN="https://key@127.0.0.1/1")
    assert state["active"] is True
    assert state["dsn"] == "https://key@127.0.0.1/1"
    assert {"django", "celery"} <= set(state["integrations"])


def test_sentry_events_are_tagged_with_the_request_id():
    token = request_id.set("req-9")
    try:
        event = observability._tag_request_id({"tags": {"a": "b"}}, None)
    finally:
        request_id.reset(token)
    assert event["tags"] == {"a": "b", "request_id": "req-9"}
