"""`progress(course) -> Progress`: clinical-rules-v1 §6 over a course of treatment.

Change scores are computed in decimal arithmetic from the values as written (6.1 stays 6.1, no
binary-float noise) and percentages are rounded half away from zero to one decimal. The alert
table (rules/data/alerts.toml) is evaluated against the facts built in `_course_facts`; the
thresholds of meaningful change and worsening are rules/data/change.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from backcare.core.assessment import assess, intake_facts
from backcare.core.models import Course, Intake, RedFlags
from backcare.core.results import Alert, Assessment, Change, Progress
from backcare.core.rounding import round_half_up, to_decimal
from backcare.core.rules.tables import Rule, load_tables
from backcare.core.rules.text import fill
from backcare.core.vocabulary import (
    NEXT_STEP_SEVERITY,
    PRESSURE_ORDER,
    PROGRESS_SCHEMA,
    NextStep,
    Status,
)


def change(measure: str, baseline: int | float, latest: int | float) -> Change:
    """One measure's change object (contracts-v1 §4, clinical-rules-v1 §6; thresholds in
    rules/data/change.toml)."""
    base, last = to_decimal(baseline), to_decimal(latest)
    points = last - base
    percent = None if base == 0 else round_half_up(Decimal(100) * points / base, 1)
    rule = load_tables().change[measure]
    meaningful = (
        percent is not None
        and points <= rule.meaningful_points
        and percent <= rule.meaningful_percent
    )
    return Change(base, last, points, percent, meaningful)


def meaningful_line(measure: str, baseline: int | float) -> Decimal | None:
    """The value a measure must fall to from `baseline` to meet both thresholds of meaningful
    improvement (to draw on a chart); None when no value can (a baseline too low, or 0).

    The spec compares the rounded percent, so a value a hair above this line may still count;
    the verdict is always `change`'s, never the line's.
    """
    base = to_decimal(baseline)
    rule = load_tables().change[measure]
    line = min(base + rule.meaningful_points, base * (1 + rule.meaningful_percent / 100))
    return line if base > 0 and line >= 0 else None


@dataclass(frozen=True, slots=True)
class _Dated:
    when: date
    rank: int  # on the same date a follow-up (1) wins over a session (0)
    order: int  # then a later list entry over an earlier one
    value: int | float


def _latest(values: list[_Dated]) -> int | float | None:
    if not values:
        return None
    return max(values, key=lambda d: (d.when, d.rank, d.order)).value


def latest_values(course: Course) -> dict[str, int | float | None]:
    """§6: the latest value of each measure (pain from sessions' pain_before and follow-ups)."""
    pain = [_Dated(s.date, 0, i, s.pain_before) for i, s in enumerate(course.sessions)]
    pain += [_Dated(f.date, 1, i, f.pain) for i, f in enumerate(course.followups)]
    out: dict[str, int | float | None] = {"pain": _latest(pain)}
    for measure in ("rmdq", "odi", "peg"):
        out[measure] = _latest(
            [
                _Dated(f.date, 1, i, v)
                for i, f in enumerate(course.followups)
                if (v := getattr(f, measure)) is not None
            ]
        )
    return out


def status_of(changes: dict[str, Change | None]) -> Status:
    """§6 status: worsening first (safety), then meaningful improvement, improving, no change."""
    for measure, rule in load_tables().change.items():
        c = changes.get(measure)
        threshold = rule.worsening_points
        if c is not None and threshold is not None and c.change_points >= threshold:
            return "worsening"
    if any(c is not None and c.meaningful for c in changes.values()):
        return "meaningful_improvement"
    pain = changes["pain"]
    if pain is not None and pain.change_points < 0:
        return "improving"
    return "no_change"


def rules_for_reported_flags(intake: Intake, flags: RedFlags) -> list[Rule]:
    """§2 rules that read a red flag and fire on `intake` with its red flags replaced by
    `flags` (red flags reported after the intake, at a visit or a check-in).

    Clearances do not apply to newly reported flags, so every such rule counts.
    """
    if not flags.raised():
        return []
    visit = intake.model_copy(update={"red_flags": flags})
    facts = intake_facts(visit)
    return [r for r in load_tables().referral if r.reads_red_flags and r.when(facts)]


def new_red_flag_rules(intake: Intake, course: Course) -> list[Rule]:
    """AL-NEW-RED-FLAG's rules: those firing with the latest session's new red flags."""
    if not course.sessions:
        return []
    return rules_for_reported_flags(intake, course.sessions[-1].new_red_flags)


def _course_facts(
    course: Course, assessment: Assessment, status: Status, intake_fired: frozenset[str]
) -> dict[str, Any]:
    latest = course.sessions[-1] if course.sessions else None
    rules = new_red_flag_rules(course.intake, course)
    avoided = {
        name
        for name in ("swedish", "deep_tissue", "trigger_point", "myofascial_release")
        if getattr(assessment.techniques, name).verdict == "avoid"
    }
    limit = assessment.max_pressure
    return {
        "sessions_done": len(course.sessions),
        "status": status,
        "intake_disposition": assessment.disposition,
        "intake_referral_urgency": None
        if assessment.referral is None
        else assessment.referral.urgency,
        "intake_fired": intake_fired,
        "intake_max_pressure": limit,
        "new_red_flags": latest.new_red_flags.raised() if latest else (),
        "new_red_flag_rules": tuple(r.id for r in rules),
        "new_red_flag_emergency": any(r.urgency == "emergency" for r in rules),
        "latest.side_effects": latest.side_effects if latest else (),
        "latest.side_effect_hours": latest.side_effect_hours if latest else None,
        "latest.pressure": latest.pressure if latest else None,
        # Any massage while no massage was advised (max_pressure null) exceeds the limit.
        "latest_pressure_exceeded": latest is not None
        and (limit is None or PRESSURE_ORDER[latest.pressure] > PRESSURE_ORDER[limit]),
        "latest_avoided_techniques": (
            tuple(t for t in latest.techniques if t in avoided) if latest else ()
        ),
    }


def progress(course: Course) -> Progress:
    """Apply clinical-rules-v1 §6 to a validated course."""
    tables = load_tables()
    latest = latest_values(course)
    baseline = course.baseline
    # With no sessions and no follow-ups the latest pain is the baseline itself.
    last_pain = latest["pain"]
    changes: dict[str, Change | None] = {
        "pain": change("pain", baseline.pain, baseline.pain if last_pain is None else last_pain)
    }
    for measure in ("rmdq", "odi", "peg"):
        base, last = getattr(baseline, measure), latest[measure]
        changes[measure] = None if base is None or last is None else change(measure, base, last)
    status = status_of(changes)

    assessment = assess(course.intake)
    facts = _course_facts(course, assessment, status, frozenset(assessment.trace))
    alerts: list[Alert] = []
    for rule in tables.alerts:
        if not rule.when(facts):
            continue
        step = cast(NextStep, rule.next_step)
        if rule.emergency_when is not None and rule.emergency_when(facts):
            step = "emergency"
        alerts.append(
            Alert(
                rule.id,
                fill(rule.text, facts),
                rule.sources,
                fill(rule.therapist_text, facts),
                step,
            )
        )
    next_step: NextStep = max(
        (a.next_step for a in alerts), key=NEXT_STEP_SEVERITY.__getitem__, default="continue"
    )
    pain = changes["pain"]
    assert pain is not None  # pain always has a change object
    return Progress(
        schema=PROGRESS_SCHEMA,
        rules_version=tables.version,
        sessions_done=len(course.sessions),
        pain=pain,
        rmdq=changes["rmdq"],
        odi=changes["odi"],
        peg=changes["peg"],
        status=status,
        next_step=next_step,
        alerts=tuple(alerts),
        trace=tuple(a.rule for a in alerts),
    )
