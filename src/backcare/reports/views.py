"""PDF downloads of a client's record: the progress report and the letter for the doctor.

Like the other exports (clinic.views.client_export, sessions_csv): the client is reached only
through `access` (404 outside the caller's clinic) and every download writes one audit row.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backcare.clinic import access, actions
from backcare.lib.responses import attachment
from backcare.reports import pdf


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    return attachment(content, "application/pdf", filename)


@login_required
@require_GET
def progress_report(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    actions.record_export(by=request.user, client=client, what="progress_report_pdf")
    return _pdf_response(pdf.progress_report_pdf(client), f"client-{client.pk}-progress-report.pdf")


@login_required
@require_GET
def referral_letter_pdf(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    actions.record_export(by=request.user, client=client, what="referral_letter_pdf")
    therapist = access.therapist_of(request.user)  # the letter is signed by whoever prints it
    return _pdf_response(
        pdf.referral_letter_pdf(client, therapist), f"client-{client.pk}-referral-letter.pdf"
    )
