"""`assess(intake) -> Assessment`: clinical-rules-v1 §1-§5 applied to one intake.

This module holds no clinical rule of its own: the conditions, caps, texts and sources are data
(rules/data/). It reads like the spec, one section after another:

§1  the measures (pain category and severity, onset age, STarT Back) and the named predicates;
§2  referral rules, then §3 contraindications: a fired rule that a doctor's documented review
    may clear (§3a) and has cleared is reported as cleared; any other joins the referral, and
    the worst disposition and urgency among them stand;
§4  precautions: pressure caps, precautions (which make the disposition at least "proceed with
    precautions") and techniques avoided by name;
    then the pressure limit, and if massage may not proceed, every technique is avoided for the
    referral's reasons and there is no plan (§5 stops there);
§5  technique fit rules (a technique some §4 rule rules out cannot be recommended), then the
    plan rules.

Every rule that fires is appended to the trace as it fires, so the trace is in table order by
construction (a condition may read the trace so far: `fired`).

This is the engine the web, the API, reports and FHIR use. The command line's batch mode runs a
faster walk (`core.accelerator`) that tests/core/test_accelerator.py holds to this one byte for
byte; change a rule here (or in the tables) and the accelerator follows, or that test fails.

The models are imported for type checking only: `assess_facts` reads plain facts, so the
command line can assess an intake it checked without pydantic (see `core.accelerator`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import score_startback
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
from backcare.core.rules.tables import INTAKE_FIELD_FACTS, Rule, load_tables
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
    Verdict,
)

if TYPE_CHECKING:
    from backcare.core.models import Intake

# Every intake field a rule may read, as dotted fact names (`pain.intensity`, `red_flags.fever`).
FIELD_NAMES = tuple(sorted(INTAKE_FIELD_FACTS))
_fields = attrgetter(*FIELD_NAMES)

# A clearance as the answer reports it: (date as YYYY-MM-DD, by, note), by rule id.
Clearances = Mapping[str, tuple[str, str, str]]

_PRESSURES: tuple[Pressure, ...] = ("light", "medium", "firm")


# --- §1: measures and predicates ---------------------------------------------------------------


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


def field_facts(intake: Intake) -> dict[str, Any]:
    """The intake's fields as the facts the tables read (`FIELD_NAMES`)."""
    return dict(zip(FIELD_NAMES, _fields(intake), strict=True))


def intake_facts(intake: Intake, *, category: PainCategory | None = None) -> dict[str, Any]:
    """The facts the tables' conditions read: the intake's fields, the §1 measures and the
    named predicates. `category` replaces the pain category (§6 "raised at a visit" takes the
    pain as new)."""
    return with_measures(field_facts(intake), category=category)


def with_measures(
    fields: Mapping[str, Any], *, category: PainCategory | None = None
) -> dict[str, Any]:
    """`fields` (the intake's field facts) with the §1 measures and the predicates added, and
    the facts the walk fills in as it goes, empty."""
    facts = dict(fields)
    duration = facts["pain.duration_weeks"]
    facts["category"] = category or pain_category(duration)
    facts["severity"] = pain_severity(facts["pain.intensity"])
    facts["onset_age"] = onset_age(facts["age"], duration)
    answers = facts["startback"]
    score = None if answers is None else score_startback(answers)
    facts["startback_score"] = score  # for the answer's measures; no rule reads it
    facts["startback_risk"] = None if score is None else score.risk
    facts["max_pressure"] = None  # set once §4 has decided it
    facts["recommended"] = set()  # techniques a §5 fit rule has recommended so far
    facts["fired"] = []  # the trace so far: rule ids in firing order
    # Predicates in definition order: one may read those above it.
    for predicate in load_tables().predicates:
        facts[predicate.name] = predicate.when(facts)
    return facts


# --- §2-§5: the walk -----------------------------------------------------------------------------


