"""Latency of the dashboard and the progress page on PostgreSQL, beside a trivial view.

    bash scripts/with-postgres .venv/bin/python benchmarks/web_pages.py [--requests 200]
    options: --requests N (200), --interleave, --clients, --sessions, --port

Builds a clinic of 500 clients (each with an intake; one with 40 sessions) in the database
named by DATABASE_URL, serves the app with gunicorn on 127.0.0.1 (DEBUG off), signs in, and
times N sequential requests to each page over one keep-alive connection: p50 and p95 in ms,
side by side with `/health` (a trivial Django view on the same server); with --interleave, one
request to each page in turn instead, N times. Loopback only; bounded.
Targets (issue 3): within 3x the trivial view, p95 under 100 ms. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from serving import wait_for  # benchmarks/serving.py, beside this file

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
os.environ.setdefault("BACKCARE_DEBUG", "0")


def build_clinic(clients: int, sessions: int) -> tuple[str, int]:
    """Create the clinic; return a signed-in session cookie and the busy client's id."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from backcare.accounts.models import Clinic, Therapist
    from backcare.clinic import actions
    from backcare.core.validation import parse_intake

    call_command("migrate", verbosity=0)
    User = get_user_model()
    user = User.objects.filter(username="bench").first()
    if user is None:
        clinic = Clinic.objects.create(name="Benchmark Clinic")
        user = User.objects.create_user(username="bench", password="a-long-benchmark-password")
        therapist = Therapist.objects.create(
            user=user, clinic=clinic, display_name="Bench", is_clinic_admin=True
        )
        for i in range(clients):
            client = actions.create_client(
                by=user, therapist=therapist, full_name=f"Client {i:04d}"
            )
            doc = {
                "schema": "backcare.intake/1",
                "age": 20 + i % 60,
                "pain": {"intensity": i % 11, "duration_weeks": i % 40, "regions": ["lumbar"]},
                "red_flags": {"fever": i % 50 == 0},
            }
            actions.record_intake(by=user, client=client, intake=parse_intake(doc))
        busy = client
        start = dt.date(2025, 1, 1)
        for n in range(sessions):
            actions.record_session(
                by=user,
                client=busy,
                when=start + dt.timedelta(days=7 * n),
                values={
                    "pain_before": 6 - n % 3,
                    "pain_after": 4 - n % 3,
                    "techniques": ["swedish"],
                    "pressure": "light",
                    "regions": ["lumbar-left"],
                },
                # A long history entered at once: sessions that happened (§6a confirmation).
                override={
                    "confirm": True,
                    "reason_kind": "recorded_after_the_fact",
                    "reason": "Benchmark history entered after the fact.",
                },
            )
    busy_id = user.therapist.clients.order_by("-id").first().pk
    return signed_in_session(user), busy_id


def signed_in_session(user: Any) -> str:
    """A session key as both sign-in steps leave it (a clinic admin must use two-factor
    sign-in), made directly: force_login's request has no address for the lockout log."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Authenticator app"}
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return str(session.session_key)


def timed(conn: http.client.HTTPConnection, path: str, cookie: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        out.append((time.perf_counter() - t) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="one request to each page in turn, N rounds (on a busy machine a slow spell then "
        "falls on every page alike, and the ratios move less)",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres: DATABASE_URL must name PostgreSQL")
    t = time.perf_counter()
    cookie, busy = build_clinic(args.clients, args.sessions)
    print(f"clinic of {args.clients} clients ready in {time.perf_counter() - t:.1f} s")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", "1", "--log-level", "warning"],
    )  # fmt: skip
    try:
        wait_for(args.port)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        pages = [
            ("trivial view (/health)", "/health"),
            ("dashboard", "/"),
            (f"progress ({args.sessions} sessions)", f"/clients/{busy}/progress/"),
        ]
        for _, path in pages:
            timed(conn, path, cookie, 10)  # warm up
        if args.interleave:
            results: dict[str, list[float]] = {name: [] for name, _ in pages}
            for _ in range(args.requests):
                for name, path in pages:
                    results[name] += timed(conn, path, cookie, 1)
        else:
            results = {name: timed(conn, path, cookie, args.requests) for name, path in pages}
    finally:
        server.terminate()
        server.wait(timeout=10)
    base = statistics.median(results["trivial view (/health)"])
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'p50 / trivial':>14}")
    for name, times in results.items():
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{name:32} {p50:8.2f} {p95:8.2f} {p50 / base:14.2f}")
    print("targets: within 3x the trivial view; p95 under 100 ms")


if __name__ == "__main__":
    main()
