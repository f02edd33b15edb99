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
from typing import Any, NamedTuple, cast

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
_DISPOSITION_BY_SEVERITY: dict[int, Disposition] = {
    v: cast(Disposition, k) for k, v in DISPOSITION_SEVERITY.items()
}
_URGENCY_BY_SEVERITY: dict[int, Urgency] = {
    v: cast(Urgency, k) for k, v in URGENCY_SEVERITY.items()
}
_PRESSURES: tuple[Pressure, ...] = ("light", "medium", "firm")
_PROCEED_WITH_PRECAUTIONS = DISPOSITION_SEVERITY["proceed_with_precautions"]
_PROCEEDING = frozenset(DISPOSITION_SEVERITY[d] for d in PROCEEDING)
_RANK = PRESSURE_ORDER
_SUITABLE: tuple[str, tuple[str, ...]] = ("suitable", ())


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
    for name, test in _stages().predicates:
        facts[name] = bool(test(facts))
    return facts


class Firing(NamedTuple):
    """Which rules fired for one intake and what they decided, as ids and enum values.

    A NamedTuple: immutable and hashable (it is the memo key of `compose`), and cheap to build.
    """

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


@dataclass(frozen=True)
class _Stages:
    """The tables flattened into plain tuples for `evaluate`, built once: the inner loops then
    do no attribute lookups or enum conversions per rule (this is the hot path)."""

    # (test, id, clearable, disposition rank, urgency rank)
    referral: tuple[tuple[Any, str, bool, int, int], ...]
    # (test, id, cap, is a precaution, techniques avoided by name)
    precautions: tuple[tuple[Any, str, str, bool, tuple[str, ...]], ...]
    techniques: tuple[tuple[Any, str, str], ...]  # (test, id, technique)
    plan: tuple[tuple[Any, str, str, tuple[tuple[str, int], ...]], ...]
    minimum: tuple[tuple[str, int], ...]  # (technique, rank of the pressure it needs)
    predicates: tuple[tuple[str, Any], ...]  # (name, test), in the order they are defined


@lru_cache(maxsize=1)
def _stages() -> _Stages:
    t = load_tables()
    return _Stages(
        referral=tuple(
            (
                r.when.test,
                r.id,
                r.clearable,
                DISPOSITION_SEVERITY[cast(str, r.disposition)],
                URGENCY_SEVERITY[cast(str, r.urgency)],
            )
            for r in t.referral_rules
        ),
        precautions=tuple(
            (r.when.test, r.id, cast(str, r.cap), r.precaution, r.avoid) for r in t.precautions
        ),
        techniques=tuple((r.when.test, r.id, cast(str, r.technique)) for r in t.techniques),
        plan=tuple(
            (r.when.test, r.id, cast(str, r.plan_list), tuple(r.plan_values.items()))
            for r in t.plan
        ),
        minimum=tuple((name, PRESSURE_ORDER[t.technique_minimum[name]]) for name in TECHNIQUES),
        predicates=tuple((p.name, p.when.test) for p in t.predicates),
    )


