"""outcomes.csv at scale: seed clinics with `seed_clinic`, then time the export through the API.

    bash scripts/with-postgres .venv/bin/python benchmarks/outcomes_export.py [--clients 1000 10000]
    options: --clients N... (1000 10000), --sessions K (20), --seed S (1), --repeat R (3),
             --seeded S (all): seed S clients per clinic and copy their rows for the rest
             (PostgreSQL; the export reads the clients' stored rows: 50,000 in seconds)

For each N: a clinic of two therapists is filled by `backcare manage seed_clinic` (its time is
printed: the seeding target is minutes for 10,000 clients x 20 sessions), then
GET /api/v1/outcomes.csv (a clinic admin's token) is sent through Django's test client and the
streamed body read to its end, R times: the best and median time, the queries of one request
(the sign-in's and the audit row's included), and the peak memory of one request in a fresh
process (`--measure`: tracemalloc's peak of Python allocations while it runs, and the process's
maximum resident size before and after). The database is DATABASE_URL's (PostgreSQL for the
figures; SQLite works too). Target (issue 13): 10,000 clients in under 2 s, memory flat in the
number of clients. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from copies import copy_clients  # benchmarks/copies.py, beside this file

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
os.environ.setdefault("BACKCARE_DEBUG", "0")


def _setup() -> None:
    import django

    django.setup()


def build(clients: int, sessions: int, seed: int, seeded: int) -> tuple[int, str, float]:
    """A clinic of `clients` (`seeded` of them by seed_clinic, the others copies of their rows:
    benchmarks/copies.py); its id, an admin's API token, and the seeding's seconds."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from backcare.accounts.models import Clinic, Therapist
    from backcare.api.models import ApiToken

    User = get_user_model()
    name = f"Export benchmark {clients}"
    clinic = Clinic.objects.filter(name=name).first()
    if clinic is None:
        clinic = Clinic.objects.create(name=name)
        for role, admin in (("admin", True), ("therapist", False)):
            user = User.objects.create_user(
                username=f"bench-{clients}-{role}", password="a-long-benchmark-password"
            )
            Therapist.objects.create(
                user=user, clinic=clinic, display_name=f"Bench {role}", is_clinic_admin=admin
            )
    seconds = 0.0
    if not clinic.clients.exists():
        start = time.perf_counter()
        call_command(
            "seed_clinic",
            f"--clinic={clinic.pk}",
            f"--clients={min(clients, seeded)}",
            f"--sessions-per-client={sessions}",
            f"--seed={seed}",
        )
        seconds = time.perf_counter() - start
    copy_clients(clinic, clients)
    admin = clinic.therapists.get(is_clinic_admin=True).user
    token = ApiToken.new_token()
    ApiToken.objects.create(
        user=admin,
        name="benchmark",
        prefix=token[:10],
        token_hash=ApiToken.hash(token),
        can_write=False,
    )
    return clinic.pk, token, seconds


def download(token: str) -> tuple[float, int, int]:
    """One export: seconds, queries, bytes."""
    from django.db import connection
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext

    browser = Browser()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = browser.get("/api/v1/outcomes.csv", HTTP_AUTHORIZATION=f"Bearer {token}")
        size = sum(len(piece) for piece in response.streaming_content)
        seconds = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return seconds, len(queries), size


def measure(token: str) -> None:
    """In a fresh process: one export's peak memory (printed as JSON)."""
    _setup()
    download(token)  # warm: imports, the rules tables, the first connection
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    download(token)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kib": peak // 1024, "rss_before_kib": before, "rss_after_kib": after}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--seeded", type=int, default=None, help="seed this many; copy their rows for the rest"
    )
    parser.add_argument("--measure", metavar="TOKEN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    _setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {os.cpu_count()} CPU(s); load {os.getloadavg()}")
    for clients in args.clients:
        clinic, token, seeded = build(clients, args.sessions, args.seed, args.seeded or clients)
        if seeded:
            print(
                f"seed_clinic {min(clients, args.seeded or clients)} clients x {args.sessions}"
                f" sessions: {seeded:.1f} s"
            )
        runs = [download(token) for _ in range(args.repeat)]
        times = [r[0] for r in runs]
        child = subprocess.run(
            [sys.executable, str(Path(__file__)), "--measure", token],
            capture_output=True,
            text=True,
            env=os.environ,
        )
        if child.returncode != 0:
            sys.exit(f"the memory measurement failed:\n{child.stderr[-3000:]}")
        memory = json.loads(child.stdout.splitlines()[-1])
        print(
            f"outcomes.csv, clinic {clinic}, {clients} clients: best {min(times):.3f} s, median"
            f" {statistics.median(times):.3f} s, {runs[0][1]} queries, {runs[0][2]:,} bytes;"
            f" peak traced {memory['peak_kib']:,} KiB, max RSS {memory['rss_before_kib']:,}"
            f" -> {memory['rss_after_kib']:,} KiB"
        )


if __name__ == "__main__":
    main()
