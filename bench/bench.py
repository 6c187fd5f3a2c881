"""The console's benchmark: pages under load, bulk invite, expiry, email throughput.

Run through ``bench/run``; see ../shared/BENCH.md for what it reports.
"""

import argparse
import json
import os
import platform
import re
import secrets
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OPERATOR_EMAIL = "operator@scale.example"  # seed_scale's
SEARCH_ADMIN_EMAIL = "admin@search.example"
sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SITE_URL": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database: rate-limit counters and queued
    tasks of an earlier run must not refuse or slow this one (the database is
    recreated for the same reason)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def analyze_database(url: str) -> None:
    """VACUUM ANALYZE after a bulk load, as autovacuum would soon do in production:
    fresh statistics for the planner and a visibility map for index-only scans."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def machine() -> str:
    import django
    import psycopg

    cores = os.cpu_count()
    redis_version = subprocess.run(
        ["redis-cli", "-u", os.environ["REDIS_URL"], "INFO", "server"],
        capture_output=True,
        text=True,
    ).stdout
    redis_match = re.search(r"redis_version:(\S+)", redis_version)
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        pg = conn.info.server_version
    return (
        f"{cores} cores, Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg // 10000}.{pg % 10000}, "
        f"Redis {redis_match.group(1) if redis_match else '?'}"
    )


# ---------------------------------------------------------------- pages


def run_wrk(url: str, cookie: str, seconds: int, connections: int, language: str = "") -> dict:
    # Accept-Language only when asked: the other pages are measured as before.
    headers = ["-H", f"Accept-Language: {language}"] if language else []
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered non-2xx under load:\n{out}")

    def latency_ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {
        "rps": round(rps, 1),
        "p50_ms": round(latency_ms("50"), 2),
        "p99_ms": round(latency_ms("99"), 2),
    }


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


# What the searches look for in Search Co: one last name in 25 (seed_scale),
# so about 4,000 of 100,000 members and 2,000 of 50,000 invitations match.
SEARCH_TERM = "lovelace"


def page_paths(tenant, search_tenant=None) -> dict[str, str]:
    from invitations.models import Invitation

    base = f"/t/{tenant.public_id}"
    per_page = 25
    last_page = max(1, -(-Invitation.objects.filter(tenant=tenant).count() // per_page))
    paths = {
        "baseline": "/bench/baseline/",
        "members": f"{base}/settings/members/",
        "invitations_first": f"{base}/settings/members/invitations/",
        "invitations_last": f"{base}/settings/members/invitations/?page={last_page}",
        "get_started": f"{base}/get-started/",
        "activity_page": f"{base}/settings/activity/",
        # The Django admin's changelist of the same tenant's memberships (25 a
        # page, as the Members tab), seen by an operator: the peer to beat.
        "peer_admin_members": f"/admin/members/membership/?tenant__id__exact={tenant.pk}",
    }
    if search_tenant is not None:
        search = f"/t/{search_tenant.public_id}/settings/members"
        paths["members_search"] = f"{search}/?q={SEARCH_TERM}"
        paths["invitations_search"] = f"{search}/invitations/?q={SEARCH_TERM}"
    return paths


# The pages console/page_cache.py serves, measured again with the cache off.
UNCACHED_PAGES = (
    "members",
    "invitations_first",
    "invitations_last",
    "get_started",
    "members_search",
    "invitations_search",
)
RENDER_EVERY_TIME = {"PAGE_CACHE_ENTRIES": "0"}  # the page cache off (console/settings.py)


def page_users(admin) -> dict[str, object]:
    """Who is signed in for each page: the Scale Co admin unless named here."""
    from console.accounts.models import User

    users = dict.fromkeys(("baseline", "members", "get_started"), admin)
    users["peer_admin_members"] = User.objects.get(email=OPERATOR_EMAIL)
    search_admin = User.objects.filter(email=SEARCH_ADMIN_EMAIL).first()
    if search_admin is not None:
        users["members_search"] = users["invitations_search"] = search_admin
    return users


def signed_in_client(admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)
    return client


def bench_pages(args, tenant, admin, search_tenant=None, only=(), env=None, suffix="") -> dict:
    """Each page under wrk; ``only`` some of them, served with ``env`` added,
    reported as ``<page><suffix>``."""
    from django.core.cache import caches

    paths = page_paths(tenant, search_tenant)
    if only:
        paths = {name: path for name, path in paths.items() if name in only}
    users = page_users(admin)
    clients = {}  # one signed-in session per user

    def client_for(name):
        user = users.get(name, admin)
        if user.pk not in clients:
            clients[user.pk] = signed_in_client(user)
        return clients[user.pk]

    port = free_port()
    workers = str(args.web_workers)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "console.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            workers,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
        pages = {}
        for name, path in paths.items():
            url = f"http://127.0.0.1:{port}{path}"
            client = client_for(name)
            cookie = f"sessionid={client.cookies['sessionid'].value}"
            run_wrk(url, cookie, max(1, args.seconds // 5), args.connections)  # warm up
            pages[name] = run_wrk(url, cookie, args.seconds, args.connections)
            if name != "baseline":
                # What one request runs in this process: rendered (this
                # process's page cache emptied first), then served from it.
                caches["pages"].clear()
                pages[name]["queries"] = count_queries(client, path)
                if name in UNCACHED_PAGES and not suffix:
                    pages[name]["queries_cached"] = count_queries(client, path)
            print(f"  {name}{suffix}: {pages[name]}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {name + suffix: figures for name, figures in pages.items()}


# ---------------------------------------------------------------- the mixed workload

MIX_TENANTS = 40  # small tenants, each with its admin signed in and 4 colleagues
MIX_SCRIPT = r"""
-- bench/bench.py's pages_mix: admins across tenants viewing, inviting,
-- changing roles and viewing again. One admin (session) per request, at random.
local admins = {%(admins)s}
local counter = 0
local thread_id = 0
function setup(thread) thread_id = thread_id + 1; thread:set("id", thread_id) end
function init(args) math.randomseed(os.time() + (id or 0)); counter = (id or 0) * 1000000 end
function request()
  local a = admins[math.random(#admins)]
  local headers = {["Cookie"] = a.cookie, ["X-CSRFToken"] = a.csrf}
  local r = math.random(100)
  if r <= %(invite)d then
    counter = counter + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local email = "mix" .. counter .. "." .. math.random(1000000000) .. "%%40mix.example"
    local body = "role=collaborator&emails=" .. email
    return wrk.format("POST", a.invite, headers, body)
  elseif r <= %(invite)d + %(role)d then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local role = (math.random(2) == 1) and "admin" or "collaborator"
    return wrk.format("POST", a.roles[math.random(#a.roles)], headers, "role=" .. role)
  end
  return wrk.format("GET", a.pages[math.random(#a.pages)], headers)
end
"""
MIX_WRITES = {"invite": 5, "role": 5}  # percent of requests; the other 90 are page views


def mix_admins(count: int) -> list[dict]:
    """``count`` small tenants from seed_scale, each with 4 colleagues and no member cap."""
    import secrets

    from console.accounts.models import User
    from members.models import Membership, Role
    from tenants.models import Tenant

    tenants = list(Tenant.objects.filter(name__startswith="Small tenant ").order_by("pk")[:count])
    Tenant.objects.filter(pk__in=[t.pk for t in tenants]).update(member_limit_override=1_000_000)
    colleagues = User.objects.bulk_create(
        User(email=f"mix{t.pk}.{i}@mix.example", name=f"Mix colleague {i}")
        for t in tenants
        for i in range(4)
    )
    Membership.objects.bulk_create(
        Membership(user=u, tenant=tenants[n // 4], role=Role.COLLABORATOR)
        for n, u in enumerate(colleagues)
    )
    admins = []
    for tenant in tenants:
        owner = Membership.objects.get(
            tenant=tenant, role=Role.ADMIN, user__email__endswith="@small.example"
        ).user
        client = signed_in_client(owner)
        base = f"/t/{tenant.public_id}"
        admins.append(
            {
                "cookie": f"sessionid={client.cookies['sessionid'].value}; "
                f"csrftoken={(csrf := secrets.token_hex(16))}",
                "csrf": csrf,
                "pages": [
                    f"{base}/settings/members/",
                    f"{base}/settings/members/invitations/",
                    f"{base}/get-started/",
                ],
                "invite": f"{base}/settings/members/invitations/new/",
                "roles": [
                    f"{base}/settings/members/{m.pk}/role/"
                    for m in Membership.objects.filter(tenant=tenant, role=Role.COLLABORATOR)
                ],
            }
        )
    return admins


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return json.dumps(value)


def bench_mix(args, admins: list[dict], env=None) -> dict:
    """The mixed workload under wrk on gunicorn; the hit rate from the request log lines."""
    import tempfile

    script = MIX_SCRIPT % {"admins": ", ".join(_lua(a) for a in admins), **MIX_WRITES}
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "mix.lua").write_text(script)
        log_path = Path(tmp) / "requests.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "console.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    str(args.web_workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**os.environ, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json", **(env or {})},
                stdout=log,
                stderr=log,
            )

            def wrk(seconds: int) -> str:
                return subprocess.run(
                    [
                        "wrk",
                        "-t2",
                        f"-c{args.connections}",
                        f"-d{seconds}s",
                        "--latency",
                        "--timeout",
                        "10s",
                        "-s",
                        str(Path(tmp) / "mix.lua"),
                        f"http://127.0.0.1:{port}",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout

            try:
                wait_for_http(f"http://127.0.0.1:{port}/healthz")
                wrk(max(1, args.seconds // 5))  # warm up, as the single pages are
                log.flush()
                measured_from = log_path.stat().st_size
                out = wrk(args.seconds)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        hits = misses = 0
        statuses: dict[str, int] = {}
        with log_path.open() as measured:
            measured.seek(measured_from)
            lines = measured.read().splitlines()
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") == "console.request" or "page_cache_hits" in record:
                hits += record.get("page_cache_hits", 0)
                misses += record.get("page_cache_misses", 0)
                key = f"{record.get('method')} {record.get('status')}"
                statuses[key] = statuses.get(key, 0) + 1
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)

    def ms(match):
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    figures = {
        "rps": round(rps, 1),
        "p50_ms": ms(p50),
        "p99_ms": ms(p99),
        "hit_rate": round(hits / (hits + misses), 3) if hits + misses else 0.0,
        "hits": hits,
        "misses": misses,
        "statuses": statuses,
        "admins": len(admins),
        "writes_percent": MIX_WRITES,
    }
    print(f"  pages_mix{'_rendered' if env else ''}: {figures}", flush=True)
    return figures


def add_ratios(pages: dict) -> None:
    baseline = pages["baseline"]["rps"]
    for name, figures in pages.items():
        if name != "baseline":
            figures["ratio"] = round(figures["rps"] / baseline, 3)


def bench_i18n(args, tenant, admin) -> dict:
    """What translation costs on the Members page: USE_I18N on (English, German)
    against off (bench.settings' BENCH_USE_I18N), same gunicorn, same session,
    the page rendered on every request (a cached page is translated once)."""
    path = page_paths(tenant)["members"]
    client = signed_in_client(admin)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    figures = {}
    for label, use_i18n, language in (
        ("i18n_off", "false", ""),
        ("i18n_on_en", "true", "en"),
        ("i18n_on_de", "true", "de"),
    ):
        port = free_port()
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "console.wsgi", "-b", f"127.0.0.1:{port}"),
                *("-w", str(args.web_workers), "--log-level", "warning"),
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_USE_I18N": use_i18n, **RENDER_EVERY_TIME},
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz")
            url = f"http://127.0.0.1:{port}{path}"
            run_wrk(url, cookie, max(1, args.seconds // 5), args.connections, language)
            figures[label] = run_wrk(url, cookie, args.seconds, args.connections, language)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        # In-process time per request: steadier than wrk on a shared machine.
        timed = subprocess.run(
            [
                *(sys.executable, "bench/i18n_cpu.py", "--language", language or "en"),
                *("--requests", "100" if args.quick else "1000"),
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_USE_I18N": use_i18n, **RENDER_EVERY_TIME},
            capture_output=True,
            text=True,
            check=True,
        )
        figures[label]["ms_per_request"] = json.loads(timed.stdout)["ms_per_request"]
        print(f"  members {label}: {figures[label]}", flush=True)
    off = figures["i18n_off"]
    for label in ("i18n_on_en", "i18n_on_de"):
        # The share of throughput translation takes (negative: within noise, faster),
        # and the extra time per request in-process.
        figures[label]["cost"] = round(1 - figures[label]["rps"] / off["rps"], 3)
        figures[label]["extra_ms"] = round(
            figures[label]["ms_per_request"] - off["ms_per_request"], 3
        )
    return figures


def wait_for_http(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


# ---------------------------------------------------------------- enqueue


def bench_enqueue(count: int) -> dict:
    """What the admin's request waits for after the commit of a bulk invite:
    ``count`` send tasks enqueued one by one (before), against the one
    ``send_invitation_batch`` task that fans them out in the worker (now).
    Ids that match no invitation, and the queue is emptied after: nothing is sent."""
    from console.celery import app
    from invitations.tasks import send_invitation_batch, send_invitation_email

    ids = list(range(10**12, 10**12 + count))
    send_invitation_email.delay(ids[0])  # connect first, as a warm web worker is
    started = time.perf_counter()
    for invitation_id in ids:
        send_invitation_email.delay(invitation_id)
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    send_invitation_batch.delay(ids)
    batch = time.perf_counter() - started
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("celery")
    return {
        "sends": count,
        "one_task_each_seconds": round(one_by_one, 4),
        "one_batch_task_seconds": round(batch, 4),
    }


# ---------------------------------------------------------------- bulk invite


def bench_bulk_invite(tenant, admin) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from invitations.services import invitation_create_bulk
    from members.models import Role
    from tenants.actors import Actor

    emails = [f"bulk{i}-{secrets.token_hex(3)}@bulk.example" for i in range(500)]
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        invitation_create_bulk(
            tenant=tenant, actor=Actor.member(admin), emails=emails, role=Role.COLLABORATOR
        )
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "queries": len(ctx.captured_queries)}


# ---------------------------------------------------------------- SCIM


def bench_scim_create(count: int) -> dict:
    """``count`` Users created one request at a time through /scim/v2/<tenant>/Users (the
    whole Django stack in-process, a real SCIM key), on a Pro tenant with a verified domain.
    Queries are counted per request: the figure is the most any request made, and the run
    fails if the later requests make more than the first ones (it must not grow with the
    tenant)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from console.accounts.models import User
    from console.api.models import ApiScope
    from console.api.services import api_key_create
    from console.scim.models import ProvisionedUser
    from members.models import Membership, Role
    from tenants.actors import Actor
    from tenants.models import Domain, Tenant

    owner = User.objects.create_user(f"scim-owner-{secrets.token_hex(3)}@scim.example")
    tenant = Tenant.objects.create(name="SCIM Co", type="production", plan="pro")
    admin = Membership.objects.create(tenant=tenant, user=owner, role=Role.ADMIN)
    Domain.objects.create(tenant=tenant, name="scim.example", verified_at=timezone.now())
    key = api_key_create(
        tenant=tenant, actor=Actor.member(admin.user), name="idp", scope=ApiScope.SCIM
    )[1]
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost").lstrip(".")
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/scim/v2/{tenant.public_id}/Users"
    queries = []
    started = time.perf_counter()
    for i in range(count):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"person{i}@scim.example",
            "name": {"givenName": "Person", "familyName": str(i)},
            "active": True,
        }
        connection.queries_log.clear()  # it keeps 9,000 at most: the count needs room
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url, json.dumps(body), content_type="application/scim+json", secure=True
            )
        if response.status_code != 201:
            raise SystemExit(f"SCIM create answered {response.status_code}: {response.content!r}")
        queries.append(len(ctx.captured_queries))
    seconds = time.perf_counter() - started
    assert ProvisionedUser.objects.filter(tenant=tenant).count() == count
    # The key's "last used" is written at most once a minute: the first request has one more.
    early, late = max(queries[: max(count // 10, 1)]), max(queries[count // 2 :])
    if late > early:
        raise SystemExit(f"SCIM create queries grew: {early} then {late}")
    return {
        "users": count,
        "seconds": round(seconds, 3),
        "per_second": round(count / seconds, 1),
        "queries_per_request": max(queries),
    }


# ---------------------------------------------------------------- expiry


def bench_expiry(rows: int, repeats: int = 3) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from invitations.expiry import invitations_expire_stale
    from invitations.models import EmailStatus, Invitation, InvitationStatus
    from tenants.models import Tenant
    from tenants.policies import invitation_lifetime

    tenant = Tenant.objects.create(name="Expiry Co")
    now = timezone.now()

    def row(i):
        sent_at = now - (
            invitation_lifetime() + timedelta(hours=1) if i % 2 else timedelta(hours=1)
        )
        return Invitation(
            tenant=tenant,
            email=f"x{i}@expiry.example",
            status=InvitationStatus.PENDING,
            created_at=sent_at,
            sent_at=sent_at,
            expires_at=sent_at + invitation_lifetime(),
            link_salt=secrets.token_hex(16),
            token_hash=secrets.token_hex(32),
            # Their emails went out long ago: the outbox holds only live sends (steady state).
            email_status=EmailStatus.SENT,
            email_attempts=1,
            email_sent_at=sent_at,
        )

    Invitation.objects.bulk_create((row(i) for i in range(rows)), batch_size=5000)
    # VACUUM cannot run inside a transaction block; run it on an autocommit connection.
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE invitations_invitation")

    table = Invitation._meta.db_table
    raw_sql = f"UPDATE {table} SET status = 'expired' WHERE status = 'pending' AND expires_at <= %s"

    class Rollback(Exception):
        pass

    def timed(fn):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                changed = fn()
                elapsed = time.perf_counter() - started
                raise Rollback((elapsed, changed))
        except Rollback as done:
            return done.args[0]

    def service():
        return invitations_expire_stale()

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [timezone.now()])
            return cursor.rowcount

    service_times, raw_times = [], []
    for _ in range(repeats):
        elapsed, changed = timed(service)
        service_times.append(elapsed)
        raw_elapsed, raw_changed = timed(raw)
        raw_times.append(raw_elapsed)
    assert changed == raw_changed, (changed, raw_changed)
    seconds, raw_seconds = statistics.median(service_times), statistics.median(raw_times)
    return {
        "rows": rows,
        "stale": changed,
        "seconds": round(seconds, 4),
        "raw_sql_seconds": round(raw_seconds, 4),
        "ratio": round(raw_seconds / seconds, 3),
    }


# ---------------------------------------------------------------- email throughput


def wait_for_messages(sink, count: int, timeout: float) -> None:
    # The sink's own wait_for polls every 0.1 s, a tenth of a quick run.
    deadline = time.monotonic() + timeout
    while len(sink.messages) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"expected {count} emails, got {len(sink.messages)} in {timeout}s")
        time.sleep(0.002)


def bench_email(count: int, tenant, admin, concurrency: int) -> dict:
    from console.celery import app
    from invitations.services import invitation_create_bulk
    from members.models import Role
    from tenants.actors import Actor
    from tests.smtp import SMTPSink

    sink = SMTPSink()
    sink.start()
    worker_env = dict(os.environ, EMAIL_URL=f"smtp://127.0.0.1:{sink.port}")
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("celery")
    with open(RESULTS / "worker.log", "w") as log:  # the worker keeps its own copy
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "console",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(3)  # let the pool fork before the clock starts
        emails = [f"mail{i}-{secrets.token_hex(3)}@mail.example" for i in range(count)]
        started = time.perf_counter()
        # The admin's request: the invitations with their queued sends, then one
        # task enqueued per email after the commit; the clock stops at the last delivery.
        invitation_create_bulk(
            tenant=tenant, actor=Actor.member(admin), emails=emails, role=Role.COLLABORATOR
        )
        wait_for_messages(sink, count, timeout=600)
        seconds = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    received = list(sink.raw[:count])
    sink.messages.clear()
    started = time.perf_counter()
    for sender, recipients, body in received:
        # The reference: the same messages, byte for byte, one plain smtplib
        # connection each (the worker keeps its connection open between emails).
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            smtp.sendmail(sender, recipients, body)
    smtplib_seconds = time.perf_counter() - started
    sink.wait_for(count, timeout=60)
    sink.stop()
    return {
        "emails": count,
        "worker_concurrency": concurrency,
        "seconds": round(seconds, 3),
        "smtplib_seconds": round(smtplib_seconds, 3),
        "ratio": round(smtplib_seconds / seconds, 3),
    }


# ---------------------------------------------------------------- main


def markdown(results: dict) -> str:
    lines = [
        f"Machine: {results['machine']} · mode: {results['mode']} · {results['date']}",
        "",
        f"Setup: {results['setup']}",
        "",
        "| page | rps | p50 ms | p99 ms | ratio to baseline | queries |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, f in results["pages"].items():
        lines.append(
            f"| {name} | {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {f.get('ratio', '—')} "
            f"| {f.get('queries', '—')}"
            + (f" ({f['queries_cached']} cached)" if "queries_cached" in f else "")
            + " |"
        )
    for key in ("pages_mix", "pages_mix_rendered"):
        if key in results:
            f = results[key]
            lines.append(
                f"| {key} ({f['admins']} admins, {f['writes_percent']['invite']} % invites, "
                f"{f['writes_percent']['role']} % role changes; hit rate {f['hit_rate']}) "
                f"| {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {f['ratio']} | — |"
            )
    if "peer_admin_members" in results["pages"]:
        lines += [
            "",
            f"Members tab / Django admin changelist (same rows, 25 a page): "
            f"{results['members_vs_peer_admin']} (≥ 1 is the target)",
        ]
    if "i18n_members" in results:
        i = results["i18n_members"]
        lines += [
            "",
            "| Members page | rps | p50 ms | p99 ms | cost vs USE_I18N off | ms/request "
            "in-process | extra ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label in ("i18n_off", "i18n_on_en", "i18n_on_de"):
            f = i[label]
            lines.append(
                f"| {label} | {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {f.get('cost', '—')} "
                f"| {f['ms_per_request']} | {f.get('extra_ms', '—')} |"
            )
    b, e, m = results["bulk_invite_500"], results["expire_100k"], results["email_1000"]
    lines += [
        "",
        "| job | measured | reference | ratio (higher is better) |",
        "|---|---:|---:|---:|",
        f"| bulk invite of 500 addresses | {b['seconds']} s, {b['queries']} queries | — | — |",
        *(
            [
                f"| SCIM create of {sc['users']} Users, one request each | {sc['seconds']} s, "
                f"{sc['queries_per_request']} queries a request | — | — |"
            ]
            if (sc := results.get("scim_create_1000"))
            else []
        ),
        f"| expire {e['rows']:,} pending ({e['stale']:,} stale) | {e['seconds']} s "
        f"| raw SQL {e['raw_sql_seconds']} s | {e['ratio']} |",
        f"| {m['emails']} invitation emails via worker | {m['seconds']} s "
        f"| smtplib loop {m['smtplib_seconds']} s | {m['ratio']} |",
    ]
    if "enqueue_1000" in results:
        q = results["enqueue_1000"]
        lines.append(
            f"| enqueue {q['sends']} sends after the bulk invite's commit | one batch task "
            f"{q['one_batch_task_seconds']} s | one task each {q['one_task_each_seconds']} s | — |"
        )
    return "\n".join(lines)


def pro_tenant(name, admin):
    """A Pro tenant (no member cap) administered by ``admin``, for the invite benchmarks."""
    from tenants.services import tenant_create

    return tenant_create(owner=admin, name=name, type="production", plan="pro")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the data and duration")
    parser.add_argument("--connections", type=int, default=8)
    # The Procfile's defaults: gunicorn --workers 3, celery --concurrency 2.
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--explain",
        action="store_true",
        help=(
            "only write the PostgreSQL plans (bench/results/explain.md), on the database of an "
            "earlier run"
        ),
    )
    parser.add_argument(
        "--scim",
        action="store_true",
        help="only scim_create_1000 (SCIM Users created through the API), on a fresh database",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    args.seconds = max(2, 20 // scale)
    RESULTS.mkdir(parents=True, exist_ok=True)
    import django

    if args.explain:
        django.setup()
        write_explain(*scale_tenant_and_admin())
        return

    print(
        f"Recreating the benchmark database {urlparse(os.environ['DATABASE_URL']).path}", flush=True
    )
    recreate_database(os.environ["DATABASE_URL"])
    flush_redis(os.environ["REDIS_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.scim:
        result = {"scim_create_1000": bench_scim_create(1000 // scale), "machine": machine()}
        (RESULTS / "scim.json").write_text(json.dumps(result, indent=2) + "\n")
        s = result["scim_create_1000"]
        print(
            f"| SCIM create of {s['users']} Users | {s['seconds']} s, {s['per_second']}/s, "
            f"{s['queries_per_request']} queries a request |"
        )
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    print("Seeding", flush=True)
    call_command(
        "seed_scale",
        members=1000 // scale,
        invitations=10000 // scale,
        tenants=1000 // scale,
        search_members=100_000 // scale,
        verbosity=0,
    )
    tenant, admin = scale_tenant_and_admin()
    seed_activity(tenant, admin, 100_000 // scale)
    analyze_database(os.environ["DATABASE_URL"])
    search_tenant = search_co()

    results = {
        "machine": machine(),
        "mode": "quick" if args.quick else "full",
        "date": time.strftime("%Y-%m-%d"),
        "setup": (
            f"gunicorn {args.web_workers} sync workers, wrk {args.connections} connections for "
            f"{args.seconds} s a page, Celery prefork concurrency {args.worker_concurrency}"
        ),
    }
    print("Pages under load", flush=True)
    results["pages"] = bench_pages(args, tenant, admin, search_tenant)
    # The same pages rendered on every request (the page cache off): what a
    # visit after a change costs, and what the Jinja2 fragments bought.
    results["pages"].update(
        bench_pages(
            args,
            tenant,
            admin,
            search_tenant,
            only=UNCACHED_PAGES,
            env=RENDER_EVERY_TIME,
            suffix="_rendered",
        )
    )
    add_ratios(results["pages"])
    print("Mixed workload (pages_mix): cached, then rendered", flush=True)
    admins = mix_admins(MIX_TENANTS)
    baseline = results["pages"]["baseline"]["rps"]
    results["pages_mix"] = bench_mix(args, admins)
    results["pages_mix_rendered"] = bench_mix(args, admins, env=RENDER_EVERY_TIME)
    for key in ("pages_mix", "pages_mix_rendered"):
        results[key]["ratio"] = round(results[key]["rps"] / baseline, 3)
    results["members_vs_peer_admin"] = round(
        results["pages"]["members"]["rps"] / results["pages"]["peer_admin_members"]["rps"], 3
    )
    print("Translation cost (USE_I18N) on the Members page", flush=True)
    results["i18n_members"] = bench_i18n(args, tenant, admin)
    print("Enqueue after a bulk invite's commit", flush=True)
    results["enqueue_1000"] = bench_enqueue(1000 // scale)
    print("Bulk invite of 500", flush=True)
    results["bulk_invite_500"] = bench_bulk_invite(pro_tenant("Bulk Co", admin), admin)
    print("SCIM: 1,000 Users created through /scim/v2/", flush=True)
    results["scim_create_1000"] = bench_scim_create(1000 // scale)
    print("Expiry job", flush=True)
    results["expire_100k"] = bench_expiry(100_000 // scale)
    print("Email throughput", flush=True)
    results["email_1000"] = bench_email(
        1000 // scale, pro_tenant("Mail Co", admin), admin, args.worker_concurrency
    )

    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print("PostgreSQL plans", flush=True)
    write_explain(tenant, admin)
    print()
    print(markdown(results))


def seed_activity(tenant, admin, count: int) -> None:
    """``count`` activity entries in the scale tenant (the Activity tab's data):
    one INSERT ... SELECT over generate_series, every action, oldest first."""
    from django.db import connection

    from tenants.activity_actions import activity_actions
    from tenants.models import ActivityEvent

    sql = f"""
        INSERT INTO {ActivityEvent._meta.db_table}
            (tenant_id, actor_id, actor_email, actor_kind, action, target_user_id,
             target_email, details, ip, created_at)
        SELECT %(tenant)s, %(admin)s, %(email)s, 'member', (%(actions)s::text[])[1 + i %% %(n)s],
               NULL, 'person' || i || '@scale.example', '{{"role": "collaborator"}}'::jsonb,
               '203.0.113.7', now() - (%(count)s - i) * interval '1 minute'
        FROM generate_series(1, %(count)s) AS i
    """
    actions = activity_actions.values
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "tenant": tenant.pk,
                "admin": admin.pk,
                "email": admin.email,
                "actions": actions,
                "n": len(actions),
                "count": count,
            },
        )


def scale_tenant_and_admin():
    from console.accounts.models import User
    from tenants.models import Tenant

    return Tenant.objects.get(name="Scale Co"), User.objects.get(email="admin@scale.example")


def search_co():
    from tenants.models import Tenant

    return Tenant.objects.filter(name="Search Co").first()


def write_explain(tenant, admin) -> None:
    from explain import explain

    users = page_users(admin)
    clients = {name: signed_in_client(user) for name, user in users.items() if user != admin}
    text = explain(signed_in_client(admin), page_paths(tenant, search_co()), clients)
    path = RESULTS / "explain.md"
    path.write_text(f"PostgreSQL plans, {time.strftime('%Y-%m-%d')} ({machine()})\n\n{text}")
    print(f"  wrote {path.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
