"""Who needs attention, and why: the dashboard's summary of each client, written from the one
clinical state (`course.state_of`) inside every action that changes the record.

Levels (highest first) follow the state's next step: 5 emergency, 4 see a doctor, 2 reassess,
1 adjust (or a new intake from the client to review), 0 nothing to act on. "Overdue check-in" is
judged when the dashboard is shown (it depends on today's date).
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from django.db import connection
from django.db.models import F

from backcare.clinic.course import course_document, state_of
from backcare.clinic.models import CheckIn, Client, ClinicAlert, IntakeRecord, Session
from backcare.clinic.worklist import due_of
from backcare.core.results import Change, Progress
from backcare.core.rules.tables import load_tables
from backcare.core.wording import ALERT_NAME

EMERGENCY, SEE_DOCTOR, REASSESS, ADJUST, NOTHING = 5, 4, 2, 1, 0
STEP_LEVEL = {
    "emergency": EMERGENCY,
    "see_doctor": SEE_DOCTOR,
    "reassess": REASSESS,
    "adjust": ADJUST,
    "continue": NOTHING,
}


def save_changed(client: Client, fields: list[str]) -> None:
    """Save `fields` of the client's row and count one more version of the record
    (`record_version`, on which cached fragments of the record are keyed), in one UPDATE of
    the client's own row: no row shared with the clinic's other clients is written, so actions
    on different clients do not wait for each other. Inside the action's transaction, so the
    new number is seen exactly when the change is; an F() expression, so two actions never
    count the same number."""
    client.record_version = F("record_version") + 1  # type: ignore[assignment]
    client.save(update_fields=[*fields, "record_version"])
    del client.record_version  # the new number is read from the row if it is asked for


MEASURES = ("pain", "rmdq", "odi", "peg")  # the order outcomes.csv shows them in


def _change(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "baseline": str(change.baseline),
        "latest": str(change.latest),
        "change_points": str(change.change_points),
        "change_percent": None if change.change_percent is None else str(change.change_percent),
        "meaningful": change.meaningful,
    }


def outcome_of(progress: Progress | None) -> dict[str, Any] | None:
    """The progress figures outcomes.csv shows, as the summary keeps them (`Client.outcome`):
    the sessions done and each measure's change, its numbers as the exact text of the core's
    decimals (`Decimal(text)` gives them back, to the last digit). None without an intake."""
    if progress is None:
        return None
    return {
        "sessions_done": progress.sessions_done,
        **{measure: _change(getattr(progress, measure)) for measure in MEASURES},
    }


def refresh(
    client: Client,
    *,
    document: dict[str, Any] | None = None,
    intake: IntakeRecord | None = None,
) -> Client:
    """Recompute and save the client's summary, as a new version of the record. Called inside
    the transaction of each action that changes what the client's pages show. An action that
    has already read the course (`course.course_document`, with its change applied) and the
    current intake passes them, so that they are not read again."""
    if document is None or intake is None:
        intake = client.current_intake
        document = None if intake is None else course_document(client, intake)
    findings: list[tuple[int, str]] = []
    next_step = status = ""
    client.assessment_changed = False
    client.alerts_to_acknowledge, last_contact = _counts(client)
    state = None if document is None else state_of(client, document)
    if intake is not None and state is not None:
        next_step, status = state.next_step, state.progress.status
        top = state.top_alert
        if top is not None:
            findings.append(
                (STEP_LEVEL[top.next_step], f"{ALERT_NAME[top.rule]}: {top.therapist_text}")
            )
        if intake.source in ("self_check", "client_link") and not client.sessions.exists():
            findings.append((ADJUST, "New intake from the client to review"))
        # An alert to acknowledge and an unseen assessment change are the clinic's work, not
        # the client's clinical state: they are badges that keep the client in the dashboard's
        # "needs attention" list, while the level stays the state's (one source of truth).
        client.assessment_changed = bool(intake.changes) and intake.changes_seen_at is None
    level, reason = max(findings, default=(NOTHING, ""))
    client.attention = level
    client.attention_reason = reason[:300]
    client.next_step = next_step
    client.status = status
    client.last_contact = last_contact
    client.outcome = outcome_of(None if state is None or intake is None else state.progress)
    # The course gives the last session's date (its sessions are the ones not void).
    sessions = [] if document is None else document["sessions"]
    client.next_session_due = due_of(
        intake,
        (client.outcome or {}).get("sessions_done", 0),
        client.clinic.zone,
        max((_day(s["date"]) for s in sessions), default=None),
    )
    client.state_rules_version = load_tables().version
    save_changed(
        client,
        [
            "attention",
            "attention_reason",
            "next_step",
            "status",
            "last_contact",
            "assessment_changed",
            "alerts_to_acknowledge",
            "outcome",
            "next_session_due",
            "state_rules_version",
        ],
    )
    return client


# Alerts still to acknowledge, and the last day of contact (a session, voided ones too, or a
# check-in), in one round trip.
_COUNTS = (
    f"SELECT (SELECT COUNT(*) FROM {ClinicAlert._meta.db_table}"
    "         WHERE client_id = %s AND acknowledged_at IS NULL),"
    f"       (SELECT MAX(date) FROM {Session._meta.db_table} WHERE client_id = %s),"
    f"       (SELECT MAX(date) FROM {CheckIn._meta.db_table} WHERE client_id = %s)"
)


def _counts(client: Client) -> tuple[int, Date | None]:
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS, [client.pk] * 3)
        alerts, session, checkin = cursor.fetchone()
    days = [_day(d) for d in (session, checkin) if d is not None]
    return alerts, max(days, default=None)


def _day(value: Any) -> Date:
    """A date as a plain query gives it: SQLite hands back an aggregate's date as its text."""
    return Date.fromisoformat(value) if isinstance(value, str) else value
