"""A client's whole clinical state, computed in one place from the whole record.

Every surface that shows where a client stands (pages, dashboard, API, CSV, PDF, FHIR) takes it
from `client_state`, so they cannot disagree: the current intake's assessment (with its
clearances) and progress over the course (sessions with their amendments applied, check-ins as
follow-ups with their side effects and warning signs, medical reviews) under one rules version.

Also here, because they are read off the same two answers:
- `checkin_advice`: what a client reporting alone must be told at once (clinical-rules §6b);
- `session_check` / `amendment_check`: the causes to show before a session that breaks the
  assessment is recorded (§6a), and `override_problems` for the confirmation it then needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from backcare.core.assessment import assess
from backcare.core.models import Course, Findings, Followup, Intake
from backcare.core.progress import NEURO_SIDE_EFFECTS, progress, raised_at, unresolved, visits
from backcare.core.results import Alert, Assessment, Finding, Progress
from backcare.core.rules.tables import load_tables
from backcare.core.rules.text import fill
from backcare.core.vocabulary import (
    NEXT_STEP_SEVERITY,
    PRESSURE_ORDER,
    TECHNIQUES,
    NextStep,
    OverrideReason,
)


@dataclass(frozen=True, slots=True)
class ClientState:
    """Where a client stands: the one answer every surface shows."""

    assessment: Assessment
    progress: Progress
    # The warning signs visits reported whose rules no review has resolved (contract names).
    raised_signs: tuple[str, ...] = ()

    @property
    def rules_version(self) -> str:
        return self.progress.rules_version

    @property
    def next_step(self) -> NextStep:
        return self.progress.next_step

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return self.progress.alerts

    @property
    def top_alert(self) -> Alert | None:
        """The alert that sets the next step (the first in table order among the most severe)."""
        if not self.alerts:
            return None
        worst = max(NEXT_STEP_SEVERITY[a.next_step] for a in self.alerts)
        return next(a for a in self.alerts if NEXT_STEP_SEVERITY[a.next_step] == worst)


def client_state(course: Course) -> ClientState:
    """The client's state from their whole record as a `backcare.course/1`."""
    assessment = assess(course.intake)
    return ClientState(assessment, progress(course, assessment), unresolved(course).signs)


# §6b ------------------------------------------------------------------------------------------

When = Literal["now", "today", "within_a_week"]


@dataclass(frozen=True, slots=True)
class Advice:
    """One alert a check-in raised, and how soon the client must act on it."""

    alert: Alert
    when: When


def checkin_advice(before: Course, followup: Followup) -> tuple[Advice, ...]:
    """§6b: the alerts a check-in raised: rules raised at it, AL-NEURO-SYMPTOMS or AL-FEVER from
    its side effects, AL-WORSENING when its values make the status worsening. Each is stored for
    the clinic to acknowledge; the client's screen shows an emergency alone. `before` is the
    course without the check-in. An alert whose next step is an emergency is to be acted on now,
    whatever raised it here."""
    after = before.model_copy(update={"followups": (*before.followups, followup)})
    result = progress(after)
    visit = visits(after)[-1]  # the check-in: follow-ups come last, and it is the last of them
    raised_here = {r.id for r in raised_at(after.intake, visit.flags)}
    worsened = result.status == "worsening" and progress(before).status != "worsening"
    tables = load_tables()
    out: list[Advice] = []
    for alert in result.alerts:
        if alert.rule == "AL-NEW-RED-FLAG" and raised_here:
            urgent = any(tables.rule(r).urgency in ("emergency", "urgent") for r in raised_here)
            out.append(Advice(alert, _when(alert, "today" if urgent else "within_a_week")))
        elif (
            alert.rule == "AL-NEURO-SYMPTOMS" and NEURO_SIDE_EFFECTS & set(visit.side_effects)
        ) or (alert.rule == "AL-FEVER" and "fever" in visit.side_effects):
            out.append(Advice(alert, _when(alert, "today")))
        elif alert.rule == "AL-WORSENING" and worsened:
            out.append(Advice(alert, _when(alert, "within_a_week")))
    return tuple(out)


def _when(alert: Alert, otherwise: When) -> When:
    return "now" if alert.next_step == "emergency" else otherwise


# §6a ------------------------------------------------------------------------------------------

CauseKind = Literal["emergency", "see_doctor", "no_massage", "pressure", "technique"]
REASON_KINDS: tuple[OverrideReason, ...] = (
    "recorded_after_the_fact",
    "doctor_cleared_verbally",
    "client_informed_choice",
    "other",
)
REASON_MIN, REASON_MAX = 10, 500


@dataclass(frozen=True, slots=True)
class Cause:
    """One reason a proposed session breaks the assessment: one prompt on the form."""

    kind: CauseKind
    findings: tuple[tuple[str, str], ...]  # (rule or alert id, the therapist's text) behind it
    detail: tuple[str, ...] = ()  # the pressure and limit, or the techniques concerned

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(rule for rule, _ in self.findings)

    @property
    def reason_kinds(self) -> tuple[OverrideReason, ...]:
        """The reasons that may confirm it: for an emergency only after the fact."""
        return ("recorded_after_the_fact",) if self.kind == "emergency" else REASON_KINDS

    @property
    def safety_override(self) -> bool:
        return self.kind == "emergency"


