"""The web app's own middleware.

- Idle sign-out: a session untouched for BACKCARE_SESSION_IDLE_MINUTES is ended. Clinical
  records are open on shared clinic computers; a forgotten session must not stay open.
- API bodies: one over the size limit answers 413, and text no database can store 422, both
  with the API's problem list, before anything else reads them.
- No-store: no browser or proxy keeps a copy of an answer that may show health data or a name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from backcare.core.validation import InvalidInput, lone_surrogates, parse_json

_KEY = "backcare_last_seen"
_GRANULARITY = 60  # seconds


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        now = int(time.time())
        last = session.get(_KEY)
        if last is not None and now - int(last) > settings.SESSION_IDLE_SECONDS:
            logout(request)  # flushes the session: portal access too
        elif (last is None or now - int(last) >= _GRANULARITY) and (
            request.user.is_authenticated or session.get("portal_client_id")
        ):
            # Written at most once a minute: a session save on every request would add a
            # database write to every page for no gain in safety.
            session[_KEY] = now
        return self.get_response(request)


# Pages anyone may cache: they show no record and no name when nobody is signed in. Not
# /health nor /ready: a stored "ok" or "ready" would hide a server or a database that is down.
PUBLIC_PAGES = frozenset({"learn", "self_check"})


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer except a public page read anonymously.

    Safe by default: a new page is no-store until it is named in PUBLIC_PAGES. Private is any
    answer for a signed-in user, to a request with a token (any API answer), to a client's
    link or portal session, and every answer to a POST (the self-check's answer page shows
    the person's health). Static files never reach this (WhiteNoise answers them first) and
    stay cacheable. Signing out also asks the browser to clear what the site stored
    (`Clear-Site-Data`), for shared clinic computers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before the view (signing out ends the session the view sees), from the session
        # alone: a session naming a user is private even if that user is no longer active, and
        # no answer (the trivial /health included) loads the user just for this header.
        signed_in = SESSION_KEY in request.session
        response = self.get_response(request)
        match = request.resolver_match
        name = match.url_name if match is not None else None
        public = (
            name in PUBLIC_PAGES
            and request.method in ("GET", "HEAD")
            and not signed_in
            and not request.user.is_authenticated
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.session.get("portal_client_id")
            and not request.path.startswith("/api/")
        )
        if not public and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        if name == "logout" and request.method == "POST":
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class RefuseNulMiddleware:
    """Refuse API requests carrying text no database can store: a NUL character (raw or as a
    JSON \\u0000 escape) or half of a UTF-16 surrogate pair (a lone \\ud800 escape).

    No clinical text contains either. PostgreSQL cannot store NUL in text or jsonb, and neither
    database nor any page can encode a lone surrogate: without this such a request would fail
    half-way with a server error instead of a clear 422. (The web forms cannot send either:
    Django's validator refuses NUL, and a browser posts UTF-8, which has no lone surrogates.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            query = request.META.get("QUERY_STRING", "")
            try:
                body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
            except RequestDataTooBig:
                return _too_large()
            if "%00" in query or b"\x00" in body or b"\\u0000" in body.lower():
                problem = [{"path": "", "message": "must not contain NUL characters"}]
                return JsonResponse(problem, status=422, safe=False)
            if _SURROGATE_ESCAPE.search(body) and (problems := _lone_surrogates(body)):
                return JsonResponse(problems, status=422, safe=False)
        return self.get_response(request)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # cheap: most bodies have none


def _lone_surrogates(body: bytes) -> list[dict[str, str]]:
    """The core's problems for text holding half a surrogate pair in a JSON body (a whole pair
    is one character once parsed). Bodies that are not JSON are left to the API's parser."""
    try:
        data = parse_json(body)
    except InvalidInput:
        return []
    return [p.to_json() for p in lone_surrogates(data)]


class ApiBodySizeMiddleware:
    """An API request whose body is over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 with the API's
    problem list, before anything reads it (Django's own answer is an HTML 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return _too_large()
        return self.get_response(request)


def _too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"is larger than the limit of {limit} bytes ({limit / 1024 / 1024:.1f} MB)"
    return JsonResponse([{"path": "", "message": message}], status=413, safe=False)
