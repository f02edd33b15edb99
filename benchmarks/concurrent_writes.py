"""Concurrent writes in one clinic: do they wait for each other?

    bash scripts/with-postgres .venv/bin/python benchmarks/concurrent_writes.py
    .venv/bin/python benchmarks/concurrent_writes.py --database sqlite
    options: --database postgres|sqlite|both (both) --writers 1 8 --sessions 25 --port 8766

For each database: a fresh clinic in a throw-away database (PostgreSQL: the server
scripts/with-postgres started, named by DATABASE_URL; SQLite: a temporary BACKCARE_DATA_DIR with
the app's own SQLite settings), served by gunicorn on 127.0.0.1 (DEBUG off, one sync worker
process per writer of the widest run), warmed up with a few uncounted writes. For each number of
writers W: W new therapists of that clinic, each with one client (an intake, one uncounted
session) and a write-scoped API token; then W threads, one per therapist, all starting together,
each recording `--sessions` sessions of its own client one after another with
`POST /api/v1/clients/{id}/sessions`. Prints, per W: writes per second (all sessions / wall time
from the start until the last answer), p50 and p95 latency of one write in ms, and any answer
other than 201. Loopback only; bounded. Asserts nothing.

What it shows: the writers touch different clients of the same clinic, so any wait between them
beyond the machine's cores is a clinic-wide lock (or, on SQLite, the database's one writer).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from serving import session_body, wait_for  # benchmarks/serving.py, beside this file

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 45,
    "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    os.environ.setdefault("BACKCARE_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_writers(run: int, writers: int) -> list[tuple[str, int]]:
    """W therapists of the benchmark clinic, each with a client and a write token."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from backcare.accounts.models import Clinic, Therapist
    from backcare.api.tokens import create_token
    from backcare.clinic import actions
    from backcare.core.validation import parse_intake

    clinic, _ = Clinic.objects.get_or_create(name="Benchmark Clinic")
    out = []
    for i in range(writers):
        user = get_user_model().objects.create_user(
            username=f"bench-{run}-{i}", password="a-long-benchmark-password"
        )
        therapist = Therapist.objects.create(
            user=user, clinic=clinic, display_name=f"Therapist {run}-{i}"
        )
        client = actions.create_client(by=user, therapist=therapist, full_name=f"Client {run}-{i}")
        actions.record_intake(by=user, client=client, intake=parse_intake(INTAKE))
        _, token = create_token(by=user, name="benchmark", can_write=True)
        out.append((token, client.pk))
    connections.close_all()  # the server does the writing from here on
    return out


def write_sessions(
    port: int, token: str, client_id: int, numbers: range, go: threading.Barrier,
    out: list[float], failures: list[str],
) -> None:  # fmt: skip
    """Record sessions `numbers` of one client's course, one after another, once `go` opens."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
    }
    path = f"/api/v1/clients/{client_id}/sessions"
    go.wait()
    for i in numbers:
        t = time.perf_counter()
        conn.request(
            "POST",
            path,
            body=session_body(i, reason="Benchmark sessions entered after the fact."),
            headers=headers,
        )
        response = conn.getresponse()
        body = response.read()
        out.append((time.perf_counter() - t) * 1000)
        if response.status != 201:
            failures.append(f"{response.status} {body[:200]!r}")
    conn.close()


def run_writers(
    port: int, accounts: list[tuple[str, int]], numbers: range, times: list[float],
    failures: list[str],
) -> float:  # fmt: skip
    """One thread per account, all started together; the wall seconds until the last is done."""
    go = threading.Barrier(len(accounts) + 1)
    threads = [
        threading.Thread(
            target=write_sessions, args=(port, token, cid, numbers, go, times, failures)
        )
        for token, cid in accounts
    ]
    for t in threads:
        t.start()
    go.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


class LockWaits:
    """PostgreSQL only: while the writers run, every 5 ms, which server processes of this
    database wait for a lock (pg_stat_activity, wait_event_type "Lock"), and on what statement.
    Lock waits do not depend on how busy the machine's cores are, as times do."""

    def __init__(self) -> None:
        self.samples = 0
        self.waiting = 0
        self.statements: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        sql = (
            "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(sql).fetchall()
                self.samples += 1
                self.waiting += len(rows)
                self.statements.update(r[0] for r in rows)
                time.sleep(0.005)

    def report(self, writers: int, wall: float, writes: int) -> str:
        mean = self.waiting / max(self.samples, 1)
        line = f"        lock waits: {mean:.2f} of {writers} writers waiting on average"
        line += f" (~{mean * wall / writes * 1000:.0f} ms per write; {self.samples} samples)"
        for statement, n in self.statements.most_common(2):
            line += f"\n          {n / max(self.waiting, 1):4.0%} of waits: {statement}"
        return line


def measure(label: str, writer_counts: list[int], sessions: int, port: int) -> None:
    setup_django()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(max(writer_counts)), "--log-level", "warning"],
    )  # fmt: skip
    rows = []
    try:
        wait_for(port)
        # Uncounted: every worker process loads the app and the rule tables on its first
        # writes, so the widest run writes a few sessions for clients of its own first.
        run_writers(port, build_writers(0, max(writer_counts)), range(3), [], [])
        for run, writers in enumerate(writer_counts, start=1):
            accounts = build_writers(run, writers)
            failures: list[str] = []
            # One uncounted write per client (its first session), then the measured ones.
            run_writers(port, accounts, range(1), [], failures)
            times: list[float] = []
            waits = LockWaits() if label == "PostgreSQL" else None
            with waits or contextlib.nullcontext():
                wall = run_writers(port, accounts, range(1, sessions + 1), times, failures)
            note = "" if waits is None else waits.report(writers, wall, len(times))
            rows.append((writers, len(times), wall, times, failures, note))
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"== {label}")
    print(f"{'writers':>7} {'writes':>7} {'wall s':>7} {'writes/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for writers, count, wall, times, failures, note in rows:
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{writers:>7} {count:>7} {wall:>7.2f} {count / wall:>9.1f} {p50:>8.1f} {p95:>8.1f}")
        if note:
            print(note)
        if failures:
            print(f"        {len(failures)} answers other than 201, e.g. {failures[0]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--sessions", type=int, default=25, help="measured writes per writer")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--child", choices=("postgres", "sqlite"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not all(1 <= w <= 32 for w in args.writers) or not 1 <= args.sessions <= 1000:
        raise SystemExit("--writers from 1 to 32, --sessions from 1 to 1000")
    if args.child == "postgres":
        measure("PostgreSQL", args.writers, args.sessions, args.port)
        return
    if args.child == "sqlite":
        measure("SQLite (WAL)", args.writers, args.sessions, args.port)
        return
    common = ["--writers", *map(str, args.writers), "--sessions", str(args.sessions)]
    common += ["--port", str(args.port)]
    if args.database in ("postgres", "both"):
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("PostgreSQL: run under scripts/with-postgres (or --database sqlite)")
        subprocess.run([sys.executable, __file__, "--child", "postgres", *common], check=True)
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="backcare-bench-") as data:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env["BACKCARE_DATA_DIR"] = data
            cmd = [sys.executable, __file__, "--child", "sqlite", *common]
            subprocess.run(cmd, check=True, env=env)


if __name__ == "__main__":
    main()
