"""Processes for the scale-out tests: gunicorn nodes, redbeat beats, a real PgBouncer.

Every process here is real and talks to the test's PostgreSQL database (the
tests commit for real, ``transaction=True``) and to the configured Redis, on
loopback only. Each fixture stops what it started.
"""

import http.client
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.conftest import ROOT, WorkerProcess, skip_or_fail
from tests.reliability.faults import empty_queue, wait_until
from tests.smtp import free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class WebNode(WorkerProcess):
    """``gunicorn console.wsgi`` with the project's gunicorn.conf.py, on a loopback port."""

    def __init__(self, *, web_workers: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.port = free_port()
        self.web_workers = web_workers
        self.log_path = self.log_path.with_name(f"gunicorn-{os.getpid()}-{id(self)}.log")

    ready_marker = b"Booting worker"

    def env(self) -> dict:
        env = super().env()
        env.update(
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            CONN_MAX_AGE=self.extra_env.get("CONN_MAX_AGE", "60"),
            WEB_CONCURRENCY=str(self.web_workers),
            PORT=str(self.port),
        )
        return env

    def command(self) -> list[str]:
        return [str(Path(os.sys.executable).with_name("gunicorn")), "console.wsgi"]

    def start(self):
        super().start()
        wait_until(
            lambda: self.get_status("/healthz") == 200, timeout=30, what=f"node :{self.port} up"
        )
        return self

    def get_status(self, path: str) -> int | None:
        try:
            return self.request("GET", path)[0]
        except OSError:
            return None

    def request(self, method: str, path: str, *, body=None, headers=None, timeout=30):
        """(status, headers, body bytes) of one HTTP request to this node."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.msg, response.read()
        finally:
            connection.close()

    def api(self, method: str, path: str, key: str, payload=None):
        status, _, body = self.request(
            method,
            f"/api/v1{path}",
            body=json.dumps(payload) if payload is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        return status, (json.loads(body) if body else None)


class BeatProcess(WorkerProcess):
    """``celery -A console beat``; with REDIS_URL, redbeat (schedule and lock in Redis)."""

    ready_marker = b"beat: Starting..."

    def command(self) -> list[str]:
        return [*super().command()[:5], "beat", "--loglevel=INFO"]

    def holds_the_lock(self) -> bool:
        return b"beat: Acquired lock" in self.log_path.read_bytes()

    def sent(self, entry: str) -> int:
        """How many times this beat sent ``entry``'s task."""
        return self.log_path.read_bytes().count(f"Sending due task {entry} ".encode())


class PgBouncer:
    """Debian's pgbouncer on a free loopback port in front of the test's PostgreSQL,
    in transaction pool mode (trust auth, user postgres)."""

    def __init__(self, directory: Path, *, pool_size: int = 8):
        self.directory = directory
        self.port = free_port()
        self.pool_size = pool_size
        self.process: subprocess.Popen | None = None

    def start(self):
        db = settings.DATABASES["default"]
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o755)
        (self.directory / "users.txt").write_text('"postgres" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.directory / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            "server_reset_query =\n"
        )
        for path in self.directory.iterdir():
            os.chmod(path, 0o644)
        command = [PGBOUNCER, str(ini)]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            command = [PGBOUNCER, "-u", "postgres", str(ini)]
        self.log_path = self.directory / "pgbouncer.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, timeout=15, what=f"pgbouncer on port {self.port}")
        return self

    def _answers(self) -> bool:
        import psycopg

        if self.process and self.process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited:\n{self.log_path.read_text()}")
        try:
            with psycopg.connect(
                f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                connect_timeout=1,
                prepare_threshold=None,
            ) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{settings.DATABASES['default']['NAME']}"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def pgbouncer(postgres, tmp_path):
    if not os.path.exists(PGBOUNCER):
        skip_or_fail("needs Debian's pgbouncer (apt-get install pgbouncer)")
    bouncer = PgBouncer(tmp_path / "pgbouncer").start()
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Production serves collected, hashed static files (whitenoise's manifest)."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STATIC_ROOT": str(root)}
    subprocess.run(
        [os.sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "console.settings", "DEBUG": "false"},
        check=True,
        timeout=300,
    )
    return root


@pytest.fixture
def cluster(postgres, redis_url, smtp_sink, static_root):
    """Start nodes, workers and beats sharing one database, one Redis, one SMTP sink.

    ``cluster.node()``, ``cluster.worker()``, ``cluster.beat()`` start one each;
    ``cluster.env`` is passed to all (e.g. DATABASE_URL through PgBouncer).
    Beats get a key prefix of their own, so no other test's lock is in the way.
    """
    empty_queue(redis_url)
    from tests.reliability.faults import celery_broker

    class Cluster:
        def __init__(self):
            self.started: list[WorkerProcess] = []
            self.env: dict[str, str] = {
                "REDBEAT_KEY_PREFIX": f"redbeat-{uuid.uuid4().hex[:8]}:",
                "STATIC_ROOT": str(static_root),
            }
            self.email_url = f"smtp://127.0.0.1:{smtp_sink.port}"
            self.redis_url = redis_url

        def _start(self, process):
            self.started.append(process)
            return process.start()

        def node(self, *, web_workers: int = 2, **env) -> WebNode:
            return self._start(
                WebNode(
                    redis_url=redis_url,
                    email_url=self.email_url,
                    extra_env={**self.env, **env},
                    web_workers=web_workers,
                )
            )

        def worker(self, **env) -> WorkerProcess:
            return self._start(
                WorkerProcess(
                    redis_url=redis_url, email_url=self.email_url, extra_env={**self.env, **env}
                )
            )

        def beat(self, **env) -> BeatProcess:
            return self._start(
                BeatProcess(
                    redis_url=redis_url, email_url=self.email_url, extra_env={**self.env, **env}
                )
            )

    cluster = Cluster()
    with celery_broker(redis_url):
        yield cluster
    for process in cluster.started:
        process.stop()
    empty_queue(redis_url)


class Browser:
    """One person's cookies, sent to whichever node a request lands on."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, node: WebNode, method: str, path: str, form: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, content = node.request(method, path, body=body, headers=headers)
        for header in response_headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, response_headers, content

    def sign_in(self, node: WebNode, email: str, password: str) -> int:
        self.request(node, "GET", "/accounts/login/")
        status, _, _ = self.request(
            node,
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "login": email,
                "password": password,
            },
        )
        return status


def wait_for(predicate, *, timeout: float, what: str):
    return wait_until(predicate, timeout=timeout, interval=0.5, what=what)
