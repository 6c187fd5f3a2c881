"""A trigram index for the Invitations tab's search (email contains the query).

As members/migrations/0003: on the expression Django's ``icontains`` compares
(``UPPER(email::text)``), PostgreSQL only, not in the model state.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

NAME = "invitations_email_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "invitations_invitation" '
        'USING gin ((UPPER("email"::text)) gin_trgm_ops)'
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0004_fewer_write_indexes"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
