"""More clients for a benchmark in seconds: copies of a clinic's seeded clients' rows.

Seeding through the actions runs at tens of clients a second; the lists and the export read
the clients' stored rows (their stored state), so copies of seeded rows under other names make
a clinic of realistic size for them. PostgreSQL only (`generate_series`).
"""

from __future__ import annotations

import time
from typing import Any


def copy_clients(clinic: Any, total: int) -> None:
    """Fill `clinic` to `total` clients: copy g is of seeded client g mod n, named
    "<name> g". Prints how many and how long."""
    from django.db import connection

    from backcare.clinic.models import Client

    copies = total - clinic.clients.count()
    if copies <= 0:
        return
    if connection.vendor != "postgresql":
        raise SystemExit("copies of clients are made on PostgreSQL (set DATABASE_URL)")
    start = time.perf_counter()
    table = Client._meta.db_table
    columns = [f.column for f in Client._meta.concrete_fields if f.column != "id"]
    chosen = ", ".join("s.full_name || ' ' || g" if c == "full_name" else f"s.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH seeded AS (SELECT *, row_number() OVER (ORDER BY id) - 1 AS i,
                                   count(*) OVER () AS n FROM {table} WHERE clinic_id = %s)
            INSERT INTO {table} ({", ".join(columns)})
            SELECT {chosen} FROM generate_series(1, %s) AS g
            JOIN seeded AS s ON s.i = g %% s.n
            """,
            [clinic.pk, copies],
        )
    print(f"{copies:,} client rows copied in {time.perf_counter() - start:.1f} s")
