"""Outages (issue 13): a database or cache that is down answers 503, never a 500 or a traceback.

One place, `OutageMiddleware`, near the top of settings.MIDDLEWARE so that it wraps everything
that may reach the database or the cache before a view runs (the session, the sign-in, the
two-factor step, the API token):

- pages answer the branded 503 page (templates/503.html): briefly unavailable, try again in a
  minute, and the emergency advice every dead end shows;
- the API (`/api/`) answers a JSON 503 in its own error shape (`{"detail": ...}`);
- both carry `Retry-After` and `Cache-Control: no-store`.

A view's error reaches `process_exception`. An error raised by another middleware never reaches
this one as an exception (Django turns it into a 500 response right where it happened), so the
`got_request_exception` signal marks the request with it, and the 500 it became is replaced
here. The page is rendered like the 500 page (web/errors.py): without the request's context and
without the database, either of which may be what failed.

`/ready` (`ready`, web/urls.py) asks the database and the cache itself and names the part that
is down; `/health` stays liveness only and touches neither.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_GET

from backcare.api.api import api
from backcare.core.wording import ADVICE_WHEN

log = logging.getLogger("backcare.outage")

# How long a client is asked to wait before trying again: a database restart or a fail-over
# takes seconds to a minute.
RETRY_AFTER_SECONDS = 60


# What "down" means: the database refused or lost the connection (Django wraps the driver's
# errors in these two), or the shared cache (Redis) did. An OperationalError also covers
# SQLite's "database is locked" after its timeout: also a moment to wait, never a crash.
def _cache_errors() -> tuple[type[Exception], ...]:
    try:  # Redis is the shared cache only when configured (BACKCARE_CACHE_URL)
        from redis.exceptions import ConnectionError as RedisDown
        from redis.exceptions import TimeoutError as RedisSlow
    except ImportError:
        return ()
    return (RedisDown, RedisSlow)


OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    *_cache_errors(),
)

API_DETAIL = "The service is briefly unavailable: try again in a minute."

_FALLBACK_503 = (
    '<!doctype html><html lang="en"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Briefly unavailable</title><h1>Briefly unavailable</h1>"
    "<p>Try again in a minute.</p>"
    f"<p>If you need medical help now: {ADVICE_WHEN['now']}</p></html>"
)

_MARK = "_backcare_outage"


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `request`: JSON for the API, the branded page for everything else."""
    log.error("service unavailable (%s: %s) for %s", type(exc).__name__, exc, request.path)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": API_DETAIL}, status=503)
    else:
        response = HttpResponse(_page(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _page() -> str:
    number = settings.BACKCARE_EMERGENCY_NUMBER
    try:
        return loader.get_template("503.html").render(
            {
                "now": ADVICE_WHEN["now"],
                "emergency_number": number,
                "emergency_tel": number.replace(" ", ""),
            }
        )
    except Exception:  # the page itself failed: never a second error in its place
        log.exception("the 503 page could not be rendered")
        return _FALLBACK_503


def _mark_outage(**signal: Any) -> None:
    """Sent while Django turns an error into a 500 (inside its `except`): remember an outage on
    the request, so that OutageMiddleware answers 503 in place of that 500."""
    exc = sys.exc_info()[1]
    request = signal.get("request")
    if request is not None and is_outage(exc):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_outage, dispatch_uid="backcare.web.outage")


def _reraise(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    raise exc


# The API answers its own errors (api/api.py); in development (DEBUG) ninja would answer any
# other one with its traceback as a 500. An outage goes on to the middleware below instead.
for _error in OUTAGE_ERRORS:
    api.add_exception_handler(_error, _reraise)


# Liveness (web/urls.py serves it here).
LIVENESS_PATH = "/health"


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == LIVENESS_PATH:
            # Liveness is the process's, whoever asks: a browser's session cookie would make
            # the session middleware read the database, and an outage answer 503 here.
            request.COOKIES = {}
        try:
            response = self.get_response(request)
        except OUTAGE_ERRORS as exc:  # e.g. raised while the 500 page was being drawn
            return outage_response(request, exc)
        down = getattr(request, _MARK, None)
        if down is not None and response.status_code >= 500:
            return outage_response(request, down)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_outage(exception):
            return outage_response(request, exception)
        return None


# -- /ready ---------------------------------------------------------------------------------------


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means not ready; the reason goes to the log
        log.warning("ready: the database does not answer", exc_info=True)
        return False


def _cache_answers() -> bool:
    key = f"backcare:ready:{get_random_string(12)}"
    try:
        cache.set(key, "1", timeout=10)
        answered = cache.get(key) == "1"
        cache.delete(key)
        return answered
    except Exception:  # any failure means not ready; the reason goes to the log
        log.warning("ready: the cache does not answer", exc_info=True)
        return False


@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness, for a load balancer: 200 `{"status": "ready"}` only when the database answers
    a trivial query and the default cache a set/get round trip; otherwise 503 naming the parts
    that are down, with `Retry-After`. Public and never cached (not in PUBLIC_PAGES)."""
    parts = {"database": _database_answers(), "cache": _cache_answers()}
    if all(parts.values()):
        return JsonResponse({"status": "ready"})
    down = [name for name, ok in parts.items() if not ok]
    response = JsonResponse(
        {"status": "unavailable", "down": down, "detail": f"not reachable: {', '.join(down)}"},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
