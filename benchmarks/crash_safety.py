"""Crash safety: SIGKILL the server during concurrent writes; every acknowledged write survives.

    bash scripts/with-postgres .venv/bin/python benchmarks/crash_safety.py
    .venv/bin/python benchmarks/crash_safety.py --database sqlite
    options: --database postgres|sqlite|both (both) --writers 4 --sessions 20 --port 8767

For each database: a fresh one (PostgreSQL: a new database on the server DATABASE_URL names,
dropped afterwards; SQLite: a temporary BACKCARE_DATA_DIR with the app's own SQLite settings),
migrated, with W therapists of one clinic, each with a client (an intake) and a write token. The
app is served by gunicorn on 127.0.0.1 (DEBUG off, one worker per writer, in a process group of
its own). W threads record sessions with `POST /api/v1/clients/{id}/sessions`, one after another;
once about half of them are acknowledged (201 received), the whole server (master and workers)
is killed with SIGKILL, mid-write. The server is started again, each writer records two more
sessions, and then the database is checked:

- every acknowledged session is there, under its client;
- nothing is half-written: every session of these clients has exactly one `session.create`
  audit row, and every such audit row its session (a write killed before it committed left
  neither; one committed but never acknowledged left both);
- every client's stored state (the summary the dashboard and outcomes.csv read) is what a
  recompute gives (clinic/summary.py::refresh, as `recompute_states` does), and its
  `outcome.sessions_done` counts every session stored.

Prints what it did and every problem; exits 1 if there is one (tests/web/test_crash_safety.py
runs it with small counts on SQLite and on PostgreSQL). Loopback only; bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from serving import session_body  # benchmarks/serving.py, beside this file

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 45,
    "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
}
MORE_AFTER_RESTART = 2
STATE_FIELDS = (
    "attention",
    "attention_reason",
    "next_step",
    "status",
    "last_contact",
    "outcome",
    "alerts_to_acknowledge",
    "assessment_changed",
    "state_rules_version",
)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    os.environ["BACKCARE_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_writers(writers: int) -> list[tuple[str, int]]:
    """W therapists of one clinic, each with a client (an intake) and a write token."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from backcare.accounts.models import Clinic, Therapist
    from backcare.api.tokens import create_token
    from backcare.clinic import actions
    from backcare.core.validation import parse_intake

    clinic = Clinic.objects.create(name="Crash-safety Clinic")
    out = []
    for i in range(writers):
        user = get_user_model().objects.create_user(
            username=f"crash-{i}", password="a-long-crash-safety-password"
        )
        therapist = Therapist.objects.create(user=user, clinic=clinic, display_name=f"T {i}")
        client = actions.create_client(by=user, therapist=therapist, full_name=f"Client {i}")
        actions.record_intake(by=user, client=client, intake=parse_intake(INTAKE))
        _, token = create_token(by=user, name="crash-safety", can_write=True)
        out.append((token, client.pk))
    connections.close_all()  # the server does the writing from here on
    return out


class Server:
    """gunicorn in a process group of its own, so that SIGKILL reaches master and workers."""

    def __init__(self, port: int, workers: int, log: Path) -> None:
        self.port, self.workers, self.log = port, workers, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--log-level", "warning"],
                stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.get("/health")[0] == 200:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit(f"the server did not start; its log:\n{self.log.read_text()[-3000:]}")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""

    def kill(self) -> None:
        """SIGKILL to the whole group: no worker finishes its answer or its transaction."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


class Writes:
    """What the writers were told: acknowledged sessions (client id, session id) and the
    answers other than 201 before the kill (there should be none)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: list[tuple[int, int]] = []
        self.refused: list[str] = []
        self.enough = threading.Event()
        self.kill_after = 0

    def ack(self, client_id: int, session_id: int) -> None:
        with self.lock:
            self.acknowledged.append((client_id, session_id))
            if len(self.acknowledged) >= self.kill_after:
                self.enough.set()


