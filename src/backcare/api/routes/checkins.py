"""A client's check-ins, the alerts they raised (acknowledged here) and medical reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from backcare.api.common import (
    CLIENT,
    LIST_DESCRIPTION,
    client_list,
    cursor_param,
    limit_param,
    offset_param,
    to_decimal,
)
from backcare.clinic import access, actions

router = Router(tags=["check-ins and reviews"])


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


@router.get(
    "/clients/{client_id}/checkins",
    response={200: list[dict[str, Any]], **CLIENT},
    summary="A client's check-ins, oldest first (paginated)",
    description=LIST_DESCRIPTION,
)
def checkins(
    request: HttpRequest,
    response: HttpResponse,
    client_id: int,
    offset: int | None = offset_param(),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
) -> Any:
    page = client_list(
        request,
        response,
        client_id,
        what="api.checkins",
        rows=lambda c: c.checkins.prefetch_related("clinic_alerts"),
        key=("date", "id"),
        paging=(offset, cursor, limit),
    )
    return [checkin_json(c) for c in page]


def checkin_json(c: Any) -> dict[str, Any]:
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
        "alerts": [alert_json(a) for a in c.clinic_alerts.all()],
    }


def alert_json(a: Any) -> dict[str, Any]:
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


@router.get(
    "/clients/{client_id}/checkins/{checkin_id}",
    response={200: dict[str, Any], **CLIENT},
    summary="One check-in",
)
def checkin_detail(request: HttpRequest, client_id: int, checkin_id: int) -> Any:
    checkin = access.get_checkin(request.user, client_id, checkin_id)
    actions.record_view(by=request.user, client=checkin.client, what="api.checkin", obj=checkin)
    return checkin_json(checkin)


@router.post("/clients/{client_id}/checkins", response={201: dict[str, Any], **CLIENT})
def checkin_create(request: HttpRequest, client_id: int, payload: CheckInIn) -> Any:
    client = access.get_client(request.user, client_id)
    made = actions.record_checkin(
        by=request.user,
        client=client,
        when=payload.date,
        pain=payload.pain,
        peg=to_decimal(payload.peg),
        rmdq=payload.rmdq,
        odi=to_decimal(payload.odi),
        side_effects=payload.side_effects,
        side_effect_hours=to_decimal(payload.side_effect_hours),
        red_flags=payload.red_flags,
        source="therapist",
    )
    return Status(201, checkin_json(made))


@router.get(
    "/clients/{client_id}/alerts",
    response={200: list[dict[str, Any]], **CLIENT},
    summary="Alerts a client's check-ins raised, newest first",
)
def clinic_alerts(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.alerts")
    return [alert_json(a) for a in client.clinic_alerts.all()]


@router.post(
    "/clients/{client_id}/alerts/{alert_id}/acknowledge",
    response={200: dict[str, Any], **CLIENT},
    summary="Acknowledge a check-in's alert (audited; a medical review resolves it)",
)
def clinic_alert_acknowledge(request: HttpRequest, client_id: int, alert_id: int) -> Any:
    alert = access.get_clinic_alert(request.user, client_id, alert_id)
    return alert_json(actions.acknowledge_alert(by=request.user, alert=alert))


@router.get(
    "/clients/{client_id}/reviews",
    response={200: list[dict[str, Any]], **CLIENT},
    summary="A client's medical reviews (backcare.course/1 `reviews`), oldest first",
)
def reviews(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.reviews")
    return [{"id": r.pk, **r.to_contract()} for r in client.reviews.order_by("created_at", "id")]


@router.post(
    "/clients/{client_id}/reviews",
    response={201: dict[str, Any], **CLIENT},
    summary="Record a medical review of what visits raised (audited)",
)
def review_create(request: HttpRequest, client_id: int, payload: ReviewIn) -> Any:
    client = access.get_client(request.user, client_id)
    # "No later than today" by the clinic's calendar: an API request has no page to set the
    # zone, and UTC's day is not the clinic's.
    today = timezone.localdate(timezone=client.clinic.zone)
    values = payload.dict()
    entry = actions.record_review(by=request.user, client=client, values=values, today=today)
    return Status(201, {"id": entry.pk, **entry.to_contract()})
