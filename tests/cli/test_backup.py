"""`backcare backup` and `backcare restore`, run as real subprocesses on real databases.

A backup restored into a fresh database holds every row of every table, byte for byte, and
every export built from it is the same. On SQLite the backup is taken while another connection
holds acknowledged writes in the write-ahead log (what a copy of the file loses). The
PostgreSQL test runs in the PostgreSQL pass of the checks (scripts/with-postgres)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BACKCARE = str(Path(sys.executable).with_name("backcare"))
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
# The SQLite tests run in the SQLite pass of the checks, the PostgreSQL one in its own.
sqlite_pass = pytest.mark.skipif(POSTGRES, reason="runs in the SQLite pass of the checks")

# Builds every export of every client and prints a digest of each, with the database named by
# the environment. The PDFs and the FHIR Bundle's `timestamp` carry their time of making: the
# PDFs are left out and the timestamp dropped.
EXPORTS = """
import hashlib, json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "backcare.web.settings"
django.setup()
from backcare.accounts.models import Therapist
from backcare.reports.downloads import DOWNLOADS
for therapist in Therapist.objects.order_by("pk").select_related("user"):
    for client in therapist.clinic.clients.order_by("pk"):
        for what, download in sorted(DOWNLOADS.items()):
            if download.media_type == "application/pdf":
                continue
            content = download.build(therapist.user, client)
            if not isinstance(content, (str, bytes)):  # a streamed download: its pieces
                content = "".join(content)
            if what == "fhir_bundle":
                bundle = json.loads(content)
                assert bundle.pop("timestamp")
                content = json.dumps(bundle)
            data = content.encode() if isinstance(content, str) else content
            print(therapist.pk, client.pk, what, hashlib.sha256(data).hexdigest())
