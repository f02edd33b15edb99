"""Downloads of clinical records, answered the same way everywhere (web pages and API)."""

from __future__ import annotations

from django.http import HttpResponse


def attachment(body: str | bytes, content_type: str, filename: str | None = None) -> HttpResponse:
    """A download: `filename` names the file (ids, never a client's name, so no name lands in a
    downloads folder); `no-store` because no browser or proxy should keep a clinical record."""
    response = HttpResponse(body, content_type=content_type)
    if filename is not None:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
