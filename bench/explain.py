"""PostgreSQL plans of the console's big queries, on the benchmark's data.

Run by ``bench/run`` after the measurements (so the tables hold the seeded
tenant, the expiry job's 100,000 rows and the email run's outbox), or alone
with ``bench/run --explain`` on an already seeded database. Writes
``bench/results/explain.md``.

Each page's queries are the ones the page really runs (captured through the
test client), each job's query is the one its code builds; every plan is
``EXPLAIN (ANALYZE, BUFFERS)``, and writes are rolled back.
"""

import re

# The page queries worth a plan: (label, a regex the SQL must match).
PAGE_QUERIES = {
    "members": [
        (
            "Members tab: the page's rows (users joined)",
            r'FROM "members_membership" INNER JOIN "accounts_user".* IN \(SELECT',
        ),
        (
            "Members tab: member count (seat use and paginator)",
            r'COUNT\(\*\).*FROM "members_membership"',
        ),
        (
            "Members tab: pending invitations (seat use)",
            r'COUNT\(\*\).*FROM "invitations_invitation"',
        ),
    ],
    "invitations_first": [
        (
            "Invitations tab, first page: rows (inviter joined)",
            r'FROM "invitations_invitation" LEFT OUTER JOIN "accounts_user".* IN \(SELECT',
        ),
        ("Invitations tab: counts per status (tabs and paginator)", r"GROUP BY"),
    ],
    "invitations_last": [
        (
            "Invitations tab, last page: rows (inviter joined)",
            r'FROM "invitations_invitation" LEFT OUTER JOIN "accounts_user".* IN \(SELECT',
        ),
    ],
    "get_started": [
        ("Get started: member and admin counts", r'COUNT\("members_membership"\."id"\)'),
        ("Get started: any invitation sent", r'FROM "invitations_invitation" WHERE .*LIMIT 1'),
    ],
    "activity_page": [
        (
            "Activity tab: the page's entries (through their primary keys)",
            r'FROM "tenants_activityevent" WHERE .* IN \(SELECT',
        ),
        ("Activity tab: entry count (paginator)", r'COUNT\(\*\).*FROM "tenants_activityevent"'),
    ],
    "members_search": [
        (
            "Members search (100,000 members): the page's rows (trigram indexes on name, email)",
            r'FROM "members_membership" INNER JOIN "accounts_user".* IN \(SELECT',
        ),
        (
            "Members search: matches counted for the paginator",
            r'COUNT\(\*\).*FROM "members_membership" INNER JOIN "accounts_user"',
        ),
    ],
    "invitations_search": [
        (
            "Invitations search: the page's rows (trigram index on email)",
            r'FROM "invitations_invitation" LEFT OUTER JOIN "accounts_user".* IN \(SELECT',
        ),
        ("Invitations search: matches per status", r"GROUP BY"),
    ],
}


def _plan(cursor, sql: str, params=None) -> str:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    return "\n".join(row[0] for row in cursor.fetchall())


def _rolled_back_plan(sql: str, params=None) -> str:
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                plan = _plan(cursor, sql, params)
            raise Rollback
    except Rollback:
        return plan


def page_plans(client, paths: dict[str, str], clients=None) -> list[tuple[str, str, str]]:
    """(label, sql, plan) for the chosen queries of each page (seen by
    ``clients[page]`` when given, else by ``client``)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans = []
    for page, wanted in PAGE_QUERIES.items():
        if page not in paths:
            continue
        page_client = (clients or {}).get(page, client)
        page_client.get(paths[page])  # warm: the session already holds the tenant
        caches["pages"].clear()  # the page's own queries, not the page cache's answer
        with CaptureQueriesContext(connection) as captured:
            response = page_client.get(paths[page])
        assert response.status_code == 200, (page, response.status_code)
        queries = [q["sql"] for q in captured.captured_queries]
        for label, pattern in wanted:
            sql = next((q for q in queries if re.search(pattern, q, re.S)), None)
            if sql is None:
                plans.append((label, "", f"(no query of {page} matched {pattern!r})"))
                continue
            plans.append((label, sql, _rolled_back_plan(sql)))
    return plans


def _sql_run_by(fn) -> str:
    """The last SQL statement ``fn`` runs (its writes rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            fn()
            raise Rollback
    except Rollback:
        # Savepoints of a nested atomic block are not the job's statement.
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]][-1]


def job_plans() -> list[tuple[str, str, str]]:
    from invitations import outbox
    from invitations.expiry import invitations_expire_stale
    from invitations.tasks import SWEEP_BATCH

    jobs = [
        (
            "Expiry job: one statement, the UPDATE of every stale Pending invitation "
            "feeding the INSERT of their activity entries (rolled back)",
            invitations_expire_stale,
        ),
        (
            "Outbox sweep: sends due again",
            lambda: list(outbox.invitation_outbox_due().values_list("pk", flat=True)[:SWEEP_BATCH]),
        ),
    ]
    plans = []
    for label, job in jobs:
        sql = _sql_run_by(job)
        plans.append((label, sql, _rolled_back_plan(sql)))
    return plans


def markdown(plans) -> str:
    out = []
    for label, sql, plan in plans:
        out += [f"#### {label}", ""]
        if sql:
            out += ["```sql", sql.strip(), "```", ""]
        out += ["```", plan, "```", ""]
    return "\n".join(out)


def explain(client, paths: dict[str, str], clients=None) -> str:
    """Analyze the tables first (as autovacuum would), then plan every big query."""
    import os

    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return markdown(page_plans(client, paths, clients) + job_plans())
