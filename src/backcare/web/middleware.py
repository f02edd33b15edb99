"""Idle sign-out: a session untouched for BACKCARE_SESSION_IDLE_MINUTES is ended.

Clinical records are open on shared clinic computers; a forgotten session must not stay open.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
