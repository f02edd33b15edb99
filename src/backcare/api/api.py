"""/api/v1: django-ninja, sharing the core's models and the web app's access and actions.

Request bodies that are contract documents (an intake, a course) are validated by the core
itself, so the API refuses exactly what the CLI refuses, with the same `[{"path", "message"}]`
list (status 422).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params.functions import Query
from ninja.responses import Status
from ninja.security import HttpBearer

from backcare.api.models import ApiToken
from backcare.clinic import access, actions
from backcare.clinic.course import client_progress
from backcare.clinic.presenting import cause_json
from backcare.core.assessment import assess as core_assess
from backcare.core.models import Course, Intake
from backcare.core.progress import progress as core_progress
from backcare.core.validation import InvalidInput, Problem, course_from_text, intake_from_text
from backcare.lib.responses import attachment
from backcare.reports.downloads import serve


class TokenAuth(HttpBearer):
    """`Authorization: Bearer bc_...`: a personal token of a therapist."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and not found.can_write:
            return None  # a read-only token cannot change anything
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found


# The contract documents' JSON Schemas, generated from the core's models, live in the OpenAPI
# document's components (so their references resolve) and request bodies refer to them.
_COMPONENTS: dict[str, Any] = {}


def _contract_ref(model: Any) -> dict[str, str]:
    generated = model.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}", mode="validation"
    )
    _COMPONENTS.update(generated.pop("$defs", {}))
    _COMPONENTS[model.__name__] = generated
    return {"$ref": f"#/components/schemas/{model.__name__}"}


class BackcareAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(_COMPONENTS)
        return schema


api = BackcareAPI(
    title="backcare API",
    version="1",
    description="Evidence-based decision support for massage therapy for back pain. "
    "Contract documents follow ../shared/spec/contracts-v1.md.",
    urls_namespace="api",
    auth=TokenAuth(),
)


class ProblemOut(Schema):
    path: str
    message: str


class DetailOut(Schema):
    detail: str


# Every operation needs a token (401 without a valid one) and answers 422 with the contract's
# problem list for bad input; client operations answer 404 outside the caller's clinic.
_AUTH: dict[int, Any] = {401: DetailOut, 422: list[ProblemOut]}
_CLIENT: dict[int, Any] = {**_AUTH, 404: DetailOut}


class ClientIn(Schema):
    full_name: str
    email: str = ""
    phone: str = ""


class ClientPatch(Schema):
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None


class ClientOut(Schema):
    id: int
    full_name: str
    email: str
    attention: int
    attention_reason: str
    next_step: str
    status: str
    alerts_to_acknowledge: int  # check-in alerts no therapist has acknowledged (§6b)
    assessment_changed: bool  # the current assessment changed and nobody has seen it yet


def _problems(problems: list[Problem]) -> list[dict[str, str]]:
    return [p.to_json() for p in problems]


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(request, _problems(exc.problems), status=422)


@api.exception_handler(NinjaValidationError)
def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Parameters and bodies checked by ninja answer in the same shape as the core's errors."""
    body = [
        {
            "path": ".".join(str(part) for part in e.get("loc", ())[1:] if part != "payload"),
            "message": str(e.get("msg", "is not valid")),
        }
        for e in exc.errors
    ]
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # A body that is not JSON at all: the same answer as the core gives (422, path "").
    if exc.status_code == 400:
        body = [{"path": "", "message": f"is not valid JSON ({exc.message})"}]
        return api.create_response(request, body, status=422)
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


@api.exception_handler(actions.ActionError)
def action_error(request: HttpRequest, exc: actions.ActionError) -> HttpResponse:
    body = [{"path": k, "message": m} for k, ms in exc.errors.items() for m in ms]
    return api.create_response(request, body, status=422)


@api.exception_handler(actions.NeedsConfirmation)
def needs_confirmation(request: HttpRequest, exc: actions.NeedsConfirmation) -> HttpResponse:
    body = {
        "detail": "This session breaks the assessment (clinical-rules §6a): send it again with "
        '"confirm": true, "reason_kind" and "reason" to record it anyway.',
        "causes": [cause_json(c) for c in exc.causes],
        "problems": [{"path": k, "message": m} for k, ms in exc.errors.items() for m in ms],
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


def _contract_body(document: str) -> dict[str, Any]:
    model = {"intake": Intake, "course": Course}[document]
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _contract_ref(model)}},
        }
    }


