"""What the benchmarks that serve the app over loopback share: waiting until the server
answers, and one API session write's body."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time

START = dt.date(2026, 1, 5)


def wait_for(port: int, *, tries: int = 300) -> None:
    """Until the server on 127.0.0.1:`port` answers /health (0.1 s between tries)."""
    for _ in range(tries):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def session_body(n: int, *, reason: str) -> bytes:
    """The `n`th session of a made-up course (a day after the one before), for
    `POST /api/v1/clients/{id}/sessions`."""
    return json.dumps(
        {
            "date": (START + dt.timedelta(days=n)).isoformat(),
            "pain_before": 6 - n % 3,
            "pain_after": 4 - n % 3,
            "techniques": ["swedish"],
            "pressure": "light",
            "regions": ["lumbar-left"],
            # Sessions entered one after another: confirmed as recorded after the fact, in case
            # the course asks for a reason (clinical-rules §6a); ignored when it does not.
            "confirm": True,
            "reason_kind": "recorded_after_the_fact",
            "reason": reason,
        }
    ).encode()
