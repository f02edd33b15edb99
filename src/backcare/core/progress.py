"""`progress(course) -> Progress`: clinical-rules-v1.1 §6 over a course of treatment.

Change scores are computed in decimal arithmetic from the values as written (6.1 stays 6.1, no
binary-float noise) and percentages are rounded half away from zero to one decimal. The alert
table (rules/data/alerts.toml) is evaluated against the facts built in `_course_facts`; the
thresholds of meaningful change and worsening are rules/data/change.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

from backcare.core.assessment import assess, intake_facts
from backcare.core.models import Course, Followup, Intake, RedFlags, Review, Session
from backcare.core.results import Alert, Assessment, Change, Progress
from backcare.core.rounding import round_half_up, to_decimal
from backcare.core.rules.tables import Rule, load_tables
from backcare.core.rules.text import fill
from backcare.core.vocabulary import (
    NEXT_STEP_SEVERITY,
    PRESSURE_ORDER,
    PROGRESS_SCHEMA,
    RED_FLAG_NAMES,
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


def latest_pain_entry(course: Course) -> tuple[Literal["session", "followup"], int] | None:
    """Which entry gives the latest pain (§6): ("session", i) for the i-th session's
    pain_before, ("followup", i) for the i-th follow-up; None when the baseline stands."""
    entries = [(s.date, 0, i) for i, s in enumerate(course.sessions)]
    entries += [(f.date, 1, i) for i, f in enumerate(course.followups)]
    if not entries:
        return None
    _, rank, index = max(entries)
    return ("followup" if rank else "session"), index


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


@dataclass(frozen=True, slots=True)
class Visit:
    """A session or a follow-up (a client's check-in): what was reported at it (§6, v1.1)."""

    kind: Literal["session", "followup"]
    index: int  # position in its own list
    date: date
    side_effects: tuple[str, ...]
    side_effect_hours: int | float | None
    flags: RedFlags  # new_red_flags, plus fever when `fever` is among the side effects


def visits(course: Course) -> list[Visit]:
    """The course's visits: its sessions, then its follow-ups, each list in its own order."""
    out = []
    visited: list[tuple[Literal["session", "followup"], int, Session | Followup]] = [
        *(("session", i, s) for i, s in enumerate(course.sessions)),
        *(("followup", i, f) for i, f in enumerate(course.followups)),
    ]
    for kind, i, v in visited:
        flags = v.new_red_flags
        if "fever" in v.side_effects and not flags.fever:
            # §6: a fever side effect at a visit also counts as that visit's red flag.
            flags = flags.model_copy(update={"fever": True})
        out.append(Visit(kind, i, v.date, v.side_effects, v.side_effect_hours, flags))
    return out


def _visit_facts(intake: Intake, flags: RedFlags) -> dict[str, Any]:
    """The intake's facts with these red flags, the pain taken as new (category `acute`; the
    predicates are worked out with it, since one of them reads it)."""
    return intake_facts(intake.model_copy(update={"red_flags": flags}), category="acute")


def raised_at(intake: Intake, visit_flags: RedFlags) -> tuple[Rule, ...]:
    """§6 "Raised at a visit": the §2 rules that read a warning sign and fire with the intake's
    flags OR the visit's, but not with the intake's alone (both with the pain taken as new,
    clearances ignored). A sign already recorded at intake is not raised again."""
    if not visit_flags.raised():
        return ()
    own = intake.red_flags
    combined = RedFlags(**{n: getattr(own, n) or getattr(visit_flags, n) for n in RED_FLAG_NAMES})
    if combined == own:
        return ()
    with_visit, intake_only = _visit_facts(intake, combined), _visit_facts(intake, own)
    return tuple(
        r
        for r in load_tables().referral
        if r.reads_red_flags and r.when(with_visit) and not r.when(intake_only)
    )


def resolved(item: str, raised_on: list[date], reviews: tuple[Review, ...]) -> bool:
    """§6 "Resolved by a review": the latest review listing `item` (by date; on the same date
    the later in the list) is dated on or after every date it was raised, does not say
    `not_advised` and, for a rule of urgency emergency, is not only the client's word."""
    listing = [(r.date, i, r) for i, r in enumerate(reviews) if item in r.rules]
    if not listing:
        return False
    _, _, review = max(listing, key=lambda t: (t[0], t[1]))
    if review.date < max(raised_on) or review.outcome == "not_advised":
        return False
    tables = load_tables()
    emergency = item in tables.by_id and tables.rule(item).urgency == "emergency"
    return not (emergency and review.source == "client_report")


@dataclass(frozen=True, slots=True)
class Raised:
    """What the visits raised and no review resolved."""

    rules: tuple[tuple[Rule, date], ...]  # in table order, with the latest date raised
    signs: tuple[str, ...]  # the visits' warning signs those rules read, in contract order
    neuro: bool  # AL-NEURO-SYMPTOMS
    fever: bool  # AL-FEVER


def _raised_by_rule(
    intake: Intake, all_visits: list[Visit]
) -> tuple[dict[str, list[date]], dict[str, set[str]]]:
    """For each §2 rule some visit raised: the dates it was raised, and the visits' warning
    signs it reads."""
    dates: dict[str, list[date]] = {}
    signs: dict[str, set[str]] = {}
    for visit in all_visits:
        for rule in raised_at(intake, visit.flags):
            dates.setdefault(rule.id, []).append(visit.date)
            signs.setdefault(rule.id, set()).update(
                n for n in visit.flags.raised() if f"red_flags.{n}" in rule.reads
            )
    return dates, signs


def _side_effect_unresolved(
    alert: str, effects: frozenset[str], all_visits: list[Visit], reviews: tuple[Review, ...]
) -> bool:
    """Whether a visit reported one of `effects` and no review of `alert` resolved it."""
    dates = [v.date for v in all_visits if effects & set(v.side_effects)]
    return bool(dates) and not resolved(alert, dates, reviews)


# §6 AL-NEURO-SYMPTOMS and §6b: the after-effects that are nerve symptoms (a check-in that
# reports one also asks the cauda equina questions).
NEURO_SIDE_EFFECTS = frozenset({"numbness", "weakness"})


def unresolved(course: Course, all_visits: list[Visit] | None = None) -> Raised:
    """Everything visits raised (§2 rules, numbness or weakness, fever) that no review resolved."""
    if all_visits is None:
        all_visits = visits(course)
    dates, signs = _raised_by_rule(course.intake, all_visits)
    rules = tuple(
        (r, max(dates[r.id]))
        for r in load_tables().referral
        if r.id in dates and not resolved(r.id, dates[r.id], course.reviews)
    )
    named = set().union(*(signs[r.id] for r, _ in rules))
    return Raised(
        rules=rules,
        signs=tuple(n for n in RED_FLAG_NAMES if n in named),
        neuro=_side_effect_unresolved(
            "AL-NEURO-SYMPTOMS", NEURO_SIDE_EFFECTS, all_visits, course.reviews
        ),
        fever=_side_effect_unresolved("AL-FEVER", frozenset({"fever"}), all_visits, course.reviews),
    )


def since_latest_session(all_visits: list[Visit]) -> list[Visit]:
    """§6: the latest session and every follow-up dated on or after it (every follow-up when
    there is no session). Earlier sessions are left out even on the same date."""
    sessions = [v for v in all_visits if v.kind == "session"]
    last = sessions[-1] if sessions else None
    return ([last] if last else []) + [
        v for v in all_visits if v.kind == "followup" and (last is None or v.date >= last.date)
    ]


def _intake_facts(assessment: Assessment, intake_fired: frozenset[str]) -> dict[str, Any]:
    """What the alerts read of the intake's assessment."""
    referral = assessment.referral
    return {
        "intake_disposition": assessment.disposition,
        "intake_referral_urgency": None if referral is None else referral.urgency,
        "intake_referral_need": load_tables().dispositions[assessment.disposition].get("need", ""),
        "intake_fired": intake_fired,
        "intake_max_pressure": assessment.max_pressure,
    }


def _raised_facts(raised: Raised) -> dict[str, Any]:
    """What the alerts read of what visits raised and no review resolved."""
    return {
        "raised_rules": tuple(r.id for r, _ in raised.rules),
        "raised_list": tuple(f"{r.id} reported {on.isoformat()}" for r, on in raised.rules),
        "raised_signs": raised.signs,
        "raised_emergency": any(r.urgency == "emergency" for r, _ in raised.rules),
        "neuro_unresolved": raised.neuro,
        "fever_unresolved": raised.fever,
    }


def _prolonged(visit: Visit) -> bool:
    # AL-PROLONGED-SORENESS: one visit reports, itself, soreness or more pain over 48 hours.
    hours = visit.side_effect_hours
    return bool({"soreness", "increased_pain"} & set(visit.side_effects)) and (
        hours is not None and hours > 48
    )


def _latest_session_facts(course: Course, assessment: Assessment) -> dict[str, Any]:
    """What the alerts read of the latest session, against the intake's assessment."""
    latest = course.sessions[-1] if course.sessions else None
    if latest is None:
        return {
            "latest.pressure": None,
            "latest_pressure_exceeded": False,
            "latest_avoided_techniques": (),
        }
    limit = assessment.max_pressure
    return {
        "latest.pressure": latest.pressure,
        # Any massage while no massage was advised (max_pressure null) exceeds the limit.
        "latest_pressure_exceeded": limit is None
        or PRESSURE_ORDER[latest.pressure] > PRESSURE_ORDER[limit],
        "latest_avoided_techniques": tuple(
            t for t in latest.techniques if getattr(assessment.techniques, t).verdict == "avoid"
        ),
    }


def _course_facts(
    course: Course, assessment: Assessment, status: Status, intake_fired: frozenset[str]
) -> dict[str, Any]:
    all_visits = visits(course)
    since = since_latest_session(all_visits)
    return {
        "sessions_done": len(course.sessions),
        "status": status,
        **_intake_facts(assessment, intake_fired),
        **_raised_facts(unresolved(course, all_visits)),
        "since.side_effects": frozenset(e for v in since for e in v.side_effects),
        "since_prolonged_soreness": any(_prolonged(v) for v in since),
        **_latest_session_facts(course, assessment),
    }


def progress(course: Course, assessment: Assessment | None = None) -> Progress:
    """Apply clinical-rules-v1.1 §6 to a validated course (`assessment`: the course intake's,
    when the caller already has it)."""
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

    if assessment is None:
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
