"""Query parameters checked before a page uses them: a bad one is a 400 that says which and why,
never a server error.

`str.isdigit` takes "²" and "١" for digits, which `int` then refuses; a number in a URL is ASCII
digits only (`number`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from backcare.clinic import access, views


def number(value: str) -> bool:
    """Whether a query parameter is a whole number as a URL writes one (ASCII digits)."""
    return value.isascii() and value.isdigit()


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit page (`views.audit_log`), its `client` filter a client number or absent."""
    client = request.GET.get("client", "")
    if client and not number(client):
        access.clinic_admin(request.user)  # the page's own check first: others learn nothing
        return HttpResponseBadRequest(
            "client: must be a client number, e.g. ?client=12", content_type="text/plain"
        )
    return views.audit_log(request)
