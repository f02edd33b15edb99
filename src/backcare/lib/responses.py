"""Downloads of clinical records, answered the same way everywhere (web pages and API)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.http import HttpResponse, StreamingHttpResponse

_Response = TypeVar("_Response", HttpResponse, StreamingHttpResponse)


def attachment(body: str | bytes, content_type: str, filename: str | None = None) -> HttpResponse:
    """A download: `filename` names the file (ids, never a client's name, so no name lands in a
    downloads folder); `no-store` because no browser or proxy should keep a clinical record."""
    return _as_download(HttpResponse(body, content_type=content_type), filename)


def streamed_attachment(
    chunks: Iterable[str | bytes], content_type: str, filename: str | None = None
) -> StreamingHttpResponse:
    """A download sent as it is built, piece by piece (a file that grows with the clinic):
    the same headers as `attachment`."""
    return _as_download(StreamingHttpResponse(chunks, content_type=content_type), filename)


def _as_download(response: _Response, filename: str | None) -> _Response:
    if filename is not None:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
