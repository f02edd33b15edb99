"""Django's SQLite backend, with the writers of one database file queued on an OS lock.

SQLite lets one writer at a time hold the database (`BEGIN IMMEDIATE`, the app's transaction
mode). A writer that finds it taken waits in SQLite's busy handler, which sleeps and polls
(1, 2, 5, 10 ... 100 ms between tries): with eight writers at once, one could lose the race
again and again, and the slowest writes took over half a second while the lock itself was held
for about ten milliseconds (issue 13). Here each transaction first takes an exclusive `flock`
on a file beside the database (`<name>.writers`), which the kernel hands to a waiter the moment
it is released, and lets it go at COMMIT or ROLLBACK. The busy timeout stays as the backstop
(writes outside a transaction, other programs on the same file).

Each connection opens the lock file itself, so the threads of one process (the development
server) queue as processes do; a process that dies lets its lock go with it. In-memory
databases (the tests' default) have no file and no lock.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writers: int | None = None  # the lock file's descriptor, while this connection is open
    _holding = False

    def get_new_connection(self, conn_params: Any) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            name = str(self.settings_dict["NAME"])
            self._writers = os.open(f"{name}.writers", os.O_RDWR | os.O_CREAT, 0o600)
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        if self._writers is not None and not self._holding:
            fcntl.flock(self._writers, fcntl.LOCK_EX)  # waits its turn, woken at once
            self._holding = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._let_go()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._let_go()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._let_go()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._let_go()
            if self._writers is not None:
                os.close(self._writers)
                self._writers = None

    def _let_go(self) -> None:
        if self._holding and self._writers is not None:
            fcntl.flock(self._writers, fcntl.LOCK_UN)
        self._holding = False
