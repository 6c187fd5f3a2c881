"""The beat schedule, run inside the web process when there is no broker.

With no ``REDIS_URL`` (``make run``) tasks run in-process and no beat process
exists, so nothing would retry a failed webhook delivery, sweep the outboxes
or expire invitations. The first request to the web process starts one daemon
thread that runs ``CELERY_BEAT_SCHEDULE`` with Celery's own in-memory
scheduler; a due task runs in that thread (tasks are eager). On start it runs
every entry once: the process cannot know when they last ran, and each job is
idempotent (a sweep enqueues what is due, expiry is one conditional UPDATE,
purges delete in bounded batches).

Started only when ``LOCAL_BEAT`` is on (default: no ``REDIS_URL``; tests turn
it off) and only by the WSGI application (``console.wsgi``), so management
commands, the worker and the test client never start it. Several web
processes on one machine each run one; the jobs' claims keep that harmless.
"""

import logging
import threading

from celery.beat import Scheduler
from django.conf import settings
from django.core.signals import request_started
from django.db import close_old_connections, connection

from console.celery import app

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()


def _run() -> None:
    scheduler = Scheduler(app, lazy=False)
    for entry in scheduler.schedule.values():
        _apply(scheduler, entry)
    while not _stop.is_set():
        try:
            wait = scheduler.tick()
        except Exception:
            logger.exception("local beat: a scheduled job failed")
            wait = 1.0
        finally:
            close_old_connections()
        _stop.wait(min(max(wait, 0.2), 5.0))
    connection.close()


def _apply(scheduler, entry) -> None:
    try:
        scheduler.apply_entry(entry, producer=None)
    except Exception:
        logger.exception("local beat: %s failed", entry.name)
    finally:
        close_old_connections()


def start() -> bool:
    """Start the scheduler thread once per process; False if it is off or already running."""
    global _thread
    if not settings.LOCAL_BEAT or not settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    with _lock:
        if _thread is not None:
            return False
        _stop.clear()
        _thread = threading.Thread(target=_run, name="local-beat", daemon=True)
        _thread.start()
    logger.info("local beat: running the beat schedule in-process (no broker)")
    return True


def _on_first_request(**kwargs) -> None:
    request_started.disconnect(_on_first_request, dispatch_uid="local-beat")
    start()


def start_on_first_request() -> None:
    if settings.LOCAL_BEAT and settings.CELERY_TASK_ALWAYS_EAGER:
        request_started.connect(_on_first_request, dispatch_uid="local-beat", weak=False)
