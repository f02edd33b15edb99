"""Crash safety (issue 13, point 6): benchmarks/crash_safety.py kills the server with SIGKILL
during concurrent API writes and checks that every acknowledged write is stored and nothing is
half-written. Run once with small counts on the database of this pass: SQLite in the first,
PostgreSQL in the checks' second (scripts/with-postgres)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "crash_safety.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_every_acknowledged_write_survives_a_sigkill_and_nothing_is_half_written() -> None:
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    database = "postgres" if postgres else "sqlite"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--database", database, "--writers", "3",
         "--sessions", "8", "--port", str(_free_port())],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "PROBLEM" not in report
    assert "SIGKILL after" in report and "(6 after the restart)" in report, report
    assert "every acknowledged write is there, nothing half-written" in report, report