def evaluate(intake: Intake) -> Firing:
    """Decide which rules fire for `intake` (clinical-rules-v1 §2-§5), in trace order."""
    stages = _stages()
    facts = intake_facts(intake)
    trace: list[str] = facts["fired"]
    fire = trace.append

    # §2-§3: referral and contraindications, with §3a clearances.
    clearances = {c.rule: c for c in intake.clearances}
    disposition = 0
    urgency = -1
    referral: list[str] = []
    cleared: list[tuple[str, str, str, str]] = []
    for test, rule_id, clearable, rule_disposition, rule_urgency in stages.referral:
        if not test(facts):
            continue
        fire(rule_id)
        clearance = clearances.get(rule_id) if clearable and clearances else None
        if clearance is not None:
            cleared.append((rule_id, clearance.date.isoformat(), clearance.by, clearance.note))
            continue
        referral.append(rule_id)
        if rule_disposition > disposition:
            disposition = rule_disposition
        if rule_urgency > urgency:
            urgency = rule_urgency

    # §4: precautions and pressure caps. PREF-PRESSURE's cap is the client's own preference.
    # `limits`: (rule id, cap rank or None, techniques it avoids by name), in table order.
    preference = intake.preferences.pressure
    limits: list[tuple[str, int | None, tuple[str, ...]]] = []
    precautions: list[str] = []
    for test, rule_id, rule_cap, precaution, avoid in stages.precautions:
        if not test(facts):
            continue
        fire(rule_id)
        cap = preference if rule_cap == "preference" else rule_cap
        limits.append((rule_id, None if cap is None or cap == "none" else _RANK[cap], avoid))
        if precaution:
            precautions.append(rule_id)
            if disposition < _PROCEED_WITH_PRECAUTIONS:
                disposition = _PROCEED_WITH_PRECAUTIONS

    score = facts["startback_score"]
    common = {
        "disposition": _DISPOSITION_BY_SEVERITY[disposition],
        "urgency": _URGENCY_BY_SEVERITY[urgency] if referral else None,
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
        avoid_all = ("avoid", tuple(referral))
        return Firing(
            trace=tuple(trace),
            max_pressure=None,
            verdicts=(avoid_all, avoid_all, avoid_all, avoid_all),
            co_treatments=None,
            self_care=(),
            plan_values=(),
            **common,
        )

    limit = min((r for _, r, _ in limits if r is not None), default=_RANK["firm"])
    max_pressure = _PRESSURES[limit]
    facts["max_pressure"] = max_pressure

    # §5: a technique is avoided when a cap is below the pressure it needs (reasons: every such
    # capping rule) or a rule avoids it by name (PR-ACUTE-INJURY); reasons stay in table order.
    avoided: dict[str, tuple[str, ...]] = {}
    if limits:
        for technique, minimum in stages.minimum:
            why = tuple(
                rid
                for rid, cap_rank, avoid in limits
                if (cap_rank is not None and cap_rank < minimum) or technique in avoid
            )
            if why:
                avoided[technique] = why
    recommended: set[str] = facts["recommended"]
    because: dict[str, str] = {}
    for test, rule_id, fits in stages.techniques:
        if fits in avoided or not test(facts):
            continue  # a fit rule whose technique is avoided does not fire
        fire(rule_id)
        recommended.add(fits)
        if fits not in because:
            because[fits] = rule_id
    verdicts = tuple(
        ("avoid", avoided[t])
        if t in avoided
        else ("recommended", (because[t],))
        if t in because
        else _SUITABLE
        for t in TECHNIQUES
    )

    values: list[tuple[str, int]] = []
    lists: dict[str, list[str]] = {"co_treatments": [], "self_care": [], "none": []}
    for test, rule_id, plan_list, plan_values in stages.plan:
        if not test(facts):
            continue
        fire(rule_id)
        values += plan_values
        lists[plan_list].append(rule_id)
    return Firing(
        trace=tuple(trace),
        max_pressure=max_pressure,
        verdicts=verdicts,
        co_treatments=tuple(lists["co_treatments"]),
        self_care=tuple(lists["self_care"]),
        plan_values=tuple(values),
        **common,
    )


def assess(intake: Intake) -> Assessment:
    """Apply clinical-rules-v1 to a validated intake."""
    return compose(evaluate(intake))


_FINDINGS: dict[tuple[str, str | None], Finding] = {}


def finding(rule_id: str, preference: Pressure | None = None) -> Finding:
    """A rule's finding. Findings are constants (PREF-PRESSURE's text names the preference), so
    each is built, and its JSON text encoded, once per process and then shared."""
    key = (rule_id, preference)
    found = _FINDINGS.get(key)
    if found is None:
        rule = load_tables().rule(rule_id)
        facts = {"preferences.pressure": preference}
        found = Finding(
            rule.id, fill(rule.text, facts), rule.sources, fill(rule.therapist_text, facts)
        )
        _FINDINGS[key] = found
    return found


def _findings(rule_ids: tuple[str, ...], preference: Pressure | None) -> tuple[Finding, ...]:
    return tuple(finding(r, preference if r == "PREF-PRESSURE" else None) for r in rule_ids)


# The parts of an answer repeat far more than whole answers do, so each part is memoised on its
# own (bounded): a new pattern of fired rules is mostly assembled from parts already built, with
# their JSON text already encoded.


@lru_cache(maxsize=2048)
def _verdict(
    verdict: Verdict, rule_ids: tuple[str, ...], preference: Pressure | None
) -> TechniqueVerdict:
    return TechniqueVerdict(verdict, _findings(rule_ids, preference))


@lru_cache(maxsize=1024)
def _referral(urgency: Urgency, rule_ids: tuple[str, ...]) -> Referral:
    return Referral(urgency, _findings(rule_ids, None))


@lru_cache(maxsize=1024)
def _plan(
    co_treatments: tuple[str, ...], self_care: tuple[str, ...], values: tuple[tuple[str, int], ...]
) -> Plan:
    numbers = dict(values)
    return Plan(
        session_minutes=numbers["session_minutes"],
        sessions_per_week=numbers["sessions_per_week"],
        planned_sessions=numbers["planned_sessions"],
        reassess_after_sessions=numbers["reassess_after_sessions"],
        co_treatments=_findings(co_treatments, None),
        self_care=_findings(self_care, None),
    )


@lru_cache(maxsize=512)
def _measures(
    category: PainCategory, severity: str, startback: tuple[int, int, str] | None
) -> Measures:
    return Measures(
        pain_category=category,
        pain_severity=cast(PainSeverity, severity),
        startback=(
            None
            if startback is None
            else StartBack(startback[0], startback[1], cast(StartBackRisk, startback[2]))
        ),
    )


@lru_cache(maxsize=1024)
def compose(firing: Firing) -> Assessment:
    """The answer for a pattern of fired rules: findings, verdicts and plan (memoised; the
    bounds keep memory flat however many intakes are assessed)."""
    tables = load_tables()
    preference = firing.preference
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
    swedish, deep, trigger, mfr = (
        _verdict(cast(Verdict, verdict), why, preference) for verdict, why in firing.verdicts
    )
    return Assessment(
        schema=ASSESSMENT_SCHEMA,
        rules_version=tables.version,
        disposition=firing.disposition,
        referral=None if firing.urgency is None else _referral(firing.urgency, firing.referral),
        max_pressure=firing.max_pressure,
        techniques=Techniques(swedish, deep, trigger, mfr),
        precautions=_findings(firing.precautions, None),
        cleared=cleared,
        plan=(
            None
            if firing.co_treatments is None
            else _plan(firing.co_treatments, firing.self_care, firing.plan_values)
        ),
        measures=_measures(firing.pain_category, firing.pain_severity, firing.startback),
        trace=firing.trace,
    )
