"""JSON logs with a request id (issue 13, point 4; web/request_id.py): every answer carries its
id in X-Request-ID, every log line of the request carries it too, one line per request says
method, path, status, duration and user id, and no line names a client."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse

from backcare.web.request_id import JsonFormatter, RequestIdFilter
from support.world import World, browser_for

BACKCARE = str(Path(sys.executable).with_name("backcare"))
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the app logs while a test runs, through the JSON formatter and the request-id filter
    that BACKCARE_LOG_FORMAT=json configures (web/settings.py)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # each line parses


def test_every_answer_carries_a_request_id_of_its_own(db: Any) -> None:
    browser = Browser()
    first, second = browser.get(reverse("health")), browser.get(reverse("health"))
    assert HEX_ID.fullmatch(first["X-Request-ID"]) and HEX_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@override_settings(BACKCARE_TRUSTED_PROXIES=1)
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0123456789abcdef0123456789abcdef", True),  # nginx's $request_id
        ("3f2b8c1e-6d4a-4c1b-9e7f-2a5d8c3b1e90", True),  # a UUID
        ("short", False),
        ("two words here", False),
        ("abcdefgh\nforged log line", False),
        ("a" * 200, False),
    ],
)
def test_a_trusted_proxys_sane_id_is_kept_and_anything_else_replaced(
    db: Any, sent: str, kept: bool
) -> None:
    answered = Browser().get(reverse("health"), HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    if kept:
        assert answered == sent
    else:
        assert answered != sent and HEX_ID.fullmatch(answered)


def test_without_a_trusted_proxy_the_senders_id_is_not_taken(db: Any) -> None:
    sent = "0123456789abcdef0123456789abcdef"
    answered = Browser().get(reverse("health"), HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert answered != sent and HEX_ID.fullmatch(answered)


def test_json_lines_carry_the_request_id_and_never_a_clients_name(
    world: World, json_log: io.StringIO
) -> None:
    browser = browser_for(world.therapist)
    name = world.client.full_name  # "Carol Client"
    page = browser.get(reverse("client_detail", args=[world.client.pk]))
    search = browser.get(reverse("dashboard"), {"q": "Carol"})
    missing = browser.get("/clients/999999/")
    assert name in page.content.decode() and name in search.content.decode()  # shown, not logged
    assert missing.status_code == 404

    lines = _lines(json_log)
    assert "Carol" not in json_log.getvalue()
    requests = [line for line in lines if line["logger"] == "backcare.requests"]
    for response, path in (
        (page, f"/clients/{world.client.pk}/"),
        (search, "/"),  # the path only: the search's query string named the client
        (missing, "/clients/999999/"),
    ):
        request_id = response["X-Request-ID"]
        (line,) = [line for line in requests if line["request_id"] == request_id]
        assert line["method"] == "GET" and line["path"] == path
        assert line["status"] == response.status_code
        assert line["user_id"] == world.therapist.pk
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    # Another logger's line written during a request carries that request's id: the 404's.
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["level"] == "WARNING"
    assert not_found["request_id"] == missing["X-Request-ID"]


def test_a_line_outside_any_request_has_no_id(json_log: io.StringIO) -> None:
    logging.getLogger("backcare.test").warning("outside")
    (line,) = _lines(json_log)
    assert line["message"] == "outside" and line["request_id"] == "-"


def test_an_anonymous_request_logs_no_user(db: Any, json_log: io.StringIO) -> None:
    response = Browser().get(reverse("login"))
    (line,) = [line for line in _lines(json_log) if line["logger"] == "backcare.requests"]
    assert line["request_id"] == response["X-Request-ID"] and line["user_id"] is None


def test_a_bad_log_format_stops_the_start(tmp_path: Path) -> None:
    env = {**os.environ, "BACKCARE_LOG_FORMAT": "xml", "BACKCARE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert (
        result.returncode != 0 and "BACKCARE_LOG_FORMAT must be 'text' or 'json'" in result.stderr
    )


def test_backcare_serve_logs_json_lines_and_never_a_query_string(tmp_path: Path) -> None:
    """gunicorn's access log would print the query string (where the dashboard's search puts a
    name): `backcare serve` leaves it off, and the app's own line names the path only."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    bind = f"127.0.0.1:{port}"
    drop = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "BACKCARE_ENV", "BACKCARE_CACHE_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"BACKCARE_DATA_DIR": str(tmp_path), "BACKCARE_LOG_FORMAT": "json"}
    server = subprocess.Popen(
        [BACKCARE, "serve", "--insecure-dev", "--no-migrate", "--workers", "1", "--bind", bind],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                url = f"http://127.0.0.1:{port}/health?q=Zelda+Query"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    request_id = answer.headers["X-Request-ID"]
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)
    assert "Zelda" not in stdout + stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line["request_id"] == request_id]
    assert line["logger"] == "backcare.requests" and line["path"] == "/health"
    assert line["status"] == 200
