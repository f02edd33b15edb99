"""Downloads (the table in reports/downloads.py) and FHIR R4: bundle, Questionnaire, import."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from backcare.api.common import ADMIN, AUTH, CLIENT, FHIR_JSON, ok_body
from backcare.clinic import access, actions
from backcare.lib.responses import attachment
from backcare.reports.downloads import serve

router = Router(tags=["exports and FHIR"])


@router.get(
    "/clients/{client_id}/export",
    response=CLIENT,
    openapi_extra=ok_body("application/json", "backcare.client-export/1", {"type": "object"}),
    summary="Everything stored about a client, as JSON (audited)",
)
def client_export(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "client_json", client_id, via="api.")


@router.get(
    "/clients/{client_id}/sessions.csv",
    response=CLIENT,
    openapi_extra=ok_body("text/csv", "Sessions and check-ins, one row each, by date"),
    summary="A client's sessions and check-ins as CSV (audited)",
)
def sessions_csv(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "sessions_csv", client_id, via="api.")


@router.get(
    "/outcomes.csv",
    response=ADMIN,
    openapi_extra=ok_body("text/csv", "One row per client: baseline, latest, change, status"),
    summary="The clinic's outcomes as CSV (clinic admins; audited)",
)
def outcomes_csv(request: HttpRequest) -> Any:
    return serve(request.user, "outcomes_csv", via="api.")


@router.get(
    "/clients/{client_id}/progress-report.pdf",
    response=CLIENT,
    openapi_extra=ok_body("application/pdf", "The progress report (PDF)"),
    summary="A client's progress report as PDF (audited)",
)
def progress_report_pdf(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "progress_report_pdf", client_id, via="api.")


@router.get(
    "/clients/{client_id}/referral-letter.pdf",
    response=CLIENT,
    openapi_extra=ok_body("application/pdf", "The letter for the client's doctor (PDF)"),
    summary="A client's referral letter as PDF (audited)",
)
def referral_letter_pdf(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "referral_letter_pdf", client_id, via="api.")


@router.get(
    "/fhir/Questionnaire/intake",
    response=AUTH,
    openapi_extra=ok_body(FHIR_JSON, "The intake Questionnaire (FHIR R4)", {"type": "object"}),
    summary="The backcare intake as a FHIR R4 Questionnaire",
)
def fhir_questionnaire(request: HttpRequest) -> Any:
    from backcare.fhir.questionnaire import intake_questionnaire

    return attachment(json.dumps(intake_questionnaire(), ensure_ascii=False), FHIR_JSON)


@router.get(
    "/clients/{client_id}/fhir",
    response=CLIENT,
    openapi_extra=ok_body(FHIR_JSON, "A FHIR R4 Bundle (collection)", {"type": "object"}),
    summary="A client's record as a FHIR R4 Bundle (audited)",
)
def client_fhir(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "fhir_bundle", client_id, via="api.")


@router.post(
    "/clients/{client_id}/fhir/QuestionnaireResponse",
    response={201: dict[str, Any], **CLIENT},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                FHIR_JSON: {"schema": {"type": "object"}},
            },
        }
    },
    summary="Import an intake from a FHIR QuestionnaireResponse; answers its assessment",
)
def fhir_import(request: HttpRequest, client_id: int) -> Any:
    from backcare.fhir.questionnaire import intake_from_response

    client = access.get_client(request.user, client_id)
    intake = intake_from_response(request.body)
    entry = actions.record_intake(by=request.user, client=client, intake=intake, source="fhir")
    return Status(201, {"id": entry.pk, "intake": entry.document, "assessment": entry.assessment})
