"""Mean time per request of the Members page in-process (test Client, no network).

    DATABASE_URL=... BENCH_USE_I18N=false .venv/bin/python bench/i18n_cpu.py [--language de]

bench/bench.py's bench_i18n() runs it with translation off and on (en, de):
unlike wrk on a shared machine, a single process timing the same page a few
hundred times shows a difference of a few percent. Prints one JSON object.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench import BENCH_ENV  # noqa: E402  (the production environment)

os.environ.update(BENCH_ENV)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--language", default="en")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from console.accounts.models import User
    from tenants.models import Tenant

    tenant = Tenant.objects.get(name="Scale Co")
    client = Client(HTTP_ACCEPT_LANGUAGE=args.language)
    client.force_login(User.objects.get(email="admin@scale.example"))
    path = f"/t/{tenant.public_id}/settings/members/"
    for _ in range(30):  # warm up: templates, catalogs, connections
        assert client.get(path).status_code == 200
    start = time.perf_counter()
    for _ in range(args.requests):
        response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    print(
        json.dumps(
            {
                "use_i18n": settings.USE_I18N,
                "language": args.language,
                "lang_attribute": f'lang="{args.language}"' in response.content.decode(),
                "ms_per_request": round(elapsed * 1000 / args.requests, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