def _limit_causes(
    assessment: Assessment, pressure: str | None, techniques: tuple[str, ...]
) -> list[Cause]:
    # Causes 3-5: massage not allowed at all replaces the other two.
    limit = assessment.max_pressure
    if limit is None:
        reasons = _referral_reasons(assessment)
        return [Cause("no_massage", tuple((r.rule, r.therapist_text) for r in reasons))]
    causes = []
    if pressure is not None and PRESSURE_ORDER[pressure] > PRESSURE_ORDER[limit]:
        causes.append(Cause("pressure", _capping(assessment, pressure, limit), (pressure, limit)))
    avoided = tuple(
        t
        for t in TECHNIQUES
        if t in techniques and getattr(assessment.techniques, t).verdict == "avoid"
    )
    if avoided:
        found = {
            r.rule: r.therapist_text
            for t in avoided
            for r in getattr(assessment.techniques, t).reasons
        }
        causes.append(Cause("technique", tuple(found.items()), avoided))
    return causes


def _capping(assessment: Assessment, pressure: str, limit: str) -> tuple[tuple[str, str], ...]:
    """The rules whose cap is below `pressure`: the precautions, or the client's preference."""
    tables = load_tables()
    below = [
        f
        for f in assessment.precautions
        if (cap := tables.rule(f.rule).cap) in PRESSURE_ORDER
        and PRESSURE_ORDER[cap] < PRESSURE_ORDER[pressure]
    ]
    if below:
        return tuple((f.rule, f.therapist_text) for f in below)
    # Only the client's own preference caps it (PREF-PRESSURE is not a precaution).
    rule = tables.rule("PREF-PRESSURE")
    return ((rule.id, fill(rule.therapist_text, {"preferences.pressure": limit})),)


def _referral_reasons(assessment: Assessment) -> tuple[Finding, ...]:
    return () if assessment.referral is None else assessment.referral.reasons


def session_check(
    state: ClientState, *, pressure: str | None, techniques: tuple[str, ...]
) -> tuple[Cause, ...]:
    """§6a: the causes to show before recording a session, most severe first, one per cause:
    1. an unresolved emergency on the course as it stands; 2. any other see-a-doctor alert;
    3. massage not allowed at all; 4. pressure above the limit; 5. a technique marked avoid."""
    causes: list[Cause] = []
    emergency = tuple(
        (a.rule, a.therapist_text)
        for a in state.alerts
        if a.rule in ("AL-UNRESOLVED-REFERRAL", "AL-NEW-RED-FLAG") and a.next_step == "emergency"
    )
    if emergency:
        causes.append(Cause("emergency", emergency))
    doctor = tuple(
        (a.rule, a.therapist_text)
        for a in state.alerts
        if a.next_step == "see_doctor" and (a.rule, a.therapist_text) not in emergency
    )
    if doctor:
        causes.append(Cause("see_doctor", doctor))
    return (*causes, *_limit_causes(state.assessment, pressure, techniques))


def amendment_check(
    assessment: Assessment, *, pressure: str, techniques: tuple[str, ...]
) -> tuple[Cause, ...]:
    """§6a: an amendment is checked for causes 3-5 on the amended values."""
    return tuple(_limit_causes(assessment, pressure, techniques))


def override_problems(
    causes: tuple[Cause, ...], *, confirm: bool, reason_kind: str | None, reason: str | None
) -> list[tuple[str, str]]:
    """What is missing or wrong in the confirmation of a session with these causes, as
    (field, message) pairs; empty when it may be saved."""
    if not causes:
        return []
    found: list[tuple[str, str]] = []
    if not confirm:
        found.append(("confirm", "this session breaks the assessment: confirm to save it"))
    allowed: set[str] = set(REASON_KINDS)
    for cause in causes:
        allowed &= set(cause.reason_kinds)
    if reason_kind not in allowed:
        found.append(
            (
                "reason_kind",
                "must be one of " + ", ".join(k for k in REASON_KINDS if k in allowed),
            )
        )
    text = (reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        found.append(("reason", f"must be {REASON_MIN} to {REASON_MAX} characters"))
    return found


# §5 answers compared: what a therapist must notice when a new intake changes the assessment ----


@dataclass(frozen=True, slots=True)
class AssessmentChange:
    """One difference between two assessments: what (`disposition`, `max_pressure` or a
    technique's name), and its value before and after (None for "no massage")."""

    what: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"what": self.what, "before": self.before, "after": self.after}


def assessment_changes(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[AssessmentChange, ...]:
    """What changed from one `backcare.assessment/1` to the next: the disposition, the pressure
    limit and each technique's verdict, in that order (empty when nothing did)."""
    out = []
    for what in ("disposition", "max_pressure"):
        if before[what] != after[what]:
            out.append(AssessmentChange(what, before[what], after[what]))
    for technique in TECHNIQUES:
        old = before["techniques"][technique]["verdict"]
        new = after["techniques"][technique]["verdict"]
        if old != new:
            out.append(AssessmentChange(technique, old, new))
    return tuple(out)


# What a client cannot report on their own: the therapist's examination (palpation), which is
# the whole of the intake's `findings` group.
EXAMINATION_FINDINGS = tuple(Findings.model_fields)


def with_examination(intake: Intake, examined: Intake) -> Intake:
    """`intake` (the client's own answers) with the examination findings of `examined` (the
    therapist's latest intake): a client's link must not drop what only palpation finds."""
    found = {name: getattr(examined.findings, name) for name in EXAMINATION_FINDINGS}
    return intake.model_copy(update={"findings": intake.findings.model_copy(update=found)})
