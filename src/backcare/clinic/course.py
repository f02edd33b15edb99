"""A client's stored record as a `backcare.course/1` document, and their state from the core.

`state_of(client)` is the one way the web layer learns where a client stands: every page, the
dashboard's summary, the API, the CSV, the PDFs and FHIR call it (or read the summary it wrote).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from backcare.clinic.models import (
    AMENDABLE_FIELDS,
    Amendment,
    CheckIn,
    Client,
    IntakeRecord,
    MedicalReview,
    Session,
)
from backcare.core.results import Progress
from backcare.core.state import ClientState, client_state
from backcare.core.validation import parse_course


def _number(value: Any) -> Any:
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def baseline_of(intake: IntakeRecord) -> dict[str, Any]:
    """The course's baseline from its intake: the pain, and the disability scores measured."""
    baseline: dict[str, Any] = {"pain": intake.document["pain"]["intensity"]}
    for name in ("rmdq", "odi", "peg"):
        value = getattr(intake, f"baseline_{name}")
        if value is not None:
            baseline[name] = _number(value)
    return baseline


def course_document(client: Client, intake: IntakeRecord | None = None) -> dict[str, Any] | None:
    """The course so far (None before the first intake). Sessions carry their amendments.
    `intake`: the client's current intake, if the caller has read it already.

    Read with three plain SQL queries of the columns the course needs, not through model
    instances: every write recomputes the state from this document (issue 13), and building
    the ORM's queries and objects cost more than the rules themselves. `tests/clinic/
    test_course_document.py` checks it against the models' own values on both databases."""
    intake = intake or client.current_intake
    if intake is None:
        return None
    # Each session with its amendments, oldest first (a session without any: one row whose
    # amendment is NULL). A voided session was recorded in error: it stays in the history,
    # not in the course.
    sessions: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for *row, field, new_value in _rows(_SESSIONS, client.pk):
        if not values or values["id"] != row[0]:
            if values:
                sessions.append(_entry(values))
            values = dict(zip(_SESSION_COLUMNS, row, strict=True))
        if field is not None:
            values[field] = _json(new_value)
    if values:
        sessions.append(_entry(values))
    followups = [
        {
            "date": _day(date),
            "pain": pain,
            "rmdq": rmdq,
            "odi": _number(odi),
            "peg": _number(peg),
            "side_effects": list(_json(side_effects)),
            "side_effect_hours": _number(hours),
            "new_red_flags": dict.fromkeys(_json(red_flags), True),
        }
        # In the order reported (contracts §3: dates may go back).
        for date, pain, rmdq, odi, peg, side_effects, hours, red_flags in _rows(
            _CHECKINS, client.pk
        )
    ]
    reviews = [
        {
            "date": _day(date),
            "rules": list(_json(rules)),
            "by": reviewer,
            "role": role,
            "source": source,
            "outcome": outcome,
            "note": note,
        }
        for date, rules, reviewer, role, source, outcome, note in _rows(_REVIEWS, client.pk)
    ]
    return {
        "schema": "backcare.course/1",
        "intake": intake.document,
        "baseline": baseline_of(intake),
        "sessions": sessions,
        "followups": followups,
        "reviews": reviews,
    }


# The course's columns, in the order the queries below name them. Amended fields (an amendment
# may change any of AMENDABLE_FIELDS) are applied over a session's own values by name.
_SESSION_COLUMNS = (
    "id",
    "number",
    "date",
    "pain_before",
    "pain_after",
    "techniques",
    "pressure",
    "side_effects",
    "side_effect_hours",
    "new_red_flags",
)
_SESSIONS = (
    f"SELECT {', '.join(f's.{c}' for c in _SESSION_COLUMNS)}, a.field, a.new_value "
    f"FROM {Session._meta.db_table} s LEFT JOIN {Amendment._meta.db_table} a "
    "ON a.session_id = s.id WHERE s.client_id = %s AND s.voided_at IS NULL "
    "ORDER BY s.number, a.created_at, a.id"
)
_CHECKINS = (
    "SELECT date, pain, rmdq, odi, peg, side_effects, side_effect_hours, red_flags "
    f"FROM {CheckIn._meta.db_table} WHERE client_id = %s ORDER BY created_at, id"
)
_REVIEWS = (
    "SELECT date, rules, reviewer, role, source, outcome, note "
    f"FROM {MedicalReview._meta.db_table} WHERE client_id = %s ORDER BY created_at, id"
)


def _rows(sql: str, client_id: int) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_id])
        return cursor.fetchall()


def _json(value: Any) -> Any:
    """A JSON column as read by a plain query: its text on both databases (Django reads jsonb
    as text on PostgreSQL too); decoded here, as JSONField.from_db_value does."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _day(value: Any) -> str:
    """A date column as the contract's YYYY-MM-DD (SQLite may hand back its text)."""
    return value if isinstance(value, str) else value.isoformat()


def _entry(values: dict[str, Any]) -> dict[str, Any]:
    """One session as the course document holds it, from its (amended) column values."""
    return {
        "number": values["number"],
        "date": _day(values["date"]),
        "pain_before": values["pain_before"],
        "pain_after": values["pain_after"],
        "techniques": list(_json(values["techniques"])),
        "pressure": values["pressure"],
        "side_effects": list(_json(values["side_effects"])),
        "side_effect_hours": _number(values["side_effect_hours"]),
        "new_red_flags": dict.fromkeys(_json(values["new_red_flags"]), True),
    }


def session_entry(session: Session, *, new: bool = False) -> dict[str, Any]:
    """One session as the course document holds it (its amended values). `new`: a session
    just recorded, which has no amendments (none is read)."""
    values = {f: getattr(session, f) for f in AMENDABLE_FIELDS} if new else session.current_values()
    return _entry({"number": session.number, "date": session.date, **values})


def state_of(client: Client, document: dict[str, Any] | None = None) -> ClientState | None:
    """The client's clinical state from the core (None before the first intake)."""
    if document is None:
        document = course_document(client)
    return None if document is None else client_state(parse_course(document))


def client_progress(client: Client, document: dict[str, Any] | None = None) -> Progress | None:
    """The progress part of `state_of`."""
    state = state_of(client, document)
    return None if state is None else state.progress