@api.post(
    "/assess",
    response={200: dict[str, Any], **_AUTH},
    openapi_extra=_contract_body("intake"),
    summary="Assess an intake (stateless): backcare.intake/1 in, backcare.assessment/1 out",
)
def assess(request: HttpRequest) -> Any:
    return core_assess(intake_from_text(request.body)).to_json()


@api.post(
    "/progress",
    response={200: dict[str, Any], **_AUTH},
    openapi_extra=_contract_body("course"),
    summary="Evaluate a course (stateless): backcare.course/1 in, backcare.progress/1 out",
)
def progress(request: HttpRequest) -> Any:
    return core_progress(course_from_text(request.body)).to_json()


@api.get(
    "/clients",
    response={200: list[ClientOut], **_AUTH},
    summary="The clients of your clinic (paginated)",
)
def clients(
    request: HttpRequest,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=200),
    q: str = Query("", max_length=200),
) -> Any:
    found = access.clients_for(request.user).order_by("full_name", "id")
    if q:
        found = found.filter(full_name__icontains=q)
    return list(found[offset : offset + limit])


@api.post("/clients", response={201: ClientOut, **_AUTH}, summary="Add a client")
def client_create(request: HttpRequest, payload: ClientIn) -> Any:
    therapist = access.therapist_of(request.user)
    client = actions.create_client(by=request.user, therapist=therapist, **payload.dict())
    return Status(201, client)


