"""A request id on every log line, and one line per request (issue 13, point 4).

Several app servers behind a proxy write several logs; the request id joins a request's lines
across them. `RequestIdMiddleware` (outermost) takes the id the proxy sent in `X-Request-ID`
(nginx's `$request_id`) when it is a sane token and a proxy is trusted
(`BACKCARE_TRUSTED_PROXIES`), or makes one; it answers it in `X-Request-ID`, keeps it in a
context variable that `RequestIdFilter` puts on every log record of the request, and logs one
line per request to `backcare.requests`: method, path, status, duration and user id.

Never the query string (the dashboard's search carries a client's name) and never a name or a
health fact: the user is an id. `JsonFormatter` writes one JSON object a line for a log
collector (`BACKCARE_LOG_FORMAT=json`, web/settings.py); plain text stays the default.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

HEADER = "X-Request-ID"
NONE = "-"  # the id of a log line written outside any request
# What a proxy's id may look like: nginx's 32 hex digits, a UUID, or another short token. Anything
# else (spaces, newlines, quotes, a long text) is replaced, never copied into a log line.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Fields of a request's line, copied into its JSON object as they are.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

_META_KEY = "backcare.request_id"  # the id on the request itself, for lines logged after it
_request_id: ContextVar[str] = ContextVar("backcare_request_id", default=NONE)
_log = logging.getLogger("backcare.requests")


class RequestIdFilter(logging.Filter):
    """Puts the request's id on every record (the handler's filter: records of every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx or 5xx answer after the middleware has returned, with the request
        # on the record: its id is then read from the request itself.
        request = getattr(record, "request", None)
        meta = getattr(request, "META", None)
        record.request_id = (meta or {}).get(_META_KEY) or _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message and request id; a request's
    own line adds its fields; an error adds its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _incoming_id(request: HttpRequest) -> str | None:
    """The proxy's id, if a proxy is trusted and the id is a sane token. Without a trusted
    proxy the header came from the client itself: not trusted (the safer choice), a new id."""
    if not getattr(settings, "BACKCARE_TRUSTED_PROXIES", 0):
        return None
    sent = request.headers.get(HEADER, "")
    return sent if _SANE.fullmatch(sent) else None


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request already looked them up; never a lookup of its own
    (which could fail once more when the database is what failed)."""
    user = request.__dict__.get("user")
    if user is None or user.__dict__.get("_wrapped", None) is empty:
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


def _printable(path: str) -> str:
    """The path with control characters escaped: one request, one line, in text logs too."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", path)


class RequestIdMiddleware:
    """Outermost: the id covers every other middleware's log lines and the whole duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming_id(request) or uuid.uuid4().hex
        request.META[_META_KEY] = request_id
        token = _request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            fields = {
                "method": request.method,
                "path": _printable(request.path),  # never the query string
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": _user_id(request),
            }
            _log.info(
                "%(method)s %(path)s %(status)s %(duration_ms)sms user=%(user)s",
                {**fields, "user": NONE if fields["user_id"] is None else fields["user_id"]},
                extra=fields,
            )
            return response
        finally:
            _request_id.reset(token)
