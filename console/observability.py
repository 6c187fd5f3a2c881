"""Logs and error reports: JSON log lines, a request id that follows the work, Sentry.

Below every app: imports no app, so any module may log through it.

Every request gets an id: the caller's ``X-Request-ID`` when it looks like an
id (a proxy or load balancer usually sets one), else a new one. It is kept in a
context variable for the request's duration, added to every log line written
meanwhile, returned in the response's ``X-Request-ID``, and copied into the
headers of each Celery task the request enqueues, where the worker puts it
back in the context variable while the task runs. So one grep of the id finds
the request, the tasks it started, and what those tasks enqueued in turn.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import empty

from console import page_cache

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message header that carries the id into a task.
TASK_HEADER = "request_id"
# What a caller's id may look like: short and plain, so it cannot forge log
# fields or flood a line (UUIDs, hex, ULIDs, "abc-123.4" all pass).
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

request_logger = logging.getLogger("console.request")
task_logger = logging.getLogger("console.task")

# LogRecord's own attributes; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """The caller's id if it is a plausible one, else a new id."""
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id,
    the record's ``extra`` fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _user_id(request) -> int | None:
    """The signed-in user's id, without loading the user for the log's sake:
    a request whose view never looked at ``request.user`` logs none (reading
    it here would cost the session and user queries on, e.g., /healthz)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not wrapped.is_authenticated:
        return None
    return wrapped.pk


class RequestLogMiddleware:
    """First in MIDDLEWARE: sets the request id and writes one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        token = request_id.set(current)
        request.request_id = current
        started = time.monotonic()
        pages = page_cache.counts_start()
        status = 500  # if the handler raises past every middleware
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = current
            return response
        finally:
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    # Explicit too: a handler that formats later (a queue, a
                    # test's capture) no longer sees the context variable.
                    "request_id": current,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": _user_id(request),
                    # Pages answered from the page cache, and rendered for it.
                    "page_cache_hits": pages["hits"],
                    "page_cache_misses": pages["misses"],
                },
            )
            request_id.reset(token)


# -- Celery (connected in console.celery) ---------------------------------------------------

_running: dict[str, tuple[float, Any]] = {}


def carry_request_id_into_task(headers: dict | None = None, **kwargs) -> None:
    """``before_task_publish``: the enqueuing request's (or task's) id rides in the message."""
    current = request_id.get()
    if current is not None and headers is not None:
        headers.setdefault(TASK_HEADER, current)


def task_started(task_id: str | None = None, task=None, **kwargs) -> None:
    """``task_prerun``: the task runs under the id it was enqueued with.

    A task run in-process (eager) already sees the caller's id. One started by
    beat has none and uses its own task id, so what it enqueues traces back to it.
    """
    if task_id is None:
        return
    carried = None
    if task is not None:
        # A worker finds the message's custom headers on the request itself;
        # an in-process run (apply) keeps them in request.headers.
        carried = getattr(task.request, TASK_HEADER, None) or (
            getattr(task.request, "headers", None) or {}
        ).get(TASK_HEADER)
    token = request_id.set(carried or request_id.get() or task_id)
    _running[task_id] = (time.monotonic(), token)


def task_finished(
    task_id: str | None = None, task=None, state: str | None = None, **kwargs
) -> None:
    """``task_postrun``: one line per task run (a retry is a run with state RETRY)."""
    if task_id is None or task_id not in _running:
        return
    started, token = _running.pop(task_id)
    try:
        task_logger.info(
            "task %s %s",
            getattr(task, "name", "?"),
            state,
            extra={
                "request_id": request_id.get(),
                "task": getattr(task, "name", None),
                "task_id": task_id,
                "state": state,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
    finally:
        request_id.reset(token)


# -- Sentry -----------------------------------------------------------------------------------


def _tag_request_id(event, hint):
    current = request_id.get()
    if current is not None:
        event.setdefault("tags", {})["request_id"] = current
    return event


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Report errors of requests and tasks to Sentry (called by settings when SENTRY_DSN is set).

    No personal data is sent (``send_default_pii`` off); events carry the request id.
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=_tag_request_id,
    )
