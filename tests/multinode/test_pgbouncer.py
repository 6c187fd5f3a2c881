"""PgBouncer in transaction mode (DATABASE_POOLING=pgbouncer): what the setting
changes, that the code keeps no session state, and real work through a real
pgbouncer whose few server connections are shared by many client connections
(so consecutive transactions of one connection land on different servers)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, skip_or_fail
from tests.multinode.conftest import PGBOUNCER, PgBouncer

pytestmark = [pytest.mark.multinode, pytest.mark.services]

SHOW = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "db.get('OPTIONS', {}).get('prepare_threshold', 'default')]))"
)


def settings_with(**env) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "console.settings", "DEBUG": "true", **env}
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=full, capture_output=True, text=True
    )


def test_database_pooling_pgbouncer_turns_off_server_side_cursors_and_prepared_statements():
    url = "postgres://postgres@127.0.0.1:6432/console"
    assert json.loads(settings_with(DATABASE_URL=url).stdout) == [False, "default"]
    pooled = settings_with(DATABASE_URL=url, DATABASE_POOLING="pgbouncer")
    assert json.loads(pooled.stdout) == [True, None]
    wrong = settings_with(DATABASE_URL=url, DATABASE_POOLING="pgpool")
    assert wrong.returncode != 0 and "DATABASE_POOLING" in wrong.stderr


SESSION_STATE = re.compile(
    r"pg_advisory|pg_try_advisory|SET\s+SESSION|execute\(\s*[\"']SET\s+(?!LOCAL)|"
    r"LISTEN\s|PREPARE\s|WITH\s+HOLD|\bDECLARE\s+\S+\s.*\bCURSOR\b",
    re.IGNORECASE,
)


def test_the_code_relies_on_no_session_state():
    """Nothing that outlives a transaction: advisory locks, SET, LISTEN, PREPARE, held cursors."""
    found = []
    for package in ["console", "tenants", "members", "invitations"]:
        for path in Path(ROOT, package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SESSION_STATE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


WORK = """
import django, threading; django.setup()
from django.db import connection, transaction
from invitations.models import Invitation
from tenants.models import Tenant
from tests import factories

tenant = factories.TenantFactory(pro=True)
for i in range(30):
    factories.InvitationFactory(tenant=tenant, email=f"b{i}@example.com")
errors = []

def work():
    try:
        for _ in range(12):  # psycopg would prepare after 5 runs on one connection
            with transaction.atomic():
                Tenant.objects.select_for_update().get(pk=tenant.pk)
                assert Invitation.objects.filter(tenant=tenant).count() == 30
            assert len(list(Invitation.objects.filter(tenant=tenant).iterator(chunk_size=7))) == 30
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=work) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
print("ERRORS", errors)
"""


@pytest.fixture
def small_pgbouncer(postgres, tmp_path):
    """Two server connections for six client connections."""
    if not os.path.exists(PGBOUNCER):
        skip_or_fail("needs Debian's pgbouncer (apt-get install pgbouncer)")
    bouncer = PgBouncer(tmp_path / "pgbouncer", pool_size=2).start()
    yield bouncer
    bouncer.stop()


@pytest.mark.django_db(transaction=True)
def test_queries_locks_and_iterators_work_through_pgbouncer_in_transaction_mode(small_pgbouncer):
    pgbouncer = small_pgbouncer
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "DEBUG": "true",
        "DATABASE_URL": pgbouncer.database_url(),
        "DATABASE_POOLING": "pgbouncer",
        "CONN_MAX_AGE": "60",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ERRORS []" in result.stdout, result.stdout[-3000:]
