"""`backcare backup FILE` and `backcare restore FILE`: the database named by the settings.

- SQLite: SQLite's online backup API. It copies a consistent snapshot while the app runs and
  writes, the write-ahead log included (copying the database file misses what is still in the
  log: acknowledged writes lost). The backup is itself a SQLite database file.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore`, from the Debian packages of the
  server's major version (or the newest installed).

A restore goes into an empty database only (a fresh BACKCARE_DATA_DIR, or a new PostgreSQL
database), so that nothing is overwritten by mistake; `--replace` replaces what is there (the
app must be stopped). Both refuse a file that is not a backup of their kind. With the audit
table's protected owner (docs/security.md), run restores as the owner role (DATABASE_URL set
to the owner's URL for this command).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from backcare.cli.common import EXIT_OK, UsageError

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PGDUMP_MAGIC = b"PGDMP"


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help="back up the web app's database to a file",
        description="Back up the database named by the settings (DATABASE_URL, or the SQLite "
        "file in BACKCARE_DATA_DIR) to FILE, safely while the app runs.",
    )
    p.add_argument("file", metavar="FILE", help="the backup file to write (not overwritten)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="restore the web app's database from a backup file",
        description="Restore FILE (made by `backcare backup`) into the database named by the "
        "settings. The database must be empty unless --replace is given.",
    )
    p.add_argument("file", metavar="FILE", help="a file made by `backcare backup`")
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace a database that already holds records (stop the app first)",
    )
    p.set_defaults(func=cmd_restore)


def _database() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    import django
    from django.conf import settings

    django.setup()
    database: dict[str, Any] = settings.DATABASES["default"]
    return database


def _is_postgres(database: dict[str, Any]) -> bool:
    return "postgresql" in database["ENGINE"]


def cmd_backup(args: argparse.Namespace) -> int:
    target = Path(args.file)
    if target.exists():
        raise UsageError(f"{target}: already exists; choose a new file name")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent}: no such directory")
    database = _database()
    partial = target.with_name(target.name + ".partial")
    try:
        if _is_postgres(database):
            _pg("pg_dump", ["--format=custom", "--no-owner", "--file", str(partial)], database)
        else:
            _sqlite_copy(Path(database["NAME"]), partial)
        partial.rename(target)  # a backup file exists only once it is whole
    finally:
        partial.unlink(missing_ok=True)
    sys.stderr.write(f"backcare: backed up to {target} ({target.stat().st_size:,} bytes)\n")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    source = Path(args.file)
    try:
        with open(source, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read ({exc.strerror})") from None
    database = _database()
    postgres = _is_postgres(database)
    if postgres and not head.startswith(_PGDUMP_MAGIC):
        raise UsageError(f"{source}: is not a PostgreSQL backup made by `backcare backup`")
    if not postgres and head != _SQLITE_MAGIC:
        raise UsageError(f"{source}: is not a SQLite backup made by `backcare backup`")
    if not args.replace and _holds_tables(database):
        raise UsageError(
            "the database already holds tables: restore into an empty database (a new "
            "BACKCARE_DATA_DIR or PostgreSQL database), or pass --replace with the app stopped"
        )
    if postgres:
        options = ["--no-owner", "--exit-on-error", "--single-transaction"]
        if args.replace:
            options += ["--clean", "--if-exists"]
        _pg("pg_restore", [*options, "--dbname", _pg_url(database), str(source)], database)
    else:
        _sqlite_copy(source, Path(database["NAME"]))
    sys.stderr.write(f"backcare: restored {source}\n")
    return EXIT_OK


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database onto another with the online backup API (a consistent
    snapshot; the other side may be in use)."""
    import sqlite3  # here, not at the top: every `backcare` command imports this module

    if not source.exists():
        raise UsageError(f"{source}: no such database file")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _holds_tables(database: dict[str, Any]) -> bool:
    from django.db import connection

    try:
        return bool(connection.introspection.table_names())
    finally:
        connection.close()  # the restore writes the database through its own connection


def _pg_url(database: dict[str, Any]) -> str:
    """The libpq URL of the settings' database (the password passes through PGPASSWORD)."""
    host = database.get("HOST") or "localhost"
    port = database.get("PORT") or 5432
    return f"postgresql://{database.get('USER') or ''}@{host}:{port}/{database['NAME']}"


def _pg(program: str, arguments: list[str], database: dict[str, Any]) -> None:
    import subprocess

    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    if program == "pg_dump":
        arguments = [*arguments, _pg_url(database)]
    done = subprocess.run([_pg_program(program), *arguments], env=env, capture_output=True)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"{program} failed: {message[-1] if message else done.returncode}")


def _pg_program(program: str) -> str:
    """The newest installed client program: Debian keeps one per major version, and pg_dump
    must be at least the server's version."""
    import glob
    import shutil

    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{program}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    found = versions[-1] if versions else shutil.which(program)
    if found is None:
        raise UsageError(f"{program} not found: install PostgreSQL's client (apt-get install "
                         "postgresql-client)")  # fmt: skip
    return found
