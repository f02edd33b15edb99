"""The gate of two-factor sign-in: after the password, no page until the second factor.

Signing in with a password (Django's LoginView, or any other path that calls `login()`) opens a
session that is not yet verified. Until a code is given (django-otp's OTPMiddleware, before this
one, reads it from the session), a user who has a second factor, or must have one
(accounts/two_factor.py::step_needed), reaches only the code page, the set-up page and signing
out; every other URL redirects there. A rule on the request path, not on each view: a page added
later is behind the gate without anyone remembering it.

The JSON API is not gated: it takes no session, only tokens, which are made on a page behind the
gate by a verified user.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from backcare.accounts.two_factor import step_needed
from backcare.web.time_zone import clinic_time_zone

STEP_URL = {"code": "two_factor_code", "enrol": "two_factor_enrol"}
OPEN_WHILE_UNVERIFIED = ("two_factor_code", "two_factor_enrol", "logout")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        step = None
        if (
            user.is_authenticated
            and not request.path.startswith("/api/")
            and not user.is_verified()  # type: ignore[union-attr]  # OTPMiddleware's
        ):
            step = step_needed(user)
        # Pages read it: a half-signed-in user is shown no menu of pages they cannot reach.
        request.two_factor_step = step  # type: ignore[attr-defined]
        if step is not None and request.path not in {
            reverse(name) for name in OPEN_WHILE_UNVERIFIED
        }:
            target = reverse(STEP_URL[step])
            if request.method == "GET" and request.path != reverse("login"):
                target += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        with clinic_time_zone(request):  # past the gate: pages in the clinic's own zone
            return self.get_response(request)
