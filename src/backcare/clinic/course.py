"""A client's stored record as a `backcare.course/1` document, and their state from the core.

`state_of(client)` is the one way the web layer learns where a client stands: every page, the
dashboard's summary, the API, the CSV, the PDFs and FHIR call it (or read the summary it wrote).
"""

from __future__ import annotations

from typing import Any

from backcare.clinic.models import Client, IntakeRecord, Session
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
    `intake`: the client's current intake, if the caller has read it already."""
    intake = intake or client.current_intake
    if intake is None:
        return None
    baseline = baseline_of(intake)
    # A voided session was recorded in error: it stays in the history, not in the course.
    in_course = client.sessions.filter(voided_at__isnull=True)
    sessions = [
        session_entry(s) for s in in_course.prefetch_related("amendments").order_by("number")
    ]
    followups = [
        {
            "date": c.date.isoformat(),
            "pain": c.pain,
            "rmdq": c.rmdq,
            "odi": _number(c.odi),
            "peg": _number(c.peg),
            "side_effects": list(c.side_effects),
            "side_effect_hours": _number(c.side_effect_hours),
            "new_red_flags": dict.fromkeys(c.red_flags, True),
        }
        # In the order reported (contracts §3: dates may go back).
        for c in client.checkins.order_by("created_at", "id")
    ]
    return {
        "schema": "backcare.course/1",
        "intake": intake.document,
        "baseline": baseline,
        "sessions": sessions,
        "followups": followups,
        "reviews": [r.to_contract() for r in client.reviews.order_by("created_at", "id")],
    }


def session_entry(session: Session) -> dict[str, Any]:
    """One session as the course document holds it (its amended values)."""
    v = session.current_values()
    return {
        "number": session.number,
        "date": session.date.isoformat(),
        "pain_before": v["pain_before"],
        "pain_after": v["pain_after"],
        "techniques": list(v["techniques"]),
        "pressure": v["pressure"],
        "side_effects": list(v["side_effects"]),
        "side_effect_hours": _number(v["side_effect_hours"]),
        "new_red_flags": dict.fromkeys(v["new_red_flags"], True),
    }


def state_of(client: Client, document: dict[str, Any] | None = None) -> ClientState | None:
    """The client's clinical state from the core (None before the first intake)."""
    if document is None:
        document = course_document(client)
    return None if document is None else client_state(parse_course(document))


def client_progress(client: Client, document: dict[str, Any] | None = None) -> Progress | None:
    """The progress part of `state_of`."""
    state = state_of(client, document)
    return None if state is None else state.progress
