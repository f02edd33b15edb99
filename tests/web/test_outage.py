"""Outages (issue 13, point 6): with the database or the cache down, pages answer a branded 503
and the API a JSON 503 with Retry-After, never a 500 or a traceback; `/ready` says which part is
down while `/health` (liveness) still answers; once the database is back, no request fails.

The first tests run on every database: an outage raised by a view and by a middleware (before
any view: the session, the sign-in), and a cache that is really down (a Redis address nobody
listens on). The last one runs only on PostgreSQL (the checks' PostgreSQL pass): gunicorn serves
a PostgreSQL server of the test's own, which is stopped and started again under it.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client as Browser
from django.urls import path, reverse

from backcare.core.wording import ADVICE_WHEN
from backcare.web.outage import API_DETAIL, RETRY_AFTER_SECONDS

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
DOWN = "connection to server at 127.0.0.1, port 5432 failed: Connection refused"


def branded_503(status: int, headers: Any, page: str) -> None:
    """The outage page: a branded dead end for a phone, with the emergency advice."""
    assert status == 503, page[:500]
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in headers["Cache-Control"]
    assert VIEWPORT in page and "data-dead-end" in page and "data-outage" in page
    assert 'class="brand"' in page
    assert "briefly unavailable" in page and "Try again in a minute." in page
    assert ADVICE_WHEN["now"] in page  # a person in pain still learns what to do now
    assert "Traceback" not in page and DOWN not in page and "Server Error" not in page


def json_503(status: int, headers: Any, body: bytes) -> None:
    assert status == 503, body[:500]
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"detail": API_DETAIL}


# -- a view that loses the database --------------------------------------------------------------


def _lose_the_database(request: HttpRequest) -> HttpResponse:
    raise OperationalError(DOWN)


urlpatterns = [
    path("records/", _lose_the_database),
    path("api/v1/records", _lose_the_database),
]


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_page_that_loses_the_database_is_the_branded_503(
    db: Any, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    settings.ROOT_URLCONF = __name__
    response = Browser().get("/records/")
    branded_503(response.status_code, response, response.content.decode())


def test_an_api_call_that_loses_the_database_is_a_json_503(db: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    response = Browser().get("/api/v1/records", HTTP_AUTHORIZATION="Bearer bc_x")
    json_503(response.status_code, response, response.content)


# -- a middleware that loses it before any view (the session, the sign-in, two-factor) ----------


class LoseTheDatabase:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise OperationalError(DOWN)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_an_outage_in_a_middleware_is_the_503_too(db: Any, settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: auth + 1],
        f"{__name__}.LoseTheDatabase",
        *settings.MIDDLEWARE[auth + 1 :],
    ]
    # Django turns a middleware's error into a 500 where it happens; the test browser would
    # raise it again: here it answers, as a real server does.
    browser = Browser(raise_request_exception=False)
    page = browser.get(reverse("login"))
    branded_503(page.status_code, page, page.content.decode())
    api = browser.get(reverse("api:clients"), HTTP_AUTHORIZATION="Bearer bc_x")
    json_503(api.status_code, api, api.content)


# -- /ready and /health --------------------------------------------------------------------------


def test_ready_answers_ready_and_neither_it_nor_health_is_cached(db: Any) -> None:
    ready = Browser().get(reverse("ready"))
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert ready["Cache-Control"] == "no-store"
    health = Browser().get(reverse("health"))
    assert health.status_code == 200 and health.content == b"ok"
    assert health["Cache-Control"] == "no-store"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns: nobody listens


def test_with_the_cache_down_ready_says_so_and_a_page_that_needs_it_is_the_503(
    db: Any, settings: Any
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    ready = Browser().get(reverse("ready"))
    assert ready.status_code == 503 and ready["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert ready.json()["down"] == ["cache"]  # the database answers
    assert Browser().get(reverse("health")).status_code == 200
    # The self-check counts its POSTs in the cache (the rate limit).
    answer = Browser().post(reverse("self_check"), {"age": "45"})
    branded_503(answer.status_code, answer, answer.content.decode())


# -- PostgreSQL stopped and started under a real server ------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL server of this test's own (as scripts/with-postgres starts one),
    so stopping it disturbs no other test's database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="backcare-outage-pg-"))
        # PostgreSQL refuses to run as root: as the postgres account then.
        self.run_as: list[str] = []
        if os.getuid() == 0:
            os.chown(self.dir, pwd.getpwnam("postgres").pw_uid, -1)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://backcare@127.0.0.1:{self.port}/backcare"

    def _pg(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / program), *args],
            check=check, capture_output=True, timeout=120,
        )  # fmt: skip

    def create(self) -> None:
        self._pg("initdb", "-D", str(self.dir / "db"), "-A", "trust", "-U", "backcare")
        self.start()
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "backcare", "backcare")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "log")
        self._pg("pg_ctl", "-D", str(self.dir / "db"), "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.dir / "db"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self._pg("pg_ctl", "-D", str(self.dir / "db"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("PostgreSQL only: run under scripts/with-postgres (the checks' second pass)")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's programs (initdb, pg_ctl) are not installed")
    server = PostgresServer(bin_dir)
    try:
        server.create()
        yield server
    finally:
        server.remove()


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from backcare.accounts.models import Clinic, Therapist
from backcare.api.tokens import create_token
from backcare.clinic import actions
user = get_user_model().objects.create_user(username="outage", password="a-long-outage-password")
therapist = Therapist.objects.create(
    user=user, clinic=Clinic.objects.create(name="Outage Clinic"), display_name="T"
)
client = actions.create_client(by=user, therapist=therapist, full_name="Olive Outage")
_, token = create_token(by=user, name="outage", can_write=False)
print(token, client.pk)
"""


