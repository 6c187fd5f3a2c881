"""Trigram indexes for the Members tab's search (name or email contains the query).

Django's ``icontains`` on PostgreSQL is ``UPPER(col::text) LIKE UPPER('%q%')``,
so the GIN ``gin_trgm_ops`` indexes are on that expression: a leading-wildcard
LIKE cannot use a B-tree, a trigram index can. PostgreSQL only: the extension
operation does nothing on SQLite, and the indexes are created by SQL here
rather than declared in ``User.Meta`` (a GIN index in the model state would
break SQLite, which rebuilds a table's indexes from that state).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("accounts_user_email_trgm_idx", "accounts_user", "email"),
    ("accounts_user_name_trgm_idx", "accounts_user", "name"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_page_index"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
