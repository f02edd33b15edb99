"""`assess(intake) -> Assessment`: clinical-rules-v1 §1-§5 applied to one intake.

This module holds no clinical rule of its own: the conditions, caps, texts and sources are data
(rules/data/). It works in two steps:

`evaluate(intake) -> Firing` derives the §1 measures and walks the tables in trace order:
1. §2 referral and §3 contraindication rules: a fired rule is cleared (§3a) or joins the referral;
2. §4 precautions: caps, precautions, extra `avoid`s;
3. disposition and pressure limit; if massage may not proceed, stop there (§5);
4. §5 technique fit rules, then the plan rules.
Every fired rule is appended to the trace as it fires, so the trace is in table order by
construction. A `Firing` holds only rule ids, enum values and the clearance details.

`compose(firing) -> Assessment` turns those ids into the answer's findings. The answer depends
on the intake only through its Firing, so compose is memoised: the same pattern of fired rules
is composed (and serialised) once, however many intakes share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any, cast

from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import score_startback
from backcare.core.models import Intake
from backcare.core.results import (
    Assessment,
    ClearedFinding,
    Finding,
    Measures,
    Plan,
    Referral,
    StartBack,
    Techniques,
    TechniqueVerdict,
)
from backcare.core.rules.tables import INTAKE_FIELD_FACTS, load_tables
from backcare.core.rules.text import fill
from backcare.core.vocabulary import (
    ASSESSMENT_SCHEMA,
    DISPOSITION_SEVERITY,
    PRESSURE_ORDER,
    PROCEEDING,
    TECHNIQUES,
    URGENCY_SEVERITY,
    Disposition,
    PainCategory,
    PainSeverity,
    Pressure,
    StartBackRisk,
    Urgency,
    Verdict,
)

# Every intake field a rule may read, as dotted fact names, fetched in one C-level call.
_FIELD_NAMES = tuple(sorted(INTAKE_FIELD_FACTS))
_fields = attrgetter(*_FIELD_NAMES)
_DISPOSITION_BY_SEVERITY = {v: k for k, v in DISPOSITION_SEVERITY.items()}
_URGENCY_BY_SEVERITY = {v: k for k, v in URGENCY_SEVERITY.items()}
_PRESSURES: tuple[Pressure, ...] = ("light", "medium", "firm")
_PROCEED_WITH_PRECAUTIONS = DISPOSITION_SEVERITY["proceed_with_precautions"]
_PROCEEDING = frozenset(DISPOSITION_SEVERITY[d] for d in PROCEEDING)


def pain_category(duration_weeks: float) -> PainCategory:
    """§1: acute under 6 weeks, subacute 6-12 weeks inclusive, chronic over 12 (vantulder2006)."""
    if duration_weeks < 6:
        return "acute"
    if duration_weeks <= 12:
        return "subacute"
    return "chronic"


def onset_age(age: int, duration_weeks: float) -> Decimal:
    """§1: age when this episode began, in years, not rounded (decimal, so 45 is exactly 45)."""
    return Decimal(age) - Decimal(repr(duration_weeks)) / Decimal(52)


def intake_facts(intake: Intake) -> dict[str, Any]:
    """The facts the tables' conditions read: the intake's fields plus the §1 measures."""
    facts: dict[str, Any] = dict(zip(_FIELD_NAMES, _fields(intake), strict=True))
    duration = intake.pain.duration_weeks
    facts["category"] = pain_category(duration)
    facts["severity"] = pain_severity(intake.pain.intensity)
    facts["onset_age"] = onset_age(intake.age, duration)
    score = None if intake.startback is None else score_startback(intake.startback)
    facts["startback_score"] = score  # for the answer's measures; no rule reads it
    facts["startback_risk"] = None if score is None else score.risk
    facts["max_pressure"] = None
    facts["recommended"] = set()
    facts["fired"] = []  # the trace so far: rule ids in firing order
    for predicate in load_tables().predicates:
        facts[predicate.name] = bool(predicate.when.test(facts))
    return facts


@dataclass(frozen=True, slots=True)
class Firing:
    """Which rules fired for one intake and what they decided, as ids and enum values."""

    trace: tuple[str, ...]
    disposition: Disposition
    urgency: Urgency | None
    referral: tuple[str, ...]  # uncleared §2/§3 rule ids
    cleared: tuple[tuple[str, str, str, str], ...]  # (rule, date, by, note)
    precautions: tuple[str, ...]
    max_pressure: Pressure | None
    # per technique, in TECHNIQUES order: (verdict, reason rule ids)
    verdicts: tuple[tuple[str, tuple[str, ...]], ...]
    co_treatments: tuple[str, ...] | None  # None: no plan
    self_care: tuple[str, ...]
    plan_values: tuple[tuple[str, int], ...]
    preference: Pressure | None  # PREF-PRESSURE's text names it
    pain_category: PainCategory
    pain_severity: str
    startback: tuple[int, int, str] | None


def evaluate(intake: Intake) -> Firing:
    """Decide which rules fire for `intake` (clinical-rules-v1 §2-§5), in trace order."""
    tables = load_tables()
    facts = intake_facts(intake)
    trace: list[str] = facts["fired"]
    fire = trace.append

    # §2-§3: referral and contraindications, with §3a clearances.
    clearances = {c.rule: c for c in intake.clearances}
    disposition = 0
    urgency = -1
    referral: list[str] = []
    cleared: list[tuple[str, str, str, str]] = []
    for rule in tables.referral_rules:
        if not rule.when.test(facts):
            continue
        fire(rule.id)
        clearance = clearances.get(rule.id) if rule.clearable else None
        if clearance is not None:
            cleared.append((rule.id, clearance.date.isoformat(), clearance.by, clearance.note))
            continue
        referral.append(rule.id)
        disposition = max(disposition, DISPOSITION_SEVERITY[cast(str, rule.disposition)])
        urgency = max(urgency, URGENCY_SEVERITY[cast(str, rule.urgency)])

    # §4: precautions and pressure caps. PREF-PRESSURE's cap is the client's own preference.
    # `limits`: (rule id, cap rank or None, techniques it avoids by name), in table order.
    preference = intake.preferences.pressure
    limits: list[tuple[str, int | None, tuple[str, ...]]] = []
    precautions: list[str] = []
    for rule in tables.precautions:
        if not rule.when.test(facts):
            continue
        fire(rule.id)
        cap = preference if rule.cap == "preference" else rule.cap
        rank = None if cap is None or cap == "none" else PRESSURE_ORDER[cap]
        limits.append((rule.id, rank, rule.avoid))
        if rule.precaution:
            precautions.append(rule.id)
            disposition = max(disposition, _PROCEED_WITH_PRECAUTIONS)

    score = facts["startback_score"]
    common = {
        "disposition": cast(Disposition, _DISPOSITION_BY_SEVERITY[disposition]),
        "urgency": cast(Urgency, _URGENCY_BY_SEVERITY[urgency]) if referral else None,
        "referral": tuple(referral),
        "cleared": tuple(cleared),
        "precautions": tuple(precautions),
        "preference": preference,
        "pain_category": facts["category"],
        "pain_severity": facts["severity"],
        "startback": None if score is None else (score.total, score.psychosocial, score.risk),
    }
    if disposition not in _PROCEEDING:
        # §5: no massage: every technique avoided for the referral's reasons; no TQ/PL/CT/SC.
        avoid = ("avoid", tuple(referral))
        return Firing(
            trace=tuple(trace),
            max_pressure=None,
            verdicts=(avoid, avoid, avoid, avoid),
            co_treatments=None,
            self_care=(),
            plan_values=(),
            **common,
        )

    limit = min((r for _, r, _ in limits if r is not None), default=PRESSURE_ORDER["firm"])
    max_pressure = _PRESSURES[limit]
    facts["max_pressure"] = max_pressure

    # §5: a technique is avoided when a cap is below the pressure it needs (reasons: every such
    # capping rule) or a rule avoids it by name (PR-ACUTE-INJURY); reasons stay in table order.
    avoided: dict[str, tuple[str, ...]] = {}
    for technique in TECHNIQUES:
        minimum = PRESSURE_ORDER[tables.technique_minimum[technique]]
        why = tuple(
            rid
            for rid, cap, avoid in limits
            if (cap is not None and cap < minimum) or technique in avoid
        )
        if why:
            avoided[technique] = why
    recommended: set[str] = facts["recommended"]
    because: dict[str, str] = {}
    for rule in tables.techniques:
        fits = cast(str, rule.technique)
        if fits in avoided or not rule.when.test(facts):
            continue  # a fit rule whose technique is avoided does not fire
        fire(rule.id)
        recommended.add(fits)
        because.setdefault(fits, rule.id)
    verdicts = tuple(
        ("avoid", avoided[t])
        if t in avoided
        else ("recommended", (because[t],))
        if t in because
        else ("suitable", ())
        for t in TECHNIQUES
    )

    values: dict[str, int] = {}
    lists: dict[str, list[str]] = {"co_treatments": [], "self_care": [], "none": []}
    for rule in tables.plan:
        if not rule.when.test(facts):
            continue
        fire(rule.id)
        values.update(rule.plan_values)
        lists[cast(str, rule.plan_list)].append(rule.id)
    return Firing(
        trace=tuple(trace),
        max_pressure=max_pressure,
        verdicts=verdicts,
        co_treatments=tuple(lists["co_treatments"]),
        self_care=tuple(lists["self_care"]),
        plan_values=tuple(values.items()),
        **common,
    )


def assess(intake: Intake) -> Assessment:
    """Apply clinical-rules-v1 to a validated intake."""
    return compose(evaluate(intake))


@lru_cache(maxsize=8192)
def compose(firing: Firing) -> Assessment:
    """The answer for a pattern of fired rules: findings, verdicts and plan (memoised)."""
    tables = load_tables()
    facts = {"preferences.pressure": firing.preference}

    def finding(rule_id: str) -> Finding:
        rule = tables.rule(rule_id)
        return Finding(
            rule.id, fill(rule.text, facts), rule.sources, fill(rule.therapist_text, facts)
        )

    reasons = tuple(finding(r) for r in firing.referral)
    cleared = tuple(
        ClearedFinding(
            rule.id,
            rule.text,
            rule.sources,
            rule.therapist_text,
            cleared_on=on,
            cleared_by=by,
            note=note,
        )
        for rule_id, on, by, note in firing.cleared
        for rule in (tables.rule(rule_id),)
    )
    verdicts = [
        TechniqueVerdict(cast(Verdict, verdict), tuple(finding(r) for r in why))
        for verdict, why in firing.verdicts
    ]
    plan = None
    if firing.co_treatments is not None:
        values = dict(firing.plan_values)
        plan = Plan(
            session_minutes=values["session_minutes"],
            sessions_per_week=values["sessions_per_week"],
            planned_sessions=values["planned_sessions"],
            reassess_after_sessions=values["reassess_after_sessions"],
            co_treatments=tuple(finding(r) for r in firing.co_treatments),
            self_care=tuple(finding(r) for r in firing.self_care),
        )
    sb = firing.startback
    return Assessment(
        schema=ASSESSMENT_SCHEMA,
        rules_version=tables.version,
        disposition=firing.disposition,
        referral=None if firing.urgency is None else Referral(firing.urgency, reasons),
        max_pressure=firing.max_pressure,
        techniques=Techniques(*verdicts),
        precautions=tuple(finding(r) for r in firing.precautions),
        cleared=cleared,
        plan=plan,
        measures=Measures(
            pain_category=firing.pain_category,
            pain_severity=cast(PainSeverity, firing.pain_severity),
            startback=None if sb is None else StartBack(sb[0], sb[1], cast(StartBackRisk, sb[2])),
        ),
        trace=firing.trace,
    )
