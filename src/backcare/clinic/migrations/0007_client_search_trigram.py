"""The dashboard's search by name or email uses an index on PostgreSQL (issue 13).

The search is `icontains` (clinic/views.py `_searched`), which PostgreSQL runs as
`UPPER(col::text) LIKE UPPER('%words%')`: a b-tree cannot answer a pattern with a leading
wildcard, a trigram GIN index on the same expression can. `pg_trgm` is a trusted extension
(PostgreSQL 13+), so the database's owner role that runs the migrations
(`migrate_as_owner`) may create it. On SQLite both steps do nothing: SQLite has no such index,
and the search's results are the same either way (tests/web/test_search_index.py).
"""

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

_INDEXES = {
    "clinic_client_name_trgm": "full_name",
    "clinic_client_email_trgm": "email",
}


def add_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("clinic", "Client")._meta.db_table
    for name, column in _INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_client_outcome"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_indexes, drop_indexes, elidable=False),
    ]
