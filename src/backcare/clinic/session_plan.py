"""Where a new session's form starts: the current assessment's plan, within its limits.

Everything is read from the client's state (`course.state_of`, the core's one answer); nothing
is judged here. Where the assessment is silent the start is the safer one (see `plan_start`).
"""

from __future__ import annotations

from typing import Any

from backcare.clinic.course import state_of
from backcare.clinic.models import Client, Session
from backcare.clinic.presenting import TECHNIQUE_ORDER


def plan_start(client: Client) -> dict[str, Any]:
    """The form's first values from the assessment: the techniques it recommends (never one it
    marks avoid; none when it recommends none, so the therapist chooses), its pressure limit and
    the plan's session length. With no limit (massage not allowed) the lightest pressure, and
    the §6a check says why."""
    state = state_of(client)
    if state is None:
        return {"pressure": "light", "techniques": []}
    assessment = state.assessment
    techniques = assessment.techniques.to_json()
    return {
        "pressure": assessment.max_pressure or "light",
        "techniques": [t for t in TECHNIQUE_ORDER if techniques[t]["verdict"] == "recommended"],
        "minutes": None if assessment.plan is None else assessment.plan.session_minutes,
    }


def previous_note(client: Client, before: int | None = None) -> Session | None:
    """The session before this one in the course (voided ones left out), for its note."""
    sessions = client.sessions.filter(voided_at__isnull=True).prefetch_related("amendments")
    if before is not None:
        sessions = sessions.filter(number__lt=before)
    return sessions.order_by("-number").first()
