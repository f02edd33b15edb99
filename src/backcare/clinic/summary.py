"""Who needs attention, and why: the dashboard's order, computed from the core's answers.

Levels (highest first): 5 emergency; 4 see a doctor (urgent referral, see-doctor alert, a warning
sign reported at a check-in); 3 waiting for a doctor's clearance; 2 reassess; 1 adjust the plan;
0 nothing to act on. "Overdue check-in" is judged when the dashboard is shown (it depends on
today's date).
"""

from __future__ import annotations

from django.db.models import F

from backcare.accounts.models import Clinic
from backcare.clinic.course import client_progress
from backcare.clinic.models import Client
from backcare.core.models import RedFlags
from backcare.core.progress import rules_for_reported_flags
from backcare.core.validation import parse_intake

EMERGENCY, SEE_DOCTOR, CLEARANCE, REASSESS, ADJUST, NOTHING = 5, 4, 3, 2, 1, 0
_STEP_LEVEL = {
    "emergency": EMERGENCY,
    "see_doctor": SEE_DOCTOR,
    "reassess": REASSESS,
    "adjust": ADJUST,
}
_DISPOSITION_LEVEL = {
    "emergency": (EMERGENCY, "Emergency at intake: refer now"),
    "urgent_referral": (SEE_DOCTOR, "Urgent referral at intake"),
    "clearance_first": (CLEARANCE, "Waiting for a doctor's clearance"),
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
    if intake is not None:
        if intake.disposition in _DISPOSITION_LEVEL:
            findings.append(_DISPOSITION_LEVEL[intake.disposition])
        if intake.source in ("self_check", "client_link") and not client.sessions.exists():
            findings.append((ADJUST, "New intake from the client to review"))
        result = client_progress(client)
        if result is not None:
            next_step, status = result.next_step, result.status
            for alert in result.alerts:
                level = _STEP_LEVEL.get(alert.next_step, NOTHING)
                findings.append((level, f"{alert.rule}: {alert.next_step.replace('_', ' ')}"))
        last_session = client.sessions.order_by("-date").first()
        recent = client.checkins.all()
        if last_session is not None:
            recent = recent.filter(date__gte=last_session.date)
        flagged = [c for c in recent if c.red_flags]
        if flagged:
            document = parse_intake(intake.document)
            for checkin in flagged:
                flags = RedFlags(**dict.fromkeys(checkin.red_flags, True))
                rules = rules_for_reported_flags(document, flags)
                if rules:
                    emergency = any(r.urgency == "emergency" for r in rules)
                    findings.append(
                        (
                            EMERGENCY if emergency else SEE_DOCTOR,
                            f"Warning sign at check-in {checkin.date}: "
                            + ", ".join(n.replace("_", " ") for n in checkin.red_flags),
                        )
                    )
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
    client.save(
        update_fields=["attention", "attention_reason", "next_step", "status", "last_contact"]
    )
    return client
