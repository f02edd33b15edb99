"""Issue 12, point 9: on PostgreSQL the app connects as a role that may read the audit log and
append to it, and nothing else: UPDATE, DELETE, TRUNCATE, DROP TRIGGER and DISABLE TRIGGER on
the audit table fail for it. A separate owner role migrates (`migrate_as_owner`, which
`backcare serve` runs). Needs the roles `scripts/with-postgres` creates."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not os.environ.get("BACKCARE_TEST_APP_ROLE"),
    reason="PostgreSQL with the roles of scripts/with-postgres",
)

APP = os.environ.get("BACKCARE_TEST_APP_ROLE", "")
OWNER = os.environ.get("BACKCARE_TEST_OWNER_ROLE", "")
ROOT = Path(__file__).resolve().parents[2]

INSERT_EVENT = (
    "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, detail) "
    "VALUES (now(), 'test', 'test.row', '', '', '{}')"
)
REFUSED = [
    "UPDATE audit_auditevent SET action = 'tampered'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "TRUNCATE audit_audittext",
    "UPDATE audit_audittext SET actor_label = 'tampered'",
    "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
    "DROP FUNCTION audit_auditevent_append_only() CASCADE",
    "ALTER TABLE audit_audittext DISABLE TRIGGER audit_audittext_erasure_only",
    "CREATE TABLE audit_decoy (id int)",  # the app role creates nothing (PostgreSQL 15+)
]


def _url(role: str, database: str) -> str:
    s = connection.settings_dict
    return f"postgres://{role}@{s['HOST']}:{s['PORT']}/{database}"


def _connect(role: str, database: str) -> Any:
    import psycopg

    return psycopg.connect(_url(role, database), autocommit=True)


def _refused(cursor: Any, sql: str) -> bool:
    import psycopg

    try:
        cursor.execute(sql)
    except psycopg.Error:
        return True
    return False


def _has(cursor: Any, table: str, right: str) -> bool:
    cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [table, right])
    return bool(cursor.fetchone()[0])


def _check_the_app_role(database: str) -> None:
    with _connect(APP, database) as app, app.cursor() as cursor:
        cursor.execute(INSERT_EVENT)  # the app appends ...
        cursor.execute("SELECT count(*) FROM audit_auditevent")  # ... and reads
        assert cursor.fetchone()[0] >= 1
        cursor.execute("SELECT count(*) FROM clinic_client")  # and works on the records
        not_refused = [sql for sql in REFUSED if not _refused(cursor, sql)]
        assert not_refused == []
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'tampered'")
        assert cursor.fetchone()[0] == 0
        # Refused by the role's rights themselves, not only by the trigger.
        rights = {
            (table, right): _has(cursor, table, right)
            for table in ("audit_auditevent", "audit_audittext")
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
        }
        assert {key for key, has in rights.items() if has} == {
            ("audit_auditevent", "SELECT"),
            ("audit_auditevent", "INSERT"),
            ("audit_audittext", "SELECT"),
            ("audit_audittext", "INSERT"),
            ("audit_audittext", "DELETE"),  # erasure; the trigger allows it for erased clients
        }
    with _connect(OWNER, database) as owner, owner.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only' "
            "AND tgenabled = 'O'"
        )
        assert cursor.fetchone()[0] == 1  # the trigger is there, and on


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A database owned by the owner role, as a deployment has it."""
    name = f"backcare_roles_{uuid.uuid4().hex[:8]}"
    admin = _connect(connection.settings_dict["USER"], "postgres")
    try:
        admin.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
        # PostgreSQL 15+ gives the public schema to the database's owner; older ones to all.
        with _connect(connection.settings_dict["USER"], name) as db:
            db.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")
            db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        yield name
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_the_app_role_cannot_change_the_audit_log_after_a_deployment_migration(
    fresh_database: str,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _url(APP, fresh_database),
        "BACKCARE_MIGRATE_DATABASE_URL": _url(OWNER, fresh_database),
        "DJANGO_SETTINGS_MODULE": "backcare.web.settings",
    }
    env.pop("BACKCARE_ENV", None)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("backcare")), "manage", "migrate_as_owner", "-v0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _check_the_app_role(fresh_database)
    # The app itself works as its role: a record's change and its audit row.
    script = (
        "import django; django.setup()\n"
        "from backcare.accounts.models import Clinic\n"
        "from backcare.audit.models import AuditEvent\n"
        "from support.world import add_client, make_therapist\n"
        "user = make_therapist('amara', Clinic.objects.create(name='Riverside'), admin=True)\n"
        "client = add_client(user, 'Pat Roles')\n"
        "from backcare.clinic import actions\n"
        "actions.erase_client(by=user, client=client, confirm_name='Pat Roles')\n"
        "print(AuditEvent.objects.filter(client=client).count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), *sys.path])},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == 3  # created, intake, erased


def test_grant_app_role_refuses_the_role_running_it(transactional_db: Any) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="role of its own"):
        call_command("grant_app_role", connection.settings_dict["USER"])
