"""Friendly dead ends (issue 11): 400, 403, 404 and 500 are branded pages sized for a phone that
say what happened and what to do, in production and in development alike.

- Production (DEBUG off): Django calls the handlers below (`handler400` ... in web/urls.py), and
  a CSRF failure is `csrf_failure` (settings.CSRF_FAILURE_VIEW).
- Development (DEBUG on): Django would show its technical pages instead. `FriendlyErrors` shows
  the same friendly 404 and 403 there too, for a view's Http404 or PermissionDenied and for an
  address no view answers, so what a person meets is what the tests check. Only a crash keeps
  Django's technical page in development: its traceback is what the developer needs, and the
  500 page is tested by itself (tests/web/test_dead_ends.py).

The 500 page is rendered without the request's context and without the database (either may be
what failed): only the settings' emergency number and the core's words reach it, and if even
that fails, a fixed page does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, get_resolver

from backcare.core.wording import ADVICE_WHEN

log = logging.getLogger("backcare.errors")

_FALLBACK_500 = (
    '<!doctype html><html lang="en"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong</title><h1>Something went wrong</h1>"
    "<p>Go back and try again in a few minutes. If it happens again, tell your clinic.</p>"
    f"<p>If you need medical help now: {ADVICE_WHEN['now']}</p></html>"
)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (an old tab, cookies off): the friendly 403."""
    return permission_denied(request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    number = settings.BACKCARE_EMERGENCY_NUMBER
    try:
        html = loader.get_template("500.html").render(
            {
                "now": ADVICE_WHEN["now"],
                "emergency_number": number,
                "emergency_tel": number.replace(" ", ""),
            }
        )
    except Exception:  # the page itself failed: never a second error in its place
        log.exception("the 500 page could not be rendered")
        html = _FALLBACK_500
    return HttpResponseServerError(html)


class FriendlyErrors:
    """In development, the friendly 404 and 403 in place of Django's technical pages (in
    production Django's own handlers, above, give the same pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG and not request.path_info.startswith(settings.STATIC_URL):
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None  # Django's handlers answer, with the same pages
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
