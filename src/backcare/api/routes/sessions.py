"""A client's sessions: record (checked by §6a: 409 with the causes), read, sign, amend."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictInt, StrictStr

from backcare.api.common import (
    CLIENT,
    LIST_DESCRIPTION,
    client_list,
    cursor_param,
    keep,
    limit_param,
    offset_param,
    to_decimal,
)
from backcare.clinic import access, actions, limits
from backcare.clinic.models import AMENDABLE_FIELDS

router = Router(tags=["sessions"])

# A session's values, of the same kinds in a new session and in an amendment's changes (what
# they mean -- codes, ranges -- the clinical core checks in the action).
Codes = list[StrictStr]
Hours = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Note = Annotated[StrictStr, Field(max_length=limits.SESSION_NOTE)]


class SessionIn(Schema):
    date: date
    pain_before: StrictInt
    pain_after: StrictInt
    techniques: Codes
    pressure: StrictStr
    # How long it lasted (not a contract field: the course's rules do not read it).
    minutes: StrictInt | None = None
    regions: Codes = []
    side_effects: Codes = []
    side_effect_hours: Hours | None = None
    new_red_flags: Codes = []
    subjective: Note = ""
    objective: Note = ""
    assessment_note: Note = ""
    plan_note: Note = ""
    # clinical-rules §6a: a session that breaks the assessment is refused (409, with its
    # causes) unless it carries a confirmation, a reason kind and a reason.
    confirm: bool = False
    reason_kind: str | None = None
    reason: str | None = None


class SessionChanges(Schema):
    """The amended values: any of a session's, of the kinds a new session takes (none may be
    null but the hours); a field that cannot be amended is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    pain_before: StrictInt = keep()
    pain_after: StrictInt = keep()
    techniques: Codes = keep()
    pressure: StrictStr = keep()
    minutes: StrictInt = keep()
    regions: Codes = keep()
    side_effects: Codes = keep()
    side_effect_hours: Hours | None = None
    new_red_flags: Codes = keep()
    subjective: Note = keep()
    objective: Note = keep()
    assessment_note: Note = keep()
    plan_note: Note = keep()


class AmendmentIn(Schema):
    changes: SessionChanges
    reason: Annotated[str, Field(max_length=limits.AMENDMENT_REASON)]
    # clinical-rules §6a: needed when the amended pressure or techniques break the assessment
    confirm: bool = False
    reason_kind: str | None = None
    override_reason: str | None = None


def session_json(session: Any) -> dict[str, Any]:
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


@router.get(
    "/clients/{client_id}/sessions",
    response={200: list[dict[str, Any]], **CLIENT},
    summary="A client's sessions, in order (paginated)",
    description=LIST_DESCRIPTION,
)
def sessions(
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
        what="api.sessions",
        rows=lambda c: c.sessions.prefetch_related("amendments"),
        key=("number", "id"),
        paging=(offset, cursor, limit),
    )
    return [session_json(s) for s in page]


CONFLICT: dict[int, Any] = {**CLIENT, 409: dict[str, Any]}


@router.post("/clients/{client_id}/sessions", response={201: dict[str, Any], **CONFLICT})
def session_create(request: HttpRequest, client_id: int, payload: SessionIn) -> Any:
    client = access.get_client(request.user, client_id)
    values = payload.dict(exclude={"date", "confirm", "reason_kind", "reason"})
    values["side_effect_hours"] = to_decimal(payload.side_effect_hours)
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
    return Status(201, session_json(session))


@router.get("/clients/{client_id}/sessions/{session_id}", response={200: dict[str, Any], **CLIENT})
def session_detail(request: HttpRequest, client_id: int, session_id: int) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    actions.record_view(by=request.user, client=session.client, what="api.session", obj=session)
    return session_json(session)


@router.post(
    "/clients/{client_id}/sessions/{session_id}/sign", response={200: dict[str, Any], **CLIENT}
)
def session_sign(request: HttpRequest, client_id: int, session_id: int) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    return session_json(actions.sign_session(by=request.user, session=session))


@router.post(
    "/clients/{client_id}/sessions/{session_id}/amendments",
    response={201: dict[str, Any], **CONFLICT},
    summary="Amend a signed session (the original values are kept)",
)
def session_amend(
    request: HttpRequest, client_id: int, session_id: int, payload: AmendmentIn
) -> Any:
    session = access.get_session(request.user, client_id, session_id)
    changes = payload.changes.dict(exclude_unset=True)
    if changes.get("side_effect_hours") is not None:
        changes["side_effect_hours"] = to_decimal(changes["side_effect_hours"])
    try:
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
    except actions.ActionError as exc:
        # The amended values' problems at their place in the body: `changes.regions`.
        exc.errors = {
            f"changes.{field}" if field in AMENDABLE_FIELDS else field: messages
            for field, messages in exc.errors.items()
        }
        raise
    return Status(201, session_json(access.get_session(request.user, client_id, session_id)))
