"""Fixtures for the fault tests: real workers on a clean queue, a Redis of our own.

Every test here runs on PostgreSQL with real Celery worker processes (the
worker and the test share the test database), so each one commits for real
(``transaction=True``) and stops every process it starts.
"""

import pytest

from tests.conftest import WorkerProcess, skip_or_fail
from tests.reliability.faults import RedisServer, celery_broker, empty_queue, has_redis_server


@pytest.fixture
def own_redis(postgres):
    """A Redis nobody else uses, not started yet: the test decides when it is up."""
    if not has_redis_server():
        skip_or_fail("needs the redis-server binary to run a Redis of its own")
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def shared_broker(redis_url, postgres):
    """The configured Redis, with an empty queue before and after the test."""
    empty_queue(redis_url)
    with celery_broker(redis_url):
        yield redis_url
    empty_queue(redis_url)


@pytest.fixture
def workers(postgres):
    """Start real workers: ``workers(broker_url, email_url, pool="solo", **env)``; all
    stopped at the end."""
    started: list[WorkerProcess] = []

    def start(broker_url: str, email_url: str, *, pool: str = "solo", **extra_env) -> WorkerProcess:
        worker = WorkerProcess(
            redis_url=broker_url, email_url=email_url, extra_env=extra_env, pool=pool
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
