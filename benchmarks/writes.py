"""API session writes at 1, 8 and 32 concurrent clients, beside the trivial view (issue 13).

    bash scripts/with-postgres .venv/bin/python benchmarks/writes.py      # PostgreSQL
    .venv/bin/python benchmarks/writes.py                                 # SQLite (a temp file)
    options: --clients N (300), --sessions-per-client K (10), --seed S (1),
             --concurrency 1 8 32, --writes W (20 per concurrent client), --workers (8), --port

The database is DATABASE_URL's when it names PostgreSQL; otherwise a throw-away SQLite file with
the app's own SQLite settings (WAL, IMMEDIATE transactions, busy timeout) in a temporary
BACKCARE_DATA_DIR. A clinic of two therapists is filled by `backcare manage seed_clinic` (N
clients, K sessions each: writes then add to courses of a realistic length), a therapist gets a
write token, and the app is served by gunicorn on 127.0.0.1 (DEBUG off, --workers sync
workers, as `backcare serve` runs it). Warmed up with uncounted requests, then for each
concurrency C:

- the trivial view (`/health`): C threads, W requests each, all starting together;
- session writes: C threads, each on clients of its own (never two threads on one client),
  `POST /api/v1/clients/{id}/sessions` W times, each with a new `Idempotency-Key`, the next
  session of the client's course (a week after its last, the last session's techniques and
  pressure; confirmed as entered after the fact, as seed_clinic's are).

Prints per C: requests/s (all requests / wall time), p50 and p95 latency in ms, the writes'
throughput as a share of the trivial view's, answers other than 201, how many times "database
is locked" was logged by the server (SQLite; answered 503), and -- on PostgreSQL -- how many
writers waited for a lock on average while the writes ran (`concurrent_writes.LockWaits`).
Loopback only; bounded (at most 32 threads x 200 writes). Targets (issue 13): PostgreSQL, 8
clients: writes >= 25 % of the trivial view's throughput and p95 < 100 ms; SQLite, 8 writers:
p95 < 250 ms and no "database is locked". Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from concurrent_writes import LockWaits  # benchmarks/concurrent_writes.py, beside this file
from serving import wait_for  # benchmarks/serving.py, beside this file

LOCKED = "database is locked"


@dataclass
class Course:
    """A client the writes extend: its id, the next session's date and its values."""

    client_id: int
    next_date: dt.date
    values: dict[str, object]


@dataclass
class Run:
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0


