"""Every download of a record, in one table: what it is, how it is built, its media type and
file name, and the audit row it writes. The web pages and the API serve the same table, so a
download is the same file whichever way it is fetched.

To add a download: a builder (reports/exports.py, reports/pdf.py or fhir/), one row here, one
URL in reports/urls.py and one API operation in api/routes/exports.py that calls `serve`
(CONTRIBUTING.md).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from backcare.clinic import access, actions
from backcare.lib.responses import attachment, streamed_attachment


@dataclass(frozen=True)
class Download:
    what: str  # its name: the audit action is export.<what> (export.api.<what> by the API)
    media_type: str
    # The file's name, from the client (None for a clinic-wide download).
    filename: Callable[[Any], str]
    # The content, from the signed-in user and the client (None for a clinic-wide download):
    # the whole file, or its pieces in order when it `streams`.
    build: Callable[[Any, Any], str | bytes | Iterator[str]]
    per_client: bool = True
    # Sent as it is built (a file that grows with the clinic): memory stays flat.
    streams: bool = False


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _client_json(user: Any, client: Any) -> str:
    from backcare.reports.exports import client_export

    return _json(client_export(client))


def _sessions_csv(user: Any, client: Any) -> str:
    from backcare.reports.exports import sessions_csv

    return sessions_csv(client)


def _outcomes_csv(user: Any, client: Any) -> Iterator[str]:
    from backcare.reports.exports import outcomes_csv

    return outcomes_csv(access.clients_for(user))


def _fhir_bundle(user: Any, client: Any) -> str:
    from backcare.fhir.bundle import client_bundle

    # Without indentation: a Bundle is for machines, and json's C encoder writes it in a
    # fraction of the time the indenting one takes (issue 13: half the API's bundle time at
    # a few sessions). The same JSON, the same resources.
    return json.dumps(client_bundle(client), ensure_ascii=False)


def _progress_report(user: Any, client: Any) -> bytes:
    from backcare.reports.pdf import progress_report_pdf

    return progress_report_pdf(client)


def _referral_letter(user: Any, client: Any) -> bytes:
    from backcare.reports.pdf import referral_letter_pdf

    # The letter is signed by whoever prints it.
    return referral_letter_pdf(client, access.therapist_of(user))


DOWNLOADS: dict[str, Download] = {
    d.what: d
    for d in (
        Download(
            "client_json",
            "application/json; charset=utf-8",
            lambda c: f"client-{c.pk}.json",
            _client_json,
        ),
        Download(
            "sessions_csv",
            "text/csv; charset=utf-8",
            lambda c: f"client-{c.pk}-sessions.csv",
            _sessions_csv,
        ),
        Download(
            "outcomes_csv",
            "text/csv; charset=utf-8",
            lambda c: "outcomes.csv",
            _outcomes_csv,
            per_client=False,
            streams=True,
        ),
        Download(
            "fhir_bundle",
            "application/fhir+json; charset=utf-8",
            lambda c: f"client-{c.pk}-fhir.json",
            _fhir_bundle,
        ),
        Download(
            "progress_report_pdf",
            "application/pdf",
            lambda c: f"client-{c.pk}-progress-report.pdf",
            _progress_report,
        ),
        Download(
            "referral_letter_pdf",
            "application/pdf",
            lambda c: f"client-{c.pk}-referral-letter.pdf",
            _referral_letter,
        ),
    )
}


def serve(
    user: Any, what: str, client_id: int | None = None, *, via: str = ""
) -> HttpResponse | StreamingHttpResponse:
    """One download for `user`: the client is reached through `access` (404 outside the
    user's clinic), the audit row is written, then the file is built and sent.

    A streamed file's first piece (after the header, its first chunk of rows: the first
    query) is built here, before the answer starts, so that a database that does not answer
    is an ordinary error page rather than a cut-off file; the rest is formatting of what the
    database sends (stored summaries), which ordinary data cannot make fail."""
    download = DOWNLOADS[what]
    if download.per_client:
        assert client_id is not None
        client = access.get_client(user, client_id)
        actions.record_export(by=user, client=client, what=f"{via}{what}")
    else:
        client = None
        clinic = access.clinic_admin(user).clinic  # a clinic-wide file: clinic admins only
        actions.record_export(by=user, client=None, clinic=clinic, what=f"{via}{what}")
    content = download.build(user, client)
    if download.streams:
        assert isinstance(content, Iterator)
        started = list(itertools.islice(content, 2))  # the header and the first rows
        pieces = itertools.chain(started, content)
        return streamed_attachment(pieces, download.media_type, download.filename(client))
    assert not isinstance(content, Iterator)
    return attachment(content, download.media_type, download.filename(client))
