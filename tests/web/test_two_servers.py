"""Two real app servers on one PostgreSQL and one Redis (issue 13, point 4).

Two gunicorn processes on two loopback ports share the test database and the Redis cache of
`BACKCARE_CACHE_URL`, as two app servers behind a proxy would (README, "Deploying on several app
servers"). The self-check's rate limit counts the requests of both, a change made through one
is on the other's cached page at once, and their JSON logs carry each answer's request id and
no client's name. scripts/check runs this in its PostgreSQL pass, under scripts/with-redis.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from backcare.accounts.models import Clinic
from backcare.selfcheck.views import POSTS_PER_MINUTE
from support.two_factor import sign_in_both_factors
from support.world import add_client, make_therapist

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("BACKCARE_CACHE_URL"),
        reason="no shared cache: run under scripts/with-redis (scripts/check does)",
    ),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="two servers share one database server: run under scripts/with-postgres",
    ),
]

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Visitor:
    """One browser talking to either server: its cookies (a session, the CSRF cookie) are good
    on both, since the session is in the shared database."""

    cookies: dict[str, str] = field(default_factory=dict)

    def send(
        self,
        server: Server,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sending = dict(headers or {})
        if self.cookies:
            sending["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sending["Content-Type"] = "application/x-www-form-urlencoded"
        connection_ = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection_.request(method, path, body=body, headers=sending)
            response = connection_.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return Answer(response.status, dict(response.headers.items()), text)
        finally:
            connection_.close()

    def form_token(self, server: Server, path: str) -> str:
        page = self.send(server, "GET", path)
        assert page.status == 200, page.status
        found = TOKEN.search(page.body)
        assert found, f"no CSRF token on {path}"
        return found.group(1)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the server logged, each one JSON (BACKCARE_LOG_FORMAT=json)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def _database_url() -> str:
    """The test database, as the servers must reach it (committed rows: transactional_db)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def _start(tmp_path: Path, name: str) -> Server:
    port = _free_port()
    log = tmp_path / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if k not in ("BACKCARE_ENV",)}
    env |= {
        "DJANGO_SETTINGS_MODULE": "backcare.web.settings",
        "DATABASE_URL": _database_url(),
        "BACKCARE_CACHE_URL": os.environ["BACKCARE_CACHE_URL"],
        "BACKCARE_LOG_FORMAT": "json",
        "BACKCARE_TRUSTED_PROXIES": "1",  # as behind the README's nginx
        "BACKCARE_DATA_DIR": str(tmp_path / name),
    }
    # One worker each; gunicorn's own lines only for errors, so that the log is all JSON.
    command = [GUNICORN, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--log-level", "warning"]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return Server(port, process, log)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        assert server.process.poll() is None, server.log.read_text()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.3)


@pytest.fixture
def servers(transactional_db: Any, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    cache.clear()  # the shared Redis: ids repeat between test runs
    pair = (_start(tmp_path, "one"), _start(tmp_path, "two"))
    try:
        for server in pair:
            _wait_until_up(server)
        yield pair
    finally:
        for server in pair:
            server.process.terminate()
        for server in pair:
            server.process.wait(timeout=30)


def _at_the_start_of_a_minute() -> None:
    """The limit counts per clock minute: late in a minute, wait for the next one."""
    second = time.time() % 60
    if second > 40:
        time.sleep(60 - second + 0.2)


def _self_check_statuses(visitor: Visitor, servers: list[Server], address: str) -> list[int]:
    """POST the self-check POSTS_PER_MINUTE + 2 times from `address` (behind the proxy), going
    round `servers`; an empty post counts like any other (422, or 429 once limited)."""
    token = visitor.form_token(servers[0], reverse("self_check"))
    statuses = []
    for n in range(POSTS_PER_MINUTE + 2):
        answer = visitor.send(
            servers[n % len(servers)],
            "POST",
            reverse("self_check"),
            form={"csrfmiddlewaretoken": token},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(answer.status)
    return statuses


def test_the_self_check_rate_limit_counts_across_both_servers(
    servers: tuple[Server, Server],
) -> None:
    one, two = servers
    visitor = Visitor()
    _at_the_start_of_a_minute()
    alone = _self_check_statuses(visitor, [one], "198.51.100.1")
    shared = _self_check_statuses(visitor, [one, two], "198.51.100.2")
    limited = [429] * 2
    assert 429 not in alone[:POSTS_PER_MINUTE] and alone[POSTS_PER_MINUTE:] == limited
    # Split between the servers (11 posts each), the limit falls at the same total: with a
    # cache of each server's own neither would have counted past 11.
    assert shared == alone
    # The counter is one Redis key per address and minute, counted by both.
    minute = time.strftime("%Y%m%d%H%M", time.gmtime())
    assert cache.get(f"selfcheck:198.51.100.2:{minute}") == POSTS_PER_MINUTE + 2


def _fragment_keys() -> set[bytes]:
    redis = cache._cache.get_client(None, write=False)  # type: ignore[attr-defined]
    return set(redis.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*template.cache.*"))


def test_a_change_through_one_server_is_on_the_others_cached_page_at_once(
    servers: tuple[Server, Server],
) -> None:
    one, two = servers
    clinic = Clinic.objects.create(name="Riverside")
    user = make_therapist("alice", clinic)
    client = add_client(user, "Carol Client")
    visitor = Visitor()
    session = sign_in_both_factors(Browser(), user).cookies[settings.SESSION_COOKIE_NAME]
    visitor.cookies[settings.SESSION_COOKIE_NAME] = session.value

    before = visitor.send(two, "GET", reverse("dashboard"))
    assert before.status == 200 and "Carol Client" in before.body
    stored = _fragment_keys()
    assert any(b"client_lists" in key for key in stored)  # server two's fragments, in Redis
    again = visitor.send(one, "GET", reverse("dashboard"))  # server one reads the same ones
    assert again.status == 200 and "Carol Client" in again.body
    assert _fragment_keys() == stored

    edit = reverse("client_edit", args=[client.pk])
    token = visitor.form_token(one, edit)
    form = {"csrfmiddlewaretoken": token, "full_name": "Carol Renamed", "email": "", "phone": ""}
    saved = visitor.send(one, "POST", edit, form=form)
    assert saved.status == 302, saved.body
    client.refresh_from_db()
    assert client.full_name == "Carol Renamed"

    after = visitor.send(two, "GET", reverse("dashboard"))
    assert after.status == 200
    assert "Carol Renamed" in after.body and "Carol Client" not in after.body
    assert _fragment_keys() - stored  # a new version: new fragments, the old ones unused

    # Both servers' logs are JSON lines; each answer's id is on its server's line for it, and
    # neither log names the client.
    sent_id = "0123456789abcdef0123456789abcdef"  # a proxy's, as nginx's $request_id
    tagged = visitor.send(two, "GET", reverse("dashboard"), headers={"X-Request-ID": sent_id})
    assert tagged.headers["X-Request-ID"] == sent_id
    for server in servers:
        server.process.terminate()
        server.process.wait(timeout=30)
    logs = {server.port: server.log_lines() for server in servers}
    for server, answer, path in (
        (two, before, "/"),
        (one, again, "/"),
        (one, saved, edit),
        (two, after, "/"),
        (two, tagged, "/"),
    ):
        request_id = answer.headers["X-Request-ID"]
        (line,) = [line for line in logs[server.port] if line.get("request_id") == request_id]
        assert line["logger"] == "backcare.requests" and line["path"] == path
        assert line["status"] == answer.status and line["user_id"] == user.pk
    text = one.log.read_text() + two.log.read_text()
    assert "Carol" not in text
