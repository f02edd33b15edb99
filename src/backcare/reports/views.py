"""Downloads of a record (reports/downloads.py is the table): the web's one view for them.

The client is reached only through `access` (404 outside the caller's clinic) and every
download writes one audit row; downloads answer GET only (a POST must not write an audit row).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backcare.reports.downloads import serve


@login_required
@require_GET
def download(request: HttpRequest, what: str, client_id: int | None = None) -> HttpResponse:
    return serve(request.user, what, client_id)