def assess(intake: Intake) -> Assessment:
    """Apply clinical-rules-v1 to a validated intake."""
    clearances = {c.rule: (c.date.isoformat(), c.by, c.note) for c in intake.clearances}
    return assess_facts(intake_facts(intake), clearances)


def assess_facts(facts: dict[str, Any], clearances: Clearances) -> Assessment:
    """`assess` on facts made by `with_measures`; `clearances`: the intake's, by rule id."""
    tables = load_tables()
    fire = facts["fired"].append
    preference: Pressure | None = facts["preferences.pressure"]

    # §2-§3: referral and contraindications, with §3a clearances.
    referral: list[Rule] = []
    cleared: list[ClearedFinding] = []
    for rule in tables.referral_rules:
        if rule.when(facts):
            fire(rule.id)
            if rule.clearable and rule.id in clearances:
                cleared.append(_cleared(rule, clearances[rule.id]))
            else:
                referral.append(rule)

    # §4: precautions and pressure caps.
    limits: list[_Limit] = []
    for rule in tables.precautions:
        if rule.when(facts):
            fire(rule.id)
            cap = preference if rule.cap == "preference" else rule.cap
            limits.append(_Limit(rule, None if cap in (None, "none") else PRESSURE_ORDER[cap]))

    disposition = _disposition(referral, limits)
    urgency = _urgency(referral)
    if disposition in PROCEEDING:
        max_pressure, verdicts, plan = _massage(facts, limits)
    else:
        # §5: no massage, so every technique is avoided for the referral's reasons; no plan.
        max_pressure, plan = None, None
        verdicts = (TechniqueVerdict("avoid", _findings(referral, facts)),) * len(TECHNIQUES)
    swedish, deep_tissue, trigger_point, myofascial_release = verdicts
    return Assessment(
        schema=ASSESSMENT_SCHEMA,
        rules_version=tables.version,
        disposition=disposition,
        referral=None if urgency is None else Referral(urgency, _findings(referral, facts)),
        max_pressure=max_pressure,
        techniques=Techniques(swedish, deep_tissue, trigger_point, myofascial_release),
        precautions=_findings([lim.rule for lim in limits if lim.rule.precaution], facts),
        cleared=tuple(cleared),
        plan=plan,
        measures=_measures(facts),
        trace=tuple(facts["fired"]),
    )


def _massage(
    facts: dict[str, Any], limits: list[_Limit]
) -> tuple[Pressure, tuple[TechniqueVerdict, ...], Plan]:
    """§5 when massage may proceed: the pressure limit, the technique verdicts and the plan."""
    tables = load_tables()
    fire = facts["fired"].append
    # The pressure limit: the lowest cap, firm when nothing caps it.
    rank = min((lim.rank for lim in limits if lim.rank is not None), default=PRESSURE_ORDER["firm"])
    facts["max_pressure"] = max_pressure = _PRESSURES[rank]
    avoided: dict[str, tuple[Rule, ...]] = {
        t: why for t in TECHNIQUES if (why := _avoided_by(t, limits))
    }
    # Fit rules: one whose technique is avoided does not fire.
    recommended_by: dict[str, Rule] = {}
    for rule in tables.techniques:
        technique = cast(str, rule.technique)
        if technique not in avoided and rule.when(facts):
            fire(rule.id)
            facts["recommended"].add(technique)
            recommended_by.setdefault(technique, rule)
    # Plan rules (one may read the fit rules that fired).
    plan_rules: list[Rule] = []
    for rule in tables.plan:
        if rule.when(facts):
            fire(rule.id)
            plan_rules.append(rule)
    verdicts = tuple(_verdict(t, avoided, recommended_by, facts) for t in TECHNIQUES)
    return max_pressure, verdicts, _plan(plan_rules, facts)


class _Limit(NamedTuple):
    """A §4 rule that fired, with the rank of the pressure it caps at (None: no cap)."""

    rule: Rule
    rank: int | None


