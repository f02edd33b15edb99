"""The dashboard at scale, in process: its queries, their time and the request's, no page cache.

    bash scripts/with-postgres .venv/bin/python benchmarks/dashboard_queries.py
    options: --clients N (10000), --seeded S (300), --requests R (12)

Builds the clinic `lists.py` builds (S clients seeded by `seed_clinic`, the other N - S copies
of their rows; 1,000 audit rows), then asks for the dashboard R times through Django's test
client under `nocache_settings` (every `{% cache %}` fragment misses), signed in with both
factors. For the requests after the first two (warm): the number of queries, the p50 of the
request and of the time its SQL took (`CaptureQueriesContext`), and the slowest query of the
last one. No HTTP server: what the page itself costs, without gunicorn's share, so a change to
the dashboard's queries shows even on a busy machine. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocache_settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--seeded", type=int, default=300)
    parser.add_argument("--requests", type=int, default=12)
    args = parser.parse_args()

    import django

    django.setup()
    import lists
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    built = lists.build(args.clients, args.seeded, 2, 1_000, 1)
    browser = Browser(HTTP_HOST="127.0.0.1")
    browser.cookies[settings.SESSION_COOKIE_NAME] = built["cookie"]
    took, sql = [], []
    for i in range(args.requests):
        connection.queries_log.clear()  # a full log (9,000 rows) would count nothing new
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = browser.get("/")
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered {response.status_code}")
        if i >= 2:
            took.append((time.perf_counter() - start) * 1000)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    print(f"clinic: {built['clients']:,} clients; load {os.getloadavg()}")
    print(
        f"dashboard: {len(queries)} queries, request p50 {statistics.median(took):.1f} ms, "
        f"its SQL p50 {statistics.median(sql):.1f} ms"
    )
    print(f"slowest query: {float(slowest['time']) * 1000:.1f} ms: {slowest['sql'][:100]}")


if __name__ == "__main__":
    main()
