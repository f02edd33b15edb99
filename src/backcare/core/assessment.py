"""`assess(intake) -> Assessment`: clinical-rules-v1 §1-§5 applied to one intake.

This module holds no clinical rule of its own. It derives the §1 measures, then walks the rule
tables in trace order, stage by stage:

1. §2 referral and §3 contraindication rules: a fired rule is cleared (§3a) or joins the referral;
2. §4 precautions: caps, precaution findings, extra `avoid`s;
3. disposition and pressure limit; if massage may not proceed, stop there (§5);
4. §5 technique fit rules, then the plan rules.

Every fired rule is appended to `trace` as it fires, so the trace is in table order by
construction. The tables' content (conditions, caps, texts, sources) is data: see rules/data/.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
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
from backcare.core.rules.tables import INTAKE_FIELD_FACTS, Rule, Tables, load_tables
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
    Pressure,
    Urgency,
)

_FIELD_GETTERS: tuple[tuple[str, Callable[[Intake], Any]], ...] = tuple(
    (name, attrgetter(name)) for name in sorted(INTAKE_FIELD_FACTS)
)
_DISPOSITION_BY_SEVERITY = {v: k for k, v in DISPOSITION_SEVERITY.items()}
_URGENCY_BY_SEVERITY = {v: k for k, v in URGENCY_SEVERITY.items()}
_FIRM: Pressure = "firm"


def pain_category(duration_weeks: float) -> PainCategory:
    """§1: acute under 6 weeks, subacute 6 to 12 weeks inclusive, chronic over 12 (vantulder2006)."""
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
    facts: dict[str, Any] = {name: get(intake) for name, get in _FIELD_GETTERS}
    duration = intake.pain.duration_weeks
    facts["category"] = pain_category(duration)
    facts["severity"] = pain_severity(intake.pain.intensity)
    facts["onset_age"] = onset_age(intake.age, duration)
    startback = None if intake.startback is None else score_startback(intake.startback)
    facts["startback"] = startback
    facts["startback_risk"] = None if startback is None else startback.risk
    facts["max_pressure"] = None
    facts["recommended"] = set()
    facts["fired"] = set()
    for predicate in load_tables().predicates:
        facts[predicate.name] = predicate.when(facts)
    return facts


def finding(rule: Rule, facts: dict[str, Any] | None = None) -> Finding:
    """A rule's finding; its texts may name facts (`{preferences.pressure}`)."""
    if facts is None:
        return _static_finding(rule)
    return Finding(rule.id, fill(rule.text, facts), rule.sources, fill(rule.therapist_text, facts))


_STATIC: dict[str, Finding] = {}


def _static_finding(rule: Rule) -> Finding:
    # Findings without placeholders never change: build each once.
    cached = _STATIC.get(rule.id)
    if cached is None:
        cached = _STATIC[rule.id] = Finding(rule.id, rule.text, rule.sources, rule.therapist_text)
    return cached