@api.get("/clients/{client_id}", response={200: ClientOut, **_CLIENT}, summary="One client")
def client_detail(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.client")
    return client


@api.patch(
    "/clients/{client_id}",
    response={200: ClientOut, **_CLIENT},
    summary="Correct a client's name or contact details (audited)",
)
def client_update(request: HttpRequest, client_id: int, payload: ClientPatch) -> Any:
    client = access.get_client(request.user, client_id)
    given = payload.dict(exclude_unset=True)
    return actions.update_client(
        by=request.user,
        client=client,
        full_name=given.get("full_name", client.full_name),
        email=given.get("email", client.email),
        phone=given.get("phone", client.phone),
    )


@api.post(
    "/clients/{client_id}/intakes",
    response={201: dict[str, Any], **_CLIENT},
    openapi_extra=_contract_body("intake"),
    summary="Record an intake for a client; answers its assessment",
)
def intake_create(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    intake = intake_from_text(request.body)
    with transaction.atomic():
        entry = actions.record_intake(by=request.user, client=client, intake=intake)
    return Status(201, {"id": entry.pk, "intake": entry.document, "assessment": entry.assessment})


@api.get(
    "/clients/{client_id}/intakes",
    response={200: list[dict[str, Any]], **_CLIENT},
    summary="Intake history, newest first (paginated)",
)
def intakes(
    request: HttpRequest,
    client_id: int,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.intakes")
    return [
        {
            "id": e.pk,
            "created_at": e.created_at.isoformat(),
            "intake": e.document,
            "assessment": e.assessment,
        }
        for e in client.intakes.order_by("-created_at", "-id")[offset : offset + limit]
    ]


@api.get(
    "/clients/{client_id}/intakes/{intake_id}",
    response={200: dict[str, Any], **_CLIENT},
    summary="One intake and the assessment it was given",
)
def intake_detail(request: HttpRequest, client_id: int, intake_id: int) -> Any:
    entry = access.get_intake(request.user, client_id, intake_id)
    actions.record_view(by=request.user, client=entry.client, what="api.intake", obj=entry)
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "source": entry.source,
        "intake": entry.document,
        "assessment": entry.assessment,
    }


@api.get("/clients/{client_id}/progress", response={200: dict[str, Any], **_CLIENT})
def client_progress_view(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.progress")
    result = client_progress(client)
    if result is None:
        return Status(404, {"detail": "No intake yet"})
    return result.to_json()


class SessionIn(Schema):
    date: date
    pain_before: int
    pain_after: int
    techniques: list[str]
    pressure: str
    regions: list[str] = []
    side_effects: list[str] = []
    side_effect_hours: float | None = None
    new_red_flags: list[str] = []
    subjective: str = ""
    objective: str = ""
    assessment_note: str = ""
    plan_note: str = ""
    # clinical-rules §6a: a session that breaks the assessment is refused (409, with its
    # causes) unless it carries a confirmation, a reason kind and a reason.
    confirm: bool = False
    reason_kind: str | None = None
    reason: str | None = None


class AmendmentIn(Schema):
    changes: dict[str, Any]
    reason: str
    # clinical-rules §6a: needed when the amended pressure or techniques break the assessment
    confirm: bool = False
    reason_kind: str | None = None
    override_reason: str | None = None


class ReviewIn(Schema):
    date: date
    rules: list[str]
    by: str
    role: str
    source: str
    outcome: str
    note: str = ""


class CheckInIn(Schema):
    date: date
    pain: int
    peg: float | None = None
    rmdq: int | None = None
    odi: float | None = None
    side_effects: list[str] = []
    side_effect_hours: float | None = None
    red_flags: list[str] = []


def _session_json(session: Any) -> dict[str, Any]:
    values = session.current_values()
    hours = values["side_effect_hours"]
    return {
        "id": session.pk,
        "number": session.number,
        "date": session.date.isoformat(),
        **{k: v for k, v in values.items() if k != "side_effect_hours"},
        "side_effect_hours": None if hours is None else float(hours),
        "signed_at": None if session.signed_at is None else session.signed_at.isoformat(),
        "override": None
        if not session.override_kind
        else {
            "causes": session.override_causes,
            "reason_kind": session.override_kind,
            "reason": session.override_reason,
            "safety_override": session.safety_override,
        },
        "amendments": [
            {
                "field": a.field,
                "old_value": a.old_value,
                "new_value": a.new_value,
                "reason": a.reason,
                "at": a.created_at.isoformat(),
            }
            for a in session.amendments.all()
        ],
    }


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@api.get(
    "/clients/{client_id}/sessions",
    response={200: list[dict[str, Any]], **_CLIENT},
    summary="A client's sessions, in order (paginated)",
)
def sessions(
    request: HttpRequest,
    client_id: int,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.sessions")
    found = client.sessions.prefetch_related("amendments").order_by("number")
    return [_session_json(s) for s in found[offset : offset + limit]]


_CONFLICT: dict[int, Any] = {**_CLIENT, 409: dict[str, Any]}


@api.post("/clients/{client_id}/sessions", response={201: dict[str, Any], **_CONFLICT})
def session_create(request: HttpRequest, client_id: int, payload: SessionIn) -> Any:
    client = access.get_client(request.user, client_id)
    values = payload.dict(exclude={"date", "confirm", "reason_kind", "reason"})
    values["side_effect_hours"] = _decimal(payload.side_effect_hours)
    session = actions.record_session(
        by=request.user,
        client=client,
        when=payload.date,
        values=values,
        override={
            "confirm": payload.confirm,
            "reason_kind": payload.reason_kind,
            "reason": payload.reason,
        },
    )
    return Status(201, _session_json(session))


@api.get("/clients/{client_id}/sessions/{session_id}", response={200: dict[str, Any], **_CLIENT})
def session_detail(request: HttpRequest, client_id: int, session_id: int) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    actions.record_view(by=request.user, client=session.client, what="api.session", obj=session)
    return _session_json(session)


@api.post(
    "/clients/{client_id}/sessions/{session_id}/sign", response={200: dict[str, Any], **_CLIENT}
)
def session_sign(request: HttpRequest, client_id: int, session_id: int) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    return _session_json(actions.sign_session(by=request.user, session=session))


@api.post(
    "/clients/{client_id}/sessions/{session_id}/amendments",
    response={201: dict[str, Any], **_CONFLICT},
    summary="Amend a signed session (the original values are kept)",
)
def session_amend(
    request: HttpRequest, client_id: int, session_id: int, payload: AmendmentIn
) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    changes = dict(payload.changes)
    if "side_effect_hours" in changes and changes["side_effect_hours"] is not None:
        changes["side_effect_hours"] = _decimal(changes["side_effect_hours"])
    actions.amend_session(
        by=request.user,
        session=session,
        changes=changes,
        reason=payload.reason,
        override={
            "confirm": payload.confirm,
            "reason_kind": payload.reason_kind,
            "reason": payload.override_reason,
        },
    )
    return Status(201, _session_json(access.get_session(request.user, client_id, session_id)))


@api.get(
    "/clients/{client_id}/checkins",
    response={200: list[dict[str, Any]], **_CLIENT},
    summary="A client's check-ins, oldest first (paginated)",
)
def checkins(
    request: HttpRequest,
    client_id: int,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.checkins")
    return [
        _checkin_json(c) for c in client.checkins.order_by("date", "id")[offset : offset + limit]
    ]


def _checkin_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "date": c.date.isoformat(),
        "pain": c.pain,
        "peg": None if c.peg is None else float(c.peg),
        "rmdq": c.rmdq,
        "odi": None if c.odi is None else float(c.odi),
        "side_effects": c.side_effects,
        "side_effect_hours": None if c.side_effect_hours is None else float(c.side_effect_hours),
        "red_flags": c.red_flags,
        "source": c.source,
        # What the check-in raised for the clinic to acknowledge (clinical-rules §6b).
        "alerts": [_alert_json(a) for a in c.clinic_alerts.all()],
    }


def _alert_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rule": a.rule,
        "next_step": a.next_step,
        "when": a.when,
        "text": a.text,
        "raised_at": a.raised_at.isoformat(),
        "acknowledged_at": None if a.acknowledged_at is None else a.acknowledged_at.isoformat(),
        "escalations": a.escalations,
    }


@api.get(
    "/clients/{client_id}/checkins/{checkin_id}",
    response={200: dict[str, Any], **_CLIENT},
    summary="One check-in",
)
def checkin_detail(request: HttpRequest, client_id: int, checkin_id: int) -> Any:
    checkin = access.get_checkin(request.user, client_id, checkin_id)
    actions.record_view(by=request.user, client=checkin.client, what="api.checkin", obj=checkin)
    return _checkin_json(checkin)


@api.post("/clients/{client_id}/checkins", response={201: dict[str, Any], **_CLIENT})
def checkin_create(request: HttpRequest, client_id: int, payload: CheckInIn) -> Any:
    client = access.get_client(request.user, client_id)
    made = actions.record_checkin(
        by=request.user,
        client=client,
        when=payload.date,
        pain=payload.pain,
        peg=_decimal(payload.peg),
        rmdq=payload.rmdq,
        odi=_decimal(payload.odi),
        side_effects=payload.side_effects,
        side_effect_hours=_decimal(payload.side_effect_hours),
        red_flags=payload.red_flags,
        source="therapist",
    )
    return Status(201, _checkin_json(made))


@api.get(
    "/clients/{client_id}/alerts",
    response={200: list[dict[str, Any]], **_CLIENT},
    summary="Alerts a client's check-ins raised, newest first",
)
def clinic_alerts(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.alerts")
    return [_alert_json(a) for a in client.clinic_alerts.all()]


@api.post(
    "/clients/{client_id}/alerts/{alert_id}/acknowledge",
    response={200: dict[str, Any], **_CLIENT},
    summary="Acknowledge a check-in's alert (audited; a medical review resolves it)",
)
def clinic_alert_acknowledge(request: HttpRequest, client_id: int, alert_id: int) -> Any:
    alert = access.get_clinic_alert(request.user, client_id, alert_id)
    return _alert_json(actions.acknowledge_alert(by=request.user, alert=alert))


@api.get(
    "/clients/{client_id}/reviews",
    response={200: list[dict[str, Any]], **_CLIENT},
    summary="A client's medical reviews (backcare.course/1 `reviews`), oldest first",
)
def reviews(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.reviews")
    return [{"id": r.pk, **r.to_contract()} for r in client.reviews.order_by("created_at", "id")]


@api.post(
    "/clients/{client_id}/reviews",
    response={201: dict[str, Any], **_CLIENT},
    summary="Record a medical review of what visits raised (audited)",
)
def review_create(request: HttpRequest, client_id: int, payload: ReviewIn) -> Any:
    client = access.get_client(request.user, client_id)
    entry = actions.record_review(
        by=request.user, client=client, values=payload.dict(), today=timezone.localdate()
    )
    return Status(201, {"id": entry.pk, **entry.to_contract()})


# -- exports, erasure and FHIR -----------------------------------------------------------------


def _ok(content_type: str, description: str, schema: dict[str, Any] | None = None) -> Any:
    """An OpenAPI 200 response of a given media type (for bodies that are not ninja's JSON)."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": schema or {"type": "string"}}},
            }
        }
    }


_FHIR_JSON = "application/fhir+json"


@api.get(
    "/clients/{client_id}/export",
    response=_CLIENT,
    openapi_extra=_ok("application/json", "backcare.client-export/1", {"type": "object"}),
    summary="Everything stored about a client, as JSON (audited)",
)
def client_export(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "client_json", client_id, via="api.")


@api.get(
    "/clients/{client_id}/sessions.csv",
    response=_CLIENT,
    openapi_extra=_ok("text/csv", "Sessions and check-ins, one row each, by date"),
    summary="A client's sessions and check-ins as CSV (audited)",
)
def sessions_csv(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "sessions_csv", client_id, via="api.")


@api.get(
    "/outcomes.csv",
    response=_AUTH,
    openapi_extra=_ok("text/csv", "One row per client: baseline, latest, change, status"),
    summary="The clinic's outcomes as CSV (audited)",
)
def outcomes_csv(request: HttpRequest) -> Any:
    return serve(request.user, "outcomes_csv", via="api.")


@api.get(
    "/clients/{client_id}/progress-report.pdf",
    response=_CLIENT,
    openapi_extra=_ok("application/pdf", "The progress report (PDF)"),
    summary="A client's progress report as PDF (audited)",
)
def progress_report_pdf(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "progress_report_pdf", client_id, via="api.")


@api.get(
    "/clients/{client_id}/referral-letter.pdf",
    response=_CLIENT,
    openapi_extra=_ok("application/pdf", "The letter for the client's doctor (PDF)"),
    summary="A client's referral letter as PDF (audited)",
)
def referral_letter_pdf(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "referral_letter_pdf", client_id, via="api.")


class EraseIn(Schema):
    confirm_name: str


@api.post(
    "/clients/{client_id}/erase",
    response={200: ClientOut, **_CLIENT},
    summary="Erase a client's record (type the client's name to confirm; audited)",
)
def client_erase(request: HttpRequest, client_id: int, payload: EraseIn) -> Any:
    client = access.get_client(request.user, client_id)
    return actions.erase_client(by=request.user, client=client, confirm_name=payload.confirm_name)


@api.get(
    "/fhir/Questionnaire/intake",
    response=_AUTH,
    openapi_extra=_ok(_FHIR_JSON, "The intake Questionnaire (FHIR R4)", {"type": "object"}),
    summary="The backcare intake as a FHIR R4 Questionnaire",
)
def fhir_questionnaire(request: HttpRequest) -> Any:
    from backcare.fhir.questionnaire import intake_questionnaire

    return attachment(json.dumps(intake_questionnaire(), ensure_ascii=False), _FHIR_JSON)


@api.get(
    "/clients/{client_id}/fhir",
    response=_CLIENT,
    openapi_extra=_ok(_FHIR_JSON, "A FHIR R4 Bundle (collection)", {"type": "object"}),
    summary="A client's record as a FHIR R4 Bundle (audited)",
)
def client_fhir(request: HttpRequest, client_id: int) -> Any:
    return serve(request.user, "fhir_bundle", client_id, via="api.")


@api.post(
    "/clients/{client_id}/fhir/QuestionnaireResponse",
    response={201: dict[str, Any], **_CLIENT},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                _FHIR_JSON: {"schema": {"type": "object"}},
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