def _disposition(referral: list[Rule], limits: list[_Limit]) -> Disposition:
    """The worst disposition of the referral's rules; at least "proceed with precautions" when
    a precaution fired; "proceed" otherwise."""
    severity = max((DISPOSITION_SEVERITY[cast(str, r.disposition)] for r in referral), default=0)
    if any(lim.rule.precaution for lim in limits):
        severity = max(severity, DISPOSITION_SEVERITY["proceed_with_precautions"])
    return next(cast(Disposition, d) for d, s in DISPOSITION_SEVERITY.items() if s == severity)


def _urgency(referral: list[Rule]) -> Urgency | None:
    """The most urgent of the referral's rules (None: no referral)."""
    if not referral:
        return None
    return cast(
        Urgency, max((cast(str, r.urgency) for r in referral), key=URGENCY_SEVERITY.__getitem__)
    )


def _avoided_by(technique: str, limits: list[_Limit]) -> tuple[Rule, ...]:
    """§5: the rules that rule a technique out: a cap below the pressure it needs, or the
    technique avoided by name (PR-ACUTE-INJURY); in table order."""
    needs = PRESSURE_ORDER[load_tables().technique_minimum[technique]]
    return tuple(
        lim.rule
        for lim in limits
        if (lim.rank is not None and lim.rank < needs) or technique in lim.rule.avoid
    )


def _verdict(
    technique: str,
    avoided: Mapping[str, tuple[Rule, ...]],
    recommended_by: Mapping[str, Rule],
    facts: Mapping[str, Any],
) -> TechniqueVerdict:
    """Avoid (every rule that rules it out), recommended (the first fit rule that fired) or
    suitable (no reason either way)."""
    if technique in avoided:
        return TechniqueVerdict("avoid", _findings(avoided[technique], facts))
    if technique in recommended_by:
        return TechniqueVerdict("recommended", _findings([recommended_by[technique]], facts))
    verdict: Verdict = "suitable"
    return TechniqueVerdict(verdict, ())


def _plan(rules: list[Rule], facts: Mapping[str, Any]) -> Plan:
    """The plan rules that fired: their numbers (a later rule overrides an earlier one) and
    their co-treatments and self-care advice, in table order."""
    numbers: dict[str, int] = {}
    for rule in rules:
        numbers.update(rule.plan_values)
    return Plan(
        session_minutes=numbers["session_minutes"],
        sessions_per_week=numbers["sessions_per_week"],
        planned_sessions=numbers["planned_sessions"],
        reassess_after_sessions=numbers["reassess_after_sessions"],
        co_treatments=_findings([r for r in rules if r.plan_list == "co_treatments"], facts),
        self_care=_findings([r for r in rules if r.plan_list == "self_care"], facts),
    )


# --- the answer ----------------------------------------------------------------------------------


def finding(rule: Rule, facts: Mapping[str, Any]) -> Finding:
    """A rule's finding: its texts with the facts they name filled in (PREF-PRESSURE names the
    client's preferred pressure), and its sources."""
    return Finding(rule.id, fill(rule.text, facts), rule.sources, fill(rule.therapist_text, facts))


def _findings(rules: Any, facts: Mapping[str, Any]) -> tuple[Finding, ...]:
    return tuple(finding(rule, facts) for rule in rules)


def _cleared(rule: Rule, clearance: tuple[str, str, str]) -> ClearedFinding:
    on, by, note = clearance
    return ClearedFinding(
        rule.id,
        rule.text,
        rule.sources,
        rule.therapist_text,
        cleared_on=on,
        cleared_by=by,
        note=note,
    )


def _measures(facts: Mapping[str, Any]) -> Measures:
    score = facts["startback_score"]
    return Measures(
        pain_category=facts["category"],
        pain_severity=facts["severity"],
        startback=None if score is None else StartBack(score.total, score.psychosocial, score.risk),
    )