"""


def run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [BACKCARE, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def exports(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", EXPORTS],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 20  # every client of the demo clinic, four exports each
    return lines


def sqlite_env(directory: Path) -> dict[str, str]:
    env = {"BACKCARE_DATA_DIR": str(directory), "BACKCARE_ENV": "development"}
    env["DATABASE_URL"] = ""  # the SQLite default, also in the PostgreSQL pass
    return env


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: db.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        db.close()


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("live")
    run("manage", "migrate", "--verbosity", "0", env=sqlite_env(directory))
    run("manage", "demo_clinic", env=sqlite_env(directory))
    return directory


@sqlite_pass
def test_a_sqlite_backup_restores_every_row_and_every_export(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.sqlite3"
    run("backup", str(backup), env=sqlite_env(demo_sqlite))
    fresh = tmp_path / "fresh"
    run("restore", str(backup), env=sqlite_env(fresh))

    live, restored = (
        sqlite_tables(demo_sqlite / "backcare.sqlite3"),
        sqlite_tables(fresh / "backcare.sqlite3"),
    )
    assert set(live) == set(restored)
    assert sum(len(rows) for rows in live.values()) > 300
    for table, rows in live.items():
        assert restored[table] == rows, table
    assert exports(sqlite_env(fresh)) == exports(sqlite_env(demo_sqlite))


@sqlite_pass
def test_a_sqlite_backup_holds_writes_still_in_the_write_ahead_log(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    """A write acknowledged by another connection that is still open lives in the -wal file;
    a copy of the database file misses it, the backup does not."""
    live = tmp_path / "live"
    shutil.copytree(demo_sqlite, live)
    writer = sqlite3.connect(live / "backcare.sqlite3")
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        with writer:  # a table of the test's own: the app's tables change with the app
            writer.execute("CREATE TABLE written (n INTEGER NOT NULL)")
        for n in range(107):
            with writer:  # one committed (acknowledged) write each
                writer.execute("INSERT INTO written (n) VALUES (?)", (n,))
        copied = tmp_path / "copied.sqlite3"
        shutil.copy(live / "backcare.sqlite3", copied)
        backup = tmp_path / "backup.sqlite3"
        run("backup", str(backup), env=sqlite_env(live))
    finally:
        writer.close()

    def written(path: Path) -> int:
        db = sqlite3.connect(path)
        try:
            try:
                return int(db.execute("SELECT count(*) FROM written").fetchone()[0])
            except sqlite3.OperationalError:  # no such table: not even its creation was copied
                return 0
        finally:
            db.close()

    assert written(copied) < 107  # what copying the file would have lost
    assert written(backup) == 107


@sqlite_pass
def test_restore_refuses_a_database_with_tables_and_a_file_that_is_no_backup(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.sqlite3"
    run("backup", str(backup), env=sqlite_env(demo_sqlite))
    before = sqlite_tables(demo_sqlite / "backcare.sqlite3")

    refused = run("restore", str(backup), env=sqlite_env(demo_sqlite), check=False)
    assert refused.returncode == 2
    assert "already holds tables" in refused.stderr and "--replace" in refused.stderr

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database\n")
    refused = run("restore", str(not_a_backup), env=sqlite_env(tmp_path / "x"), check=False)
    assert refused.returncode == 2
    assert "is not a SQLite backup made by `backcare backup`" in refused.stderr

    missing = run("restore", str(tmp_path / "nope"), env=sqlite_env(tmp_path / "y"), check=False)
    assert missing.returncode == 2 and "no such file" in missing.stderr

    again = run("backup", str(backup), env=sqlite_env(demo_sqlite), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert sqlite_tables(demo_sqlite / "backcare.sqlite3") == before  # nothing touched


@sqlite_pass
def test_restore_with_replace_puts_the_backup_back(demo_sqlite: Path, tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(demo_sqlite, live)
    backup = tmp_path / "backup.sqlite3"
    run("backup", str(backup), env=sqlite_env(live))
    before = sqlite_tables(live / "backcare.sqlite3")
    db = sqlite3.connect(live / "backcare.sqlite3")
    with db:
        db.execute("UPDATE clinic_client SET full_name = 'Changed after the backup'")
    db.close()
    run("restore", "--replace", str(backup), env=sqlite_env(live))
    assert sqlite_tables(live / "backcare.sqlite3") == before


@pytest.mark.skipif(not POSTGRES, reason="runs in the PostgreSQL pass (scripts/with-postgres)")
def test_a_postgresql_backup_restores_every_row_and_every_export(tmp_path: Path) -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    suffix = hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]
    live_url, fresh_url = (url.rsplit("/", 1)[0] + f"/{name}_{suffix}" for name in "lf")
    with psycopg.connect(url, autocommit=True) as admin:
        for name in ("l", "f"):
            admin.execute(f"CREATE DATABASE {name}_{suffix}")
    try:
        live, fresh = {"DATABASE_URL": live_url}, {"DATABASE_URL": fresh_url}
        run("manage", "migrate", "--verbosity", "0", env=live)
        run("manage", "demo_clinic", env=live | {"BACKCARE_ENV": "development"})
        backup = tmp_path / "backup.pgdump"
        run("backup", str(backup), env=live)
        assert backup.read_bytes().startswith(b"PGDMP")
        run("restore", str(backup), env=fresh)

        def tables(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
            with psycopg.connect(database_url) as db:
                names = [
                    r[0]
                    for r in db.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ]
                return {n: db.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}

        before, after = tables(live_url), tables(fresh_url)
        assert set(before) == set(after) and sum(len(r) for r in before.values()) > 300
        for table, rows in before.items():
            assert after[table] == rows, table
        assert exports(fresh) == exports(live)

        refused = run("restore", str(backup), env=fresh, check=False)
        assert refused.returncode == 2 and "already holds tables" in refused.stderr
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            for name in ("l", "f"):
                admin.execute(f"DROP DATABASE IF EXISTS {name}_{suffix} WITH (FORCE)")
