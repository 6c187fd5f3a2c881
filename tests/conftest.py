"""Shared fixtures: real services when configured, a real SMTP sink, a real worker."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """A missing service skips on a laptop and fails under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: services are required)", pytrace=False)
    pytest.skip(reason)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache, and rendered pages in the pages
    cache (keyed by ids a rolled-back database hands out again): every test
    starts with none."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["pages"].clear()


@pytest.fixture
def cache_hits_unverified(settings):
    """A cached visit as production serves it: the suite's verify mode (tests/settings.py)
    renders every hit again, which a test counting a hit's queries must not count."""
    settings.PAGE_CACHE_VERIFY = False


@pytest.fixture(autouse=True)
def _celery_may_join_results():
    """Celery's "a task is running here" flag is one global per process: eager
    tasks set it and put back what they found, so two threads running tasks
    at once (the race tests) can leave it set, and a later test's
    ``result.get()`` would be refused ("Never call result.get() within a
    task!"). Every test starts outside any task."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def postgres(settings):
    """Skip (or fail in CI) unless the suite is running on PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    parsed = urlparse(url)
    if not _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        skip_or_fail(f"Redis at {url} does not answer")
    return url


@pytest.fixture
def smtp_sink():
    """A real SMTP server on localhost that keeps every message it receives."""
    from tests.smtp import SMTPSink

    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def user(db):
    return factories.UserFactory()


@pytest.fixture
def tenant(db):
    return factories.TenantFactory()


@pytest.fixture
def admin_membership(tenant):
    return factories.AdminMembershipFactory(tenant=tenant)


@pytest.fixture
def admin(admin_membership):
    return admin_membership.user


@pytest.fixture
def collaborator(tenant):
    return factories.MembershipFactory(tenant=tenant).user


@pytest.fixture
def outsider(db):
    """A signed-up user who is not a member of ``tenant``."""
    return factories.AdminMembershipFactory().user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def collaborator_client(client, collaborator):
    client.force_login(collaborator)
    return client


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("a real worker shares the database: needs PostgreSQL")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


class WorkerProcess:
    """A real ``celery -A console worker`` subprocess against Redis and the test database."""

    def __init__(
        self, *, redis_url: str, email_url: str, extra_env: dict | None = None, pool: str = "solo"
    ):
        self.redis_url = redis_url
        self.email_url = email_url
        self.extra_env = extra_env or {}
        self.pool = pool
        self.process: subprocess.Popen | None = None
        # One log per worker: "ready." in another worker's log must not count.
        self.log_path = (
            Path(os.environ.get("TMPDIR", "/tmp")) / f"celery-worker-{os.getpid()}-{id(self)}.log"
        )

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="console.settings",
            DEBUG="false",
            SECRET_KEY=settings.SECRET_KEY,
            ALLOWED_HOSTS="testserver,localhost",
            SITE_URL=settings.SITE_URL,
            DATABASE_URL=_test_database_url(),
            REDIS_URL=self.redis_url,
            EMAIL_URL=self.email_url,
            CONN_MAX_AGE="0",
        )
        env.update(self.extra_env)
        return env

    # What the process logs once it is serving.
    ready_marker = b"ready."

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "console",
            "worker",
            f"--pool={self.pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def start(self):
        with open(self.log_path, "wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()[-5000:]}")
            if self.ready_marker in self.log_path.read_bytes():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"celery worker did not become ready:\n{self.log()[-5000:]}")

    def log(self) -> str:
        # All of it: JSON log lines are long, and tests search the early ones too.
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """SIGKILL: the worker dies without acknowledging its current task."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_path.unlink(missing_ok=True)  # read by the test already; one file per worker


@pytest.fixture
def celery_worker_factory(redis_url, smtp_sink, settings):
    """Start real workers; the test process enqueues to the same Redis."""
    from console.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    # Start from an empty queue: a leftover message from another test must not run here.
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("celery")
    workers = []

    def start(**extra_env):
        worker = WorkerProcess(
            redis_url=redis_url,
            email_url=f"smtp://127.0.0.1:{smtp_sink.port}",
            extra_env=extra_env,
        ).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_always_eager = True


@pytest.fixture
def celery_worker(celery_worker_factory):
    return celery_worker_factory()


# Tests that mostly wait on real clocks (production lease and beat timings,
# killed processes): started first, so that under pytest-xdist they wait while
# the other workers keep both cores busy, instead of holding up the end.
WAITING_MARKERS = ("multinode", "reliability", "waits")


def pytest_collection_modifyitems(config, items):
    """Browser journeys run last: while Playwright's sync API is active its event
    loop runs in the main thread, which Django's async-safety check would
    otherwise see during every later test. The waiting tests run first."""
    items.sort(
        key=lambda item: (
            "browser" in getattr(item, "fixturenames", ()),
            not any(item.get_closest_marker(name) for name in WAITING_MARKERS),
        )
    )


@pytest.fixture
def dns_server(settings):
    """A real DNS server on 127.0.0.1, a free port; the console asks it and nothing else."""
    from tests.dns_server import FakeDNS

    server = FakeDNS()
    server.start()
    settings.DNS_NAMESERVERS = [server.nameserver]
    settings.DNS_TIMEOUT_SECONDS = 0.5
    yield server
    server.stop()