def setup(clients: int, sessions: int, seed: int) -> tuple[str, list[Course], float]:
    """The seeded clinic: a write token of one of its therapists, the courses to extend, and
    the seeding's seconds."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    os.environ.setdefault("BACKCARE_DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from backcare.accounts.models import Clinic, Therapist
    from backcare.api.tokens import create_token
    from backcare.clinic.models import Client

    call_command("migrate", verbosity=0)
    name = f"Write benchmark {clients}"
    clinic = Clinic.objects.filter(name=name).first()
    seconds = 0.0
    if clinic is None:
        clinic = Clinic.objects.create(name=name)
        for role, admin in (("admin", True), ("therapist", False)):
            user = get_user_model().objects.create_user(
                username=f"writes-{clients}-{role}", password="a-long-benchmark-password"
            )
            Therapist.objects.create(
                user=user, clinic=clinic, display_name=f"Bench {role}", is_clinic_admin=admin
            )
        start = time.perf_counter()
        call_command(
            "seed_clinic",
            f"--clinic={clinic.pk}",
            f"--clients={clients}",
            f"--sessions-per-client={sessions}",
            f"--seed={seed}",
        )
        seconds = time.perf_counter() - start
    # A clinic admin may record a session for any client of the clinic.
    admin = clinic.therapists.get(is_clinic_admin=True).user
    _, token = create_token(by=admin, name="write benchmark", can_write=True)
    courses = []
    for client in Client.objects.filter(clinic=clinic).order_by("id"):
        last = client.sessions.order_by("-number").first()
        if last is None:  # referred: no massage, no session to add
            continue
        courses.append(
            Course(
                client_id=client.pk,
                next_date=last.date + dt.timedelta(days=7),
                values={
                    "techniques": list(last.techniques),
                    "pressure": last.pressure,
                    "regions": list(last.regions),
                },
            )
        )
    connections.close_all()  # the server does the writing from here on
    return token, courses, seconds


def session_body(course: Course, n: int) -> bytes:
    return json.dumps(
        {
            "date": course.next_date.isoformat(),
            "pain_before": 5 - n % 3,
            "pain_after": 3 - n % 3,
            **course.values,
            "confirm": True,
            "reason_kind": "recorded_after_the_fact",
            "reason": "Write benchmark (benchmarks/writes.py), not live clinical notes.",
        }
    ).encode()


def worker(
    port: int, token: str, courses: list[Course], count: int, write: bool, go: threading.Barrier,
    run: Run,
) -> None:  # fmt: skip
    """`count` requests one after another once `go` opens: writes to `courses` in turn (each
    a week after the client's last), or GET /health."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    go.wait()
    for n in range(count):
        if write:
            course = courses[n % len(courses)]
            body = session_body(course, n)
            course.next_date += dt.timedelta(days=7)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
                "Host": "127.0.0.1",
            }
            path = f"/api/v1/clients/{course.client_id}/sessions"
            t = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
        else:
            t = time.perf_counter()
            conn.request("GET", "/health", headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        answer = response.read()
        run.times.append((time.perf_counter() - t) * 1000)
        if response.status != (201 if write else 200):
            run.failures.append(f"{response.status} {answer[:300]!r}")
    conn.close()


def measure(
    port: int, token: str, courses: list[Course], threads: int, count: int, write: bool
) -> Run:
    """`threads` threads, each with courses of its own, all started together."""
    run = Run()
    go = threading.Barrier(threads + 1)
    shares = [courses[i::threads] for i in range(threads)]
    started = [
        threading.Thread(target=worker, args=(port, token, shares[i], count, write, go, run))
        for i in range(threads)
    ]
    for t in started:
        t.start()
    go.wait()
    start = time.perf_counter()
    for t in started:
        t.join()
    run.wall = time.perf_counter() - start
    return run


def stats(run: Run) -> tuple[float, float, float]:
    p95 = statistics.quantiles(run.times, n=20)[18] if len(run.times) > 1 else run.times[0]
    return len(run.times) / run.wall, statistics.median(run.times), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--sessions-per-client", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--writes", type=int, default=20, help="requests per concurrent client")
    parser.add_argument("--workers", type=int, default=8, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    if not all(1 <= c <= 32 for c in args.concurrency) or not 1 <= args.writes <= 200:
        raise SystemExit("--concurrency from 1 to 32, --writes from 1 to 200")
    if not 1 <= args.workers <= 32 or not 1 <= args.clients <= 5000:
        raise SystemExit("--workers from 1 to 32, --clients from 1 to 5000")
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    with tempfile.TemporaryDirectory(prefix="backcare-writes-") as data:
        if not postgres:
            os.environ.pop("DATABASE_URL", None)
            os.environ["BACKCARE_DATA_DIR"] = data
        label = "PostgreSQL" if postgres else "SQLite (WAL)"
        token, courses, seeded = setup(args.clients, args.sessions_per_client, args.seed)
        if len(courses) < max(args.concurrency):
            raise SystemExit(f"only {len(courses)} clients with sessions: seed more --clients")
        print(f"== {label}: {args.clients} clients seeded in {seeded:.1f} s "
              f"({len(courses)} with sessions); gunicorn, {args.workers} sync workers")  # fmt: skip
        log = Path(data) / "gunicorn.log"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with log.open("w") as errors:
            server = subprocess.Popen(
                [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
                 "--workers", str(args.workers), "--log-level", "warning"],
                stderr=errors,
            )  # fmt: skip
            rows = []
            notes: list[str] = []
            locked: dict[int, int] = {}  # "database is locked" in the server's log, per C
            try:
                wait_for(args.port)
                # Uncounted: every worker loads the app and the rule tables on its first
                # requests. Writes to the last courses, which the measured runs use last.
                measure(args.port, token, courses[-args.workers :], args.workers, 3, True)
                measure(args.port, token, courses, args.workers, 10, False)
                for c in args.concurrency:
                    trivial = measure(args.port, token, courses, c, args.writes, False)
                    # PostgreSQL: how many writers wait for a lock while they run (a row
                    # shared by the clinic would show here, whatever the cores' load).
                    waits = LockWaits() if postgres else None
                    mark = log.stat().st_size
                    with waits or contextlib.nullcontext():
                        writes = measure(args.port, token, courses, c, args.writes, True)
                    with log.open() as logged_here:
                        logged_here.seek(mark)
                        locked[c] = logged_here.read().count(LOCKED)
                    if waits is not None:
                        notes.append(waits.report(c, writes.wall, len(writes.times)))
                    rows.append((c, trivial, writes))
            finally:
                server.terminate()
                server.wait(timeout=30)
        server_log = log.read_text()
        logged = server_log.count(LOCKED)
    if any(trivial.failures or writes.failures for _, trivial, writes in rows):
        print("the server's log ends:", *server_log.splitlines()[-15:], sep="\n  ")
    print(f"{'clients':>7} {'what':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'writes/trivial':>15} {'not 2xx':>8} {'locked':>7}")  # fmt: skip
    for c, trivial, writes in rows:
        t_rate, t50, t95 = stats(trivial)
        w_rate, w50, w95 = stats(writes)
        print(f"{c:>7} {'trivial':>8} {t_rate:>8.1f} {t50:>8.1f} {t95:>8.1f} {'':>15} "
              f"{len(trivial.failures):>8}")  # fmt: skip
        print(f"{c:>7} {'writes':>8} {w_rate:>8.1f} {w50:>8.1f} {w95:>8.1f} "
              f"{w_rate / t_rate:>14.0%} {len(writes.failures):>8} {locked[c]:>7}")  # fmt: skip
        for failure in writes.failures[:2]:
            print(f"        e.g. {failure}")
        if notes:
            print(notes.pop(0))
    print(f'"{LOCKED}" in the server\'s log: {logged}')
    print("targets: PostgreSQL, 8 clients: writes >= 25 % of trivial, p95 < 100 ms; "
          'SQLite, 8 writers: p95 < 250 ms, no "database is locked"')  # fmt: skip


if __name__ == "__main__":
    main()
