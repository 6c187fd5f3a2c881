"""Profile one console page in-process, with the production settings of bench/run.

    DATABASE_URL=... .venv/bin/python bench/profile_pages.py members \
        [--requests 200] [--sort tottime]

Pages: baseline, members, invitations_first, invitations_last, get_started,
settings, billing, peer_admin_members, members_search, invitations_search.
Seed the database first (``manage.py seed_scale``). Prints the mean time per
request through the Django test Client (the full middleware stack, no
network) and the cProfile of those requests.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: ``bench`` is the package (bench.settings)

from bench.bench import BENCH_ENV  # noqa: E402  (sets the production environment)

os.environ.update(BENCH_ENV)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--dump", help="also write the raw profile here (for snakeviz, pstats)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from bench.bench import page_paths, page_users, search_co
    from console.accounts.models import User
    from tenants.models import Tenant

    tenant = Tenant.objects.get(name="Scale Co")
    admin = User.objects.get(email="admin@scale.example")
    base = f"/t/{tenant.public_id}"
    paths = page_paths(tenant, search_co())
    paths.update(settings=f"{base}/settings/", billing=f"{base}/settings/billing/")
    path = paths[args.page]
    admin = page_users(admin).get(args.page, admin)  # the operator, the search tenant's admin
    client = Client()
    client.force_login(admin)
    for _ in range(20):
        assert client.get(path).status_code == 200
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    query_count = len(queries)  # read now: the next request resets the log
    # Wall time includes the database's share; CPU time is this process's
    # own work (rendering, ORM), which is steadier on a busy machine.
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        client.get(path)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"{args.page}: {elapsed / args.requests * 1000:.2f} ms wall, "
        f"{cpu / args.requests * 1000:.2f} ms CPU per request, {query_count} queries (no profiler)"
    )
    if args.no_profile:
        return
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(path)
    profile.disable()
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile)
    stats.sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
