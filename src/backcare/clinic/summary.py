"""Who needs attention, and why: the dashboard's summary of each client, written from the one
clinical state (`course.state_of`) inside every action that changes the record.

Levels (highest first) follow the state's next step: 5 emergency, 4 see a doctor, 2 reassess,
1 adjust (or a new intake from the client to review), 0 nothing to act on. "Overdue check-in" is
judged when the dashboard is shown (it depends on today's date).
"""

from __future__ import annotations

from django.db.models import F

from backcare.accounts.models import Clinic
from backcare.clinic.course import state_of
from backcare.clinic.models import Client
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


def changed(client: Client) -> None:
    """A client's record changed: retire every cached page of the clinic (inside the action's
    transaction, so the new number is seen exactly when the change is)."""
    Clinic.objects.filter(pk=client.clinic_id).update(records_version=F("records_version") + 1)


def refresh(client: Client) -> Client:
    """Recompute and save the client's summary. Called inside each action's transaction."""
    changed(client)
    intake = client.current_intake
    findings: list[tuple[int, str]] = []
    next_step = status = ""
    client.assessment_changed = False
    client.alerts_to_acknowledge = client.clinic_alerts.filter(acknowledged_at__isnull=True).count()
    state = state_of(client)
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
    dates = [
        d
        for d in (
            client.sessions.order_by("-date").values_list("date", flat=True).first(),
            client.checkins.order_by("-date").values_list("date", flat=True).first(),
        )
        if d is not None
    ]
    client.attention = level
    client.attention_reason = reason[:300]
    client.next_step = next_step
    client.status = status
    client.last_contact = max(dates, default=None)
    client.state_rules_version = load_tables().version
    client.save(
        update_fields=[
            "attention",
            "attention_reason",
            "next_step",
            "status",
            "last_contact",
            "assessment_changed",
            "alerts_to_acknowledge",
            "state_rules_version",
        ]
    )
    return client