class App:
    """gunicorn (two workers, DEBUG off) serving the app on the server `url` names."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "backcare.web.settings",
            "BACKCARE_DEBUG": "0",
            "BACKCARE_DATA_DIR": str(data_dir),
        }
        out = subprocess.run(
            [sys.executable, "-c", SETUP], env=self.env, capture_output=True, text=True,
            timeout=180, check=True,
        ).stdout.split()  # fmt: skip
        self.token, self.client_id = out[0], int(out[1])
        self.log = (data_dir / "gunicorn.log").open("wb")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.proc = subprocess.Popen(
            [gunicorn, "backcare.web.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--log-level", "warning"],
            env=self.env, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while self.get("/health")[0] != 200:
            assert self.proc.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.2)

    def get(self, url: str, **headers: str) -> tuple[int, Any, bytes]:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("GET", url, headers={"Host": "127.0.0.1", **headers})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        except OSError:
            return 0, {}, b""

    def api(self) -> tuple[int, Any, bytes]:
        return self.get(f"/api/v1/clients/{self.client_id}", Authorization=f"Bearer {self.token}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


@pytest.mark.slow
def test_postgres_stopped_and_started_under_a_running_server(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    app = App(postgres.url, tmp_path)
    # A page that reads the database for anyone (a client's link) and one whose session the
    # middleware loads before any view (a session cookie).
    link = reverse("portal_intake", args=["no-such-token"])
    session = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    try:
        for _ in range(4):  # both workers hold a database connection now
            assert app.api()[0] == 200 and app.get("/ready")[0] == 200
        postgres.stop()
        for _ in range(4):  # whichever worker answers
            branded_503(*_text(app.get(link)))
            branded_503(*_text(app.get(reverse("login"), **session)))
            json_503(*app.api())
            status, headers, body = app.get("/ready")
            assert status == 503 and headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert json.loads(body)["down"] == ["database"]
            assert app.get("/health")[:3:2] == (200, b"ok")  # liveness: the process answers
            assert app.get("/health", **session)[:3:2] == (200, b"ok")  # a browser's too
        postgres.start()
        # Back: every next request succeeds, on the same server processes (no restart).
        answers = [app.api()[0] for _ in range(6)]
        answers += [app.get("/ready")[0] for _ in range(4)]
        answers += [app.get(link)[0] for _ in range(4)]
        assert answers == [200] * 10 + [404] * 4, answers
        # A quiet restart, no request while it is down: every worker's kept connection is
        # stale, and is checked before it is used again (CONN_HEALTH_CHECKS), so none fails.
        postgres.stop()
        postgres.start()
        answers = [app.api()[0] for _ in range(10)]
        assert answers == [200] * 10, answers
        assert app.proc.poll() is None
    finally:
        app.stop()


def _text(answer: tuple[int, Any, bytes]) -> tuple[int, Any, str]:
    return answer[0], answer[1], answer[2].decode()
