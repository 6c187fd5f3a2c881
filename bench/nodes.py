"""Scale-out benchmark: invitations created and emails sent per second with one
web node (+ one worker) and with two (+ two), on the same machine.

Run through ``bench/run --nodes 2 [--quick]``. Each node is ``gunicorn
console.wsgi`` (gunicorn.conf.py, ``--web-workers`` sync workers) on its own
loopback port; each worker is ``celery -A console worker`` (prefork,
``--worker-concurrency``); all share the benchmark's PostgreSQL and Redis and
one SMTP sink. Clients (``--connections`` threads) post one address per
``POST /api/v1/invitations`` with an API key, spread over the nodes as a
balancer would. Invitations per second: requests answered 201 over the time
to answer them all; emails per second: emails received over the time from the
first request to the last email. Adds ``nodes`` to bench/results/latest.json.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from bench.bench import BENCH_ENV, free_port  # noqa: E402  (after the path)

ENV = {
    **BENCH_ENV,
    # Measured, not refused: the per-key and per-tenant limits are lifted here.
    "API_REQUESTS_PER_KEY_PER_MINUTE": "1000000",
    "INVITATIONS_PER_TENANT_PER_DAY": "1000000",
    "INVITATIONS_PER_INVITER_PER_DAY": "1000000",
}
os.environ.update(ENV)


def post(port: int, key: str, address: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/api/v1/invitations",
            body=json.dumps({"emails": [address], "role": "collaborator"}),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_for_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"node on port {port} did not answer")


def api_key():
    from console.accounts.models import User
    from console.api.models import ApiScope
    from console.api.services import api_key_create
    from members.models import Membership
    from tenants.actors import Actor
    from tenants.services import tenant_create

    admin = User.objects.create_user(email=f"nodes-{secrets.token_hex(4)}@bench.example")
    tenant = tenant_create(owner=admin, name="Nodes Co", type="production", plan="pro")
    membership = Membership.objects.get(tenant=tenant, user=admin)
    _, key = api_key_create(
        tenant=tenant,
        actor=Actor.member(membership.user),
        name="bench",
        scope=ApiScope.READ_WRITE,
        expires_at=None,
    )
    return key


def run(count: int, nodes: int, args, sink) -> dict:
    from console.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("celery")
    env = dict(os.environ, EMAIL_URL=f"smtp://127.0.0.1:{sink.port}")
    processes, ports = [], []
    logs = open(RESULTS / "nodes.log", "a")  # noqa: SIM115 (the children keep their copies)
    try:
        for _ in range(nodes):
            port = free_port()
            ports.append(port)
            node_env = dict(env, PORT=str(port), WEB_CONCURRENCY=str(args.web_workers))
            processes.append(
                subprocess.Popen(
                    [str(Path(sys.executable).with_name("gunicorn")), "console.wsgi"],
                    cwd=ROOT,
                    env=node_env,
                    stdout=logs,
                    stderr=subprocess.STDOUT,
                )
            )
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "console",
                        "worker",
                        "--loglevel=WARNING",
                        f"--concurrency={args.worker_concurrency}",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=logs,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            wait_for_http(port)
        time.sleep(3)  # let the worker pools fork before the clock starts
        key = api_key()
        run_id = secrets.token_hex(3)
        addresses = [f"n{nodes}-{i}-{run_id}@nodes.example" for i in range(count)]
        statuses: list[int] = []
        lock = threading.Lock()
        next_index = iter(range(count))

        def client():
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                status = post(ports[i % len(ports)], key, addresses[i])
                with lock:
                    statuses.append(status)

        sink.messages.clear()
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        invited = time.perf_counter() - started
        created = statuses.count(201)
        if created != count:
            raise RuntimeError(f"{count - created} invitations refused: {set(statuses)}")
        deadline = time.monotonic() + 600
        while len(sink.messages) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(sink.messages)} of {count} emails in 600 s")
            time.sleep(0.01)
        mailed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        logs.close()
    return {
        "invitations": count,
        "invites_per_s": round(count / invited, 1),
        "emails_per_s": round(count / mailed, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a tenth of the invitations")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    args = parser.parse_args()
    count = 40 if args.quick else 400
    RESULTS.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    from tests.smtp import SMTPSink

    call_command("migrate", verbosity=0)
    sink = SMTPSink()
    sink.start()
    try:
        figures = {}
        for nodes in sorted({1, args.nodes}):
            print(f"{nodes} node(s): {count} invitations", flush=True)
            figures[str(nodes)] = run(count, nodes, args, sink)
    finally:
        sink.stop()
    one, many = figures["1"], figures[str(args.nodes)]
    result = {
        "one": one,
        "two" if args.nodes == 2 else f"n{args.nodes}": many,
        "setup": (
            f"each node: gunicorn {args.web_workers} sync workers + Celery prefork "
            f"{args.worker_concurrency}; {args.connections} client threads; "
            f"{os.cpu_count()} cores shared by everything"
        ),
        "invites_ratio": round(many["invites_per_s"] / one["invites_per_s"], 2),
        "emails_ratio": round(many["emails_per_s"] / one["emails_per_s"], 2),
    }
    latest = RESULTS / "latest.json"
    results = json.loads(latest.read_text()) if latest.exists() else {}
    results["nodes"] = result
    latest.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print("| nodes | invitations/s | emails/s |")
    print("|---|---|---|")
    for name, f in figures.items():
        print(f"| {name} | {f['invites_per_s']} | {f['emails_per_s']} |")
    print(f"| ratio {args.nodes}:1 | {result['invites_ratio']} | {result['emails_ratio']} |")


if __name__ == "__main__":
    main()
