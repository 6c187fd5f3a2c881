"""Tools to inject faults: a Redis of our own, the producer's broker, processes to kill."""

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.smtp import free_port

# Kombu's keys for the default queue and for delivered-but-unacknowledged messages.
QUEUE_KEYS = ["celery", "unacked", "unacked_index", "unacked_mutex"]

# Worker settings that make a fault visible within seconds instead of an hour:
# an unacknowledged message comes back after 3 s, a claim older than 2 s is a
# dead worker's, retries wait 0.2, 0.4, 0.8 ... s.
FAST_FAULTS = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "CELERY_UNACKED_RESTORE_SECONDS": "1",
    "INVITATION_EMAIL_LEASE_SECONDS": "2",
    "INVITATION_EMAIL_RETRY_BACKOFF_SECONDS": "0.2",
}


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def queue_is_drained(url: str) -> bool:
    """Nothing waiting and nothing delivered-but-unacknowledged (retries held by a worker count)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return client.llen("celery") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def empty_queue(url: str) -> None:
    """Drop queued and unacknowledged messages, so one test's leftovers never run in another."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.delete(*QUEUE_KEYS)
    finally:
        client.close()


@contextlib.contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (the producer) at ``url``; tasks are really sent."""
    from console.celery import app

    def reset_pools():
        # The producer pool is bound to the broker URL it was first built with;
        # kombu keeps one pool per URL, so forgetting ours is enough.
        app._pool = None
        app.amqp._producer_pool = None

    before = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = before
        reset_pools()


class RedisServer:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(
            lambda: self._pings(client), timeout=10, what=f"redis-server on port {self.port}"
        )
        client.close()
        return self

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def has_redis_server() -> bool:
    return shutil.which("redis-server") is not None


def smtp_url(port: int) -> str:
    return f"smtp://127.0.0.1:{port}"


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (the prefork pool's processes), read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children
