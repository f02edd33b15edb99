"""Lists at scale: every list page beside a trivial view, without the page cache.

    bash scripts/with-postgres .venv/bin/python benchmarks/lists.py
    options: --clients N (10000), --seeded S (N), --sessions K (2), --audit-rows M (1000000),
             --seed (1), --requests R (50), --runs 2, --port P

Builds, in the database named by DATABASE_URL (PostgreSQL for the figures), a clinic of two
therapists filled by `backcare manage seed_clinic` (S clients, K sessions each; with S < N
the other N - S clients are copies of the seeded clients' rows under other names, inserted
directly: the lists read the client rows' stored state, and on a busy machine seeding runs at
a few clients a second) and M audit rows inserted directly (one INSERT ... SELECT: it is a
benchmark), then VACUUM ANALYZE (what autovacuum does on a live database). It serves the app
with gunicorn on 127.0.0.1 (DEBUG off)
under `nocache_settings` (every `{% cache %}` fragment misses), signs in with both factors
(`web_pages.signed_in_session`) and an API token, and times R rounds of one request to each
page in turn (a slow spell of a busy machine falls on every page alike): p50, p95 and the
p50's ratio to `/health` (a trivial view on the same server), `--runs` times.

Pages: the API's first and last page of clients (the last by cursor, reached by following
the `Link` headers, and by `offset` as older scripts do), the audit log's first page and a
deep one (half-way down the log, by cursor), the dashboard, its search (the htmx fragment),
a client's sessions (API) and that client's FHIR bundle (API); and, as a floor, the API's
`/token` (a token's authentication and one read, no list, no audit row). Target (issue 13):
each within 3x the trivial view. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from copies import copy_clients  # benchmarks/copies.py, beside this file
from serving import wait_for  # benchmarks/serving.py, beside this file

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
os.environ.setdefault("BACKCARE_DEBUG", "0")

HERE = Path(__file__).resolve().parent


def build(clients: int, seeded: int, sessions: int, audit_rows: int, seed: int) -> dict[str, Any]:
    """The clinic (made once per database); what the pages need to be reached."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from backcare.accounts.models import Clinic, Therapist
    from backcare.api.models import ApiToken
    from backcare.audit.models import AuditEvent

    User = get_user_model()
    name = f"Lists benchmark {clients}"
    clinic = Clinic.objects.filter(name=name).first()
    if clinic is None:
        clinic = Clinic.objects.create(name=name)
        for role, admin in (("admin", True), ("therapist", False)):
            user = User.objects.create_user(
                username=f"lists-{clients}-{role}", password="a-long-benchmark-password"
            )
            Therapist.objects.create(
                user=user, clinic=clinic, display_name=f"Bench {role}", is_clinic_admin=admin
            )
    admin = clinic.therapists.get(is_clinic_admin=True).user
    if not clinic.clients.exists():
        start = time.perf_counter()
        call_command(
            "seed_clinic",
            f"--clinic={clinic.pk}",
            f"--clients={seeded}",
            f"--sessions-per-client={sessions}",
            f"--seed={seed}",
        )
        print(f"seed_clinic {seeded} x {sessions}: {time.perf_counter() - start:.1f} s")
    copy_clients(clinic, clients)
    missing = audit_rows - AuditEvent.objects.filter(clinic=clinic).count()
    if missing > 0:
        start = time.perf_counter()
        actions = ["view.progress", "view.client", "session.create", "intake.create", "view.api"]
        with connection.cursor() as cursor:
            # One row a second back from now, each about one of the clinic's clients in turn.
            cursor.execute(
                f"""
                WITH ids AS (SELECT array_agg(id ORDER BY id) AS a FROM clinic_client
                             WHERE clinic_id = %s)
                INSERT INTO {AuditEvent._meta.db_table}
                    (at, actor_id, actor_label, action, clinic_id, client_id, object_type,
                     object_id, detail)
                SELECT now() - g * interval '1 second', %s, 'Bench admin',
                       (%s::text[])[1 + g %% {len(actions)}], %s,
                       ids.a[1 + g %% cardinality(ids.a)], '', '', '{{}}'::jsonb
                FROM generate_series(1, %s) AS g, ids
                """,
                [clinic.pk, admin.pk, actions, clinic.pk, missing],
            )
        print(f"{missing:,} audit rows inserted in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - start:.1f} s")
    token = ApiToken.new_token()
    ApiToken.objects.create(
        user=admin, name="benchmark", prefix=token[:10], token_hash=ApiToken.hash(token),
        can_write=False,
    )  # fmt: skip
    sys.path.insert(0, str(HERE))
    from django.db.models import Count
    from web_pages import signed_in_session

    from backcare.lib import keyset

    # A busy client (the most sessions), a word of a name in the middle of the list to search,
    # and a cursor half-way down the audit log (what "Older" would carry there).
    busy = (
        clinic.clients.annotate(n=Count("sessions")).order_by("-n", "id").values_list("pk", "n")
    )[0]
    names = clinic.clients.order_by("full_name", "id").values_list("full_name", flat=True)
    middle = names[clients // 2]
    events = AuditEvent.objects.filter(clinic=clinic).order_by("-at", "-id")
    deep = events.values_list("pk", flat=True)[audit_rows // 2]
    return {
        "cookie": signed_in_session(admin),
        "token": token,
        "busy": busy,
        "search": middle.split()[-1][:5],
        "deep": keyset.cursor("audit_log", deep, "n"),
        "clients": clinic.clients.count(),
        "events": events.count(),
    }


def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> Any:
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return response


def last_page(conn: http.client.HTTPConnection, api: dict[str, str]) -> str:
    """The API's last page of clients, reached as a script would: following `next`."""
    path = "/api/v1/clients?limit=50"
    while True:
        link = get(conn, path, api).getheader("Link") or ""
        found = re.search(r'<http://[^/]+(/[^>]*)>; rel="next"', link)
        if found is None:
            return path
        path = found.group(1)


def timed(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    start = time.perf_counter()
    get(conn, path, headers)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--seeded", type=int, help="clients seeded (default: all of them)")
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--audit-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres: DATABASE_URL must name PostgreSQL")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"{os.cpu_count()} CPU(s); load {os.getloadavg()}")
    seeded = min(args.seeded or args.clients, args.clients)
    made = build(args.clients, seeded, args.sessions, args.audit_rows, args.seed)
    print(f"clinic: {made['clients']:,} clients, {made['events']:,} audit rows")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nocache_settings"}
    server = subprocess.Popen(
        [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", "1", "--log-level", "warning", "--pythonpath", str(HERE)],
        env=env, stderr=subprocess.DEVNULL,  # one log line a request
    )  # fmt: skip
    try:
        wait_for(args.port)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        web = {"Cookie": f"sessionid={made['cookie']}"}
        api = {"Authorization": f"Bearer {made['token']}"}
        busy, sessions = made["busy"]
        last = made["clients"] - made["clients"] % 50 or made["clients"] - 50
        pages = [
            ("trivial view (/health)", "/health", {}),
            # Not a list: what any API answer costs before its own work (the token checked,
            # one row read back, no audit row), the floor under every API list below.
            ("API token (no list: the floor)", "/api/v1/token", api),
            ("API clients, first page", "/api/v1/clients?limit=50", api),
            ("API clients, last (cursor)", last_page(conn, api), api),
            ("API clients, last (offset)", f"/api/v1/clients?limit=50&offset={last}", api),
            ("audit log, first page", "/audit/", web),
            ("audit log, half-way down", f"/audit/?cursor={made['deep']}", web),
            ("dashboard", "/", web),
            ("dashboard search (htmx)", f"/?q={made['search']}", {**web, "HX-Request": "true"}),
            (f"API sessions ({sessions})", f"/api/v1/clients/{busy}/sessions", api),
            (f"FHIR bundle ({sessions} sessions)", f"/api/v1/clients/{busy}/fhir", api),
        ]
        for _, path, headers in pages:
            for _ in range(3):
                timed(conn, path, headers)  # warm up
        for run in range(1, args.runs + 1):
            results: dict[str, list[float]] = {name: [] for name, _, _ in pages}
            for _ in range(args.requests):
                for name, path, headers in pages:
                    results[name].append(timed(conn, path, headers))
            base = statistics.median(results["trivial view (/health)"])
            print(f"\nrun {run} of {args.runs}, load {os.getloadavg()}")
            print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'p50 / trivial':>14}")
            for name, times in results.items():
                p50 = statistics.median(times)
                p95 = statistics.quantiles(times, n=20)[18]
                print(f"{name:34} {p50:8.2f} {p95:8.2f} {p50 / base:14.2f}")
        print("target: each within 3x the trivial view")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