def assess(intake: Intake) -> Assessment:
    """Apply clinical-rules-v1 to a validated intake."""
    tables = load_tables()
    facts = intake_facts(intake)
    fired: set[str] = facts["fired"]
    trace: list[str] = []

    def fire(rule: Rule) -> None:
        trace.append(rule.id)
        fired.add(rule.id)

    # §2-§3: referral and contraindications, with §3a clearances.
    clearances = {c.rule: c for c in intake.clearances}
    disposition = 0
    urgency = -1
    reasons: list[Finding] = []
    cleared: list[ClearedFinding] = []
    for rule in tables.referral + tables.contraindications:
        if not rule.when(facts):
            continue
        fire(rule)
        clearance = clearances.get(rule.id) if rule.clearable else None
        if clearance is not None:
            cleared.append(
                ClearedFinding(
                    rule.id,
                    rule.text,
                    rule.sources,
                    rule.therapist_text,
                    cleared_on=clearance.date.isoformat(),
                    cleared_by=clearance.by,
                    note=clearance.note,
                )
            )
            continue
        reasons.append(finding(rule))
        disposition = max(disposition, DISPOSITION_SEVERITY[cast(str, rule.disposition)])
        urgency = max(urgency, URGENCY_SEVERITY[cast(str, rule.urgency)])

    # §4: precautions and pressure caps. PREF-PRESSURE's cap is the client's own preference.
    # `limits`: (finding, cap rank or None, techniques it avoids), in table order.
    limits: list[tuple[Finding, int | None, tuple[str, ...]]] = []
    precautions: list[Finding] = []
    for rule in tables.precautions:
        if not rule.when(facts):
            continue
        fire(rule)
        is_preference = rule.cap == "preference"
        found = finding(rule, facts) if is_preference else finding(rule)
        cap = intake.preferences.pressure if is_preference else rule.cap
        rank = None if cap is None or cap == "none" else PRESSURE_ORDER[cap]
        limits.append((found, rank, rule.avoid))
        if rule.precaution:
            precautions.append(found)
            disposition = max(disposition, DISPOSITION_SEVERITY["proceed_with_precautions"])

    result_disposition = cast(Disposition, _DISPOSITION_BY_SEVERITY[disposition])
    referral = (
        None
        if not reasons
        else Referral(cast(Urgency, _URGENCY_BY_SEVERITY[urgency]), tuple(reasons))
    )
    measures = Measures(
        pain_category=facts["category"],
        pain_severity=facts["severity"],
        startback=(
            None
            if facts["startback"] is None
            else StartBack(
                facts["startback"].total, facts["startback"].psychosocial, facts["startback_risk"]
            )
        ),
    )

    if result_disposition not in PROCEEDING:
        # §5: no massage. Every technique is avoided for the referral's reasons.
        avoid = TechniqueVerdict("avoid", tuple(reasons))
        return Assessment(
            schema=ASSESSMENT_SCHEMA,
            rules_version=tables.version,
            disposition=result_disposition,
            referral=referral,
            max_pressure=None,
            techniques=Techniques(avoid, avoid, avoid, avoid),
            precautions=tuple(precautions),
            cleared=tuple(cleared),
            plan=None,
            measures=measures,
            trace=tuple(trace),
        )

    limit = min((r for _, r, _ in limits if r is not None), default=PRESSURE_ORDER[_FIRM])
    max_pressure = cast(Pressure, ("light", "medium", "firm")[limit])
    facts["max_pressure"] = max_pressure
    verdicts = _technique_verdicts(tables, facts, limits, fire)
    plan = _plan(tables, facts, fire)
    return Assessment(
        schema=ASSESSMENT_SCHEMA,
        rules_version=tables.version,
        disposition=result_disposition,
        referral=referral,
        max_pressure=max_pressure,
        techniques=Techniques(**verdicts),
        precautions=tuple(precautions),
        cleared=tuple(cleared),
        plan=plan,
        measures=measures,
        trace=tuple(trace),
    )


def _technique_verdicts(
    tables: Tables,
    facts: dict[str, Any],
    limits: list[tuple[Finding, int | None, tuple[str, ...]]],
    fire: Callable[[Rule], None],
) -> dict[str, TechniqueVerdict]:
    # §5: a technique is avoided when a cap is below the pressure it needs (reasons: every such
    # capping rule) or a rule avoids it by name (PR-ACUTE-INJURY); reasons stay in table order.
    avoided: dict[str, tuple[Finding, ...]] = {}
    for technique in TECHNIQUES:
        minimum = PRESSURE_ORDER[tables.technique_minimum[technique]]
        why = tuple(
            f
            for f, cap, avoid in limits
            if (cap is not None and cap < minimum) or technique in avoid
        )
        if why:
            avoided[technique] = why
    recommended: set[str] = facts["recommended"]
    because: dict[str, Finding] = {}
    for rule in tables.techniques:
        technique = cast(str, rule.technique)
        if technique in avoided or not rule.when(facts):
            continue  # a fit rule whose technique is avoided does not fire
        fire(rule)
        recommended.add(technique)
        because.setdefault(technique, finding(rule))
    return {
        t: (
            TechniqueVerdict("avoid", avoided[t])
            if t in avoided
            else TechniqueVerdict("recommended", (because[t],))
            if t in because
            else TechniqueVerdict("suitable", ())
        )
        for t in TECHNIQUES
    }


def _plan(tables: Tables, facts: dict[str, Any], fire: Callable[[Rule], None]) -> Plan:
    values: dict[str, int] = {}
    lists: dict[str, list[Finding]] = {"co_treatments": [], "self_care": []}
    for rule in tables.plan:
        if not rule.when(facts):
            continue
        fire(rule)
        values.update(rule.plan_values)
        if rule.plan_list in lists:
            lists[cast(str, rule.plan_list)].append(finding(rule))
    return Plan(
        session_minutes=values["session_minutes"],
        sessions_per_week=values["sessions_per_week"],
        planned_sessions=values["planned_sessions"],
        reassess_after_sessions=values["reassess_after_sessions"],
        co_treatments=tuple(lists["co_treatments"]),
        self_care=tuple(lists["self_care"]),
    )
