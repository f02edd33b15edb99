"""SQLite's writers queue on a file lock beside the database (web/sqlite/base.py, issue 13):
taken when a transaction begins, let go at its commit or rollback, so a waiting writer starts
the moment the one before it ends instead of polling in SQLite's busy handler."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from backcare.web.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own backend")


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Any:
    """Databases of the test's own, in files (the test database is in memory, without a lock)."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path) -> DatabaseWrapper:
    return DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="writers")


def _taken(path: Path) -> bool:
    """Whether some connection holds the writers' lock (tried from a descriptor of our own)."""
    fd = os.open(f"{path}.writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_a_transaction_holds_the_lock_until_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite3"
    first = _wrapper(path)
    first.ensure_connection()
    first.cursor().execute("CREATE TABLE visit (n INTEGER)")
    assert not _taken(path)
    for end in (first.commit, first.rollback):
        first._start_transaction_under_autocommit()
        first.cursor().execute("INSERT INTO visit VALUES (1)")
        assert _taken(path)
        end()
        assert not _taken(path)
    assert first.cursor().execute("SELECT COUNT(*) FROM visit").fetchone() == (1,)
    first.close()
    assert not _taken(path)


def test_a_second_writer_begins_only_after_the_first_commits(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite3"
    first = _wrapper(path)
    first.ensure_connection()
    first.cursor().execute("CREATE TABLE visit (n INTEGER)")
    events: list[str] = []
    ready = threading.Event()

    def second_writer() -> None:
        second = _wrapper(path)
        second.ensure_connection()
        ready.set()
        second._start_transaction_under_autocommit()  # waits on the lock, not in SQLite
        events.append("second began")
        second.cursor().execute("INSERT INTO visit VALUES (2)")
        second.commit()
        second.close()

    first._start_transaction_under_autocommit()
    first.cursor().execute("INSERT INTO visit VALUES (1)")
    writer = threading.Thread(target=second_writer)
    writer.start()
    ready.wait(5)
    writer.join(0.3)  # it is waiting: the lock is the first one's
    assert writer.is_alive() and events == []
    events.append("first committed")
    first.commit()
    writer.join(5)
    assert events == ["first committed", "second began"]
    rows: Any = first.cursor().execute("SELECT n FROM visit ORDER BY rowid").fetchall()
    assert rows == [(1,), (2,)]
    first.close()
