"""`backcare manage grant_app_role ROLE`: on PostgreSQL, give the app's database role what the
app needs and no more. Run as the owner role, after migrating (`migrate_as_owner` does both).

The app role may read and write the clinic's tables, but on the audit log only SELECT and
INSERT: no UPDATE, DELETE or TRUNCATE of `audit_auditevent`, and on `audit_audittext` (the
words about a client that erasure deletes, decision record 10) DELETE but no UPDATE or TRUNCATE.
Dropping or disabling a trigger needs the table's owner, which the app role is not; the app role
creates no tables (migrations are the owner's).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from backcare.audit.models import AuditEvent, AuditText


def grants(role: str) -> list[str]:
    """The statements, in order, for `role` (quoted here)."""
    who = connection.ops.quote_name(role)
    events, texts = AuditEvent._meta.db_table, AuditText._meta.db_table
    return [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
        # Tables a later migration creates are usable at once (this command then runs again).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE "
        f"ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {who}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {events} FROM {who}",
        f"REVOKE UPDATE, TRUNCATE, REFERENCES, TRIGGER ON {texts} FROM {who}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {who}",
    ]


class Command(BaseCommand):
    help = "PostgreSQL: grant the app's role what it needs; no change of the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the app's database role (DATABASE_URL's user)")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("database roles are PostgreSQL's: SQLite has none to grant")
        role = options["role"]
        if role == connection.settings_dict["USER"]:
            raise CommandError(
                f"{role} is the role running this command (the owner): the app needs a role "
                "of its own (README, 'Deployment')"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in grants(role):
                cursor.execute(statement)
        self.stdout.write(f"Granted {role} the app's rights; the audit log is append-only to it.")