def write_sessions(
    port: int, token: str, client_id: int, numbers: range, go: threading.Barrier, writes: Writes
) -> None:
    """Record sessions `numbers` one after another; stop at the first connection error (the
    server was killed: that write's fate is unknown to the client, as in a real crash)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
    }
    path = f"/api/v1/clients/{client_id}/sessions"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    go.wait()
    for n in numbers:
        try:
            conn.request(
                "POST",
                path,
                body=session_body(n, reason="Crash-safety sessions entered after the fact."),
                headers=headers,
            )
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            return
        if response.status == 201:
            writes.ack(client_id, int(json.loads(body)["id"]))
        else:
            with writes.lock:
                writes.refused.append(f"{response.status} {body[:200]!r}")
    conn.close()


def run_writers(
    port: int, accounts: list[tuple[str, int]], numbers: dict[int, range], writes: Writes
) -> list[threading.Thread]:
    go = threading.Barrier(len(accounts) + 1)
    threads = [
        threading.Thread(
            target=write_sessions, args=(port, token, cid, numbers[cid], go, writes), daemon=True
        )
        for token, cid in accounts
    ]
    for t in threads:
        t.start()
    go.wait()
    return threads


def check(client_ids: list[int], acknowledged: list[tuple[int, int]]) -> list[str]:
    """Every problem with what the database holds (none when the writes were crash-safe)."""
    from django.db import transaction

    from backcare.audit.models import AuditEvent
    from backcare.clinic.models import Client, Session
    from backcare.clinic.summary import refresh

    problems = []
    stored = set(Session.objects.filter(client_id__in=client_ids).values_list("client_id", "pk"))
    problems += [
        f"acknowledged session {s} of client {c} is missing"
        for c, s in acknowledged
        if (c, s) not in stored
    ]
    audited: dict[str, int] = {}
    for object_id in AuditEvent.objects.filter(
        action="session.create", client_id__in=client_ids
    ).values_list("object_id", flat=True):
        audited[object_id] = audited.get(object_id, 0) + 1
    session_ids = {str(pk) for _, pk in stored}
    problems += [
        f"session {pk} has {audited.get(pk, 0)} session.create audit rows, not 1"
        for pk in sorted(session_ids)
        if audited.get(pk, 0) != 1
    ]
    problems += [
        f"an audit row names session {pk}, which is not stored"
        for pk in sorted(set(audited) - session_ids)
    ]
    for pk in client_ids:
        with transaction.atomic():
            client = Client.objects.select_for_update().get(pk=pk)
            before = {f: getattr(client, f) for f in STATE_FIELDS}
            refresh(client)  # as recompute_states does; rolled back below
            client.refresh_from_db()
            after = {f: getattr(client, f) for f in STATE_FIELDS}
            transaction.set_rollback(True)
        if before != after:
            changed = {f: (before[f], after[f]) for f in STATE_FIELDS if before[f] != after[f]}
            problems.append(f"client {pk}: stored state differs from a recompute: {changed}")
        count = sum(1 for c, _ in stored if c == pk)
        done = (before["outcome"] or {}).get("sessions_done")
        if done != count:
            problems.append(f"client {pk}: its state counts {done} sessions, {count} are stored")
    return problems


def stored_count(client_ids: list[int]) -> int:
    from backcare.clinic.models import Session

    return Session.objects.filter(client_id__in=client_ids).count()


def measure(label: str, writers: int, sessions: int, port: int, log: Path) -> int:
    setup_django()
    accounts = build_writers(writers)
    client_ids = [cid for _, cid in accounts]
    server = Server(port, writers, log)
    writes = Writes()
    writes.kill_after = max(1, writers * sessions // 2)
    try:
        server.start()
        threads = run_writers(port, accounts, {c: range(sessions) for c in client_ids}, writes)
        if not writes.enough.wait(timeout=120):
            raise SystemExit(f"{label}: the writes did not reach the kill point; log:\n{log}")
        server.kill()
        killed_at = len(writes.acknowledged)
        for t in threads:
            t.join(timeout=60)
        refused_before = list(writes.refused)
        server.start()  # the same database, after the crash
        ready = server.get("/ready")
        # Each writer goes on where its course stands: numbers past any unacknowledged write.
        after = {c: range(sessions + 1, sessions + 1 + MORE_AFTER_RESTART) for c in client_ids}
        for t in run_writers(port, accounts, after, writes):
            t.join(timeout=60)
    finally:
        server.stop()
    problems = check(client_ids, writes.acknowledged)
    if ready[0] != 200:
        problems.append(f"/ready after the restart answered {ready[0]} {ready[1][:200]!r}")
    problems += [f"refused before the kill: {r}" for r in refused_before]
    problems += [f"refused after the restart: {r}" for r in writes.refused[len(refused_before) :]]
    restarted = len(writes.acknowledged) - killed_at
    if restarted != writers * MORE_AFTER_RESTART:
        expected = writers * MORE_AFTER_RESTART
        problems.append(f"after the restart {restarted} writes were acknowledged, not {expected}")
    print(f"== {label}: {writers} writers; SIGKILL after {killed_at} acknowledged writes")
    print(f"   {len(writes.acknowledged)} acknowledged in all ({restarted} after the restart)")
    # A write committed but never acknowledged (killed mid-answer) is stored whole: not a loss.
    print(f"   {stored_count(client_ids)} sessions stored")
    for p in problems:
        print(f"   PROBLEM: {p}")
    if not problems:
        print("   every acknowledged write is there, nothing half-written")
    return 1 if problems else 0


def _postgres_database(url: str) -> tuple[str, str]:
    """A new, empty database on the server of `url`: its URL and its name."""
    import psycopg

    name = f"backcare_crash_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}", name


def _drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(database: str, writers: int, sessions: int, port: int) -> int:
    """One database's run in a child process of its own (Django's settings are per process)."""
    child = [sys.executable, __file__, "--child", "--writers", str(writers)]
    child += ["--sessions", str(sessions), "--port", str(port)]
    with tempfile.TemporaryDirectory(prefix="backcare-crash-") as data:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"BACKCARE_DATA_DIR": data, "BACKCARE_CRASH_LABEL": "SQLite (WAL)"}
        if database == "sqlite":
            return subprocess.run(child, env=env, check=False).returncode
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgres"):
            raise SystemExit("PostgreSQL: run under scripts/with-postgres (or --database sqlite)")
        env["DATABASE_URL"], name = _postgres_database(url)
        env["BACKCARE_CRASH_LABEL"] = "PostgreSQL"
        try:
            return subprocess.run(child, env=env, check=False).returncode
        finally:
            _drop_postgres_database(url, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=20, help="per writer before the kill")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.writers <= 16 or not 2 <= args.sessions <= 500:
        raise SystemExit("--writers from 1 to 16, --sessions from 2 to 500")
    if args.child:
        label = os.environ["BACKCARE_CRASH_LABEL"]
        log = Path(os.environ["BACKCARE_DATA_DIR"]) / "gunicorn.log"
        raise SystemExit(measure(label, args.writers, args.sessions, args.port, log))
    databases = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    status = 0
    for database in databases:
        status |= run(database, args.writers, args.sessions, args.port)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
