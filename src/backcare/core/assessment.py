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

Most rules cannot fire for most intakes (a §2 rule on a red flag, when no red flag is set). Each
condition carries a guard (`Condition.guard`: facts of which one must hold for it to be true),
so the walk visits only the rules whose guard holds, or that have none: the same rules fire, in
the same order, as if every condition were tested (tests/core check both ways agree).

`compose(firing) -> Assessment` turns those ids into the answer's findings. The answer depends
on the intake only through its Firing, so compose is memoised: the same pattern of fired rules
is composed (and serialised) once, however many intakes share it.

The models are imported for type checking only: `evaluate_facts` needs none, so the batch
command can assess validated JSON without importing pydantic (see `fastintake`).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import compress, repeat
from operator import attrgetter, is_not, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import StartBackScore, score_startback
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
    assessment_text,
    cleared_text,
    findings_text,
)
from backcare.core.rules.expression import Atom
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

if TYPE_CHECKING:
    from backcare.core.models import Intake

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# Every intake field a rule may read, as dotted fact names, fetched in one C-level call.
FIELD_NAMES = tuple(sorted(INTAKE_FIELD_FACTS))
_FIELD_NAMES = FIELD_NAMES
_fields = attrgetter(*_FIELD_NAMES)
# Facts that change while the tables are walked: a guard resting on one is not used.
_EVALUATION_FACTS = frozenset({"max_pressure", "recommended", "fired"})
# Facts whose values are tuples of words: ("c", name, word) holds when the word is among them.
_COLLECTION_FACTS = frozenset({"conditions", "medications", "pain.regions"})
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

# A clearance as the answer reports it: (date as YYYY-MM-DD, by, note), by rule id.
Clearances = Mapping[str, tuple[str, str, str]]


def pain_category(duration_weeks: float) -> PainCategory:
    """§1: acute under 6 weeks, subacute 6-12 weeks inclusive, chronic over 12 (vantulder2006)."""
    if duration_weeks < 6:
        return "acute"
    if duration_weeks <= 12:
        return "subacute"
    return "chronic"


def onset_age(age: int, duration_weeks: float) -> Decimal:
    """§1: age when this episode began, in years, not rounded (decimal, so 45 is exactly 45)."""
    years = _YEARS[age] if 0 <= age < len(_YEARS) else Decimal(age)
    return years - Decimal(repr(duration_weeks)) / _WEEKS_PER_YEAR


_YEARS = tuple(Decimal(age) for age in range(121))  # exact, made once
_WEEKS_PER_YEAR = Decimal(52)


@lru_cache(maxsize=2048)  # nine answers: at most 2**8 * 5 patterns
def _startback_score(answers: tuple[int, ...]) -> StartBackScore:
    return score_startback(answers)


def intake_facts(intake: Intake) -> dict[str, Any]:
    """The facts the tables' conditions read: the intake's fields plus the §1 measures."""
    facts: dict[str, Any] = dict(zip(_FIELD_NAMES, _fields(intake), strict=True))
    complete_facts(facts)
    return facts


def complete_facts(facts: dict[str, Any]) -> set[int]:
    """Add the §1 measures and the named predicates to the intake's field facts (`FIELD_NAMES`,
    valued as the model's attributes are); return the rules `evaluate_facts` must visit."""
    duration = facts["pain.duration_weeks"]
    facts["category"] = pain_category(duration)
    facts["severity"] = pain_severity(facts["pain.intensity"])
    facts["onset_age"] = onset_age(facts["age"], duration)
    answers = facts["startback"]
    score = None if answers is None else _startback_score(answers)
    facts["startback_score"] = score  # for the answer's measures; no rule reads it
    facts["startback_risk"] = None if score is None else score.risk
    facts["max_pressure"] = None
    facts["recommended"] = set()
    facts["fired"] = []  # the trace so far: rule ids in firing order
    stages = _stages()
    # The rules (and predicates) whose guard holds: every atom that holds adds the ones it
    # guards. All in C-level calls: which facts are truthy, which are not None, the rules
    # waiting on each fact's value, on each word of a collection.
    visit = set(stages.unguarded)
    visit.update(*compress(stages.truthy_visit, stages.truthy_get(facts)))
    visit.update(*compress(stages.given_visit, map(is_not, stages.given_get(facts), repeat(None))))
    visit.update(*filter(None, map(dict.get, stages.equal_visit, stages.equal_get(facts))))
    for name, by_word in stages.contains_visit:
        visit.update(*filter(None, map(by_word.get, facts[name])))
    # Predicates in definition order (one may read those above it). A predicate left out
    # cannot hold: its guard does not.
    for index, (name, test, guarded) in enumerate(stages.predicates):
        if index in visit and test(facts):
            facts[name] = True
            visit.update(guarded)
        else:
            facts[name] = False
    return visit


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


def _tuple_getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The facts' values under `names`, as one tuple, in one C-level call when possible."""
    if len(names) >= 2:
        return cast(Callable[[Mapping[str, Any]], tuple[Any, ...]], itemgetter(*names))
    if len(names) == 1:
        (name,) = names
        return lambda facts: (facts[name],)
    return lambda facts: ()


@dataclass(frozen=True)
class _Stages:
    """The tables flattened into plain tuples for `evaluate`, built once: the inner loops then
    do no attribute lookups or enum conversions per rule (this is the hot path).

    Rules are numbered in one sequence: the predicates first, then the rules in trace order;
    `starts` holds where §2-§3, §4, §5 fit and §5 plan begin (and where the plan ends)."""

    # (test, id, clearable, disposition rank, urgency rank)
    referral: tuple[tuple[Any, str, bool, int, int], ...]
    # (test, id, cap, is a precaution, techniques avoided by name)
    precautions: tuple[tuple[Any, str, str, bool, tuple[str, ...]], ...]
    techniques: tuple[tuple[Any, str, str], ...]  # (test, id, technique)
    plan: tuple[tuple[Any, str, str, tuple[tuple[str, int], ...]], ...]
    minimum: tuple[tuple[str, int], ...]  # (technique, rank of the pressure it needs)
    # (name, test, the numbers of the rules its truth may let fire), in definition order
    predicates: tuple[tuple[str, Any, frozenset[int]], ...]
    starts: tuple[int, int, int, int, int]
    # by number (predicates too): the test, the rule id, whether a clearance may clear it
    tests: tuple[Any, ...]
    ids: tuple[str, ...]
    clearable: tuple[bool, ...]
    name_preference: frozenset[int]  # rules whose text or cap names the preference
    unguarded: frozenset[int]
    truthy_get: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    truthy_visit: tuple[frozenset[int], ...]
    given_get: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    given_visit: tuple[frozenset[int], ...]
    equal_get: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    equal_visit: tuple[dict[Any, frozenset[int]], ...]
    contains_visit: tuple[tuple[str, dict[Any, frozenset[int]]], ...]


def _usable(atom: Atom, predicates: frozenset[str]) -> bool:
    kind, name, _ = atom
    if name in _EVALUATION_FACTS:
        return False
    if kind == "t":
        return True
    if name in predicates:
        return False
    if kind == "c":
        return name in _COLLECTION_FACTS
    return kind in ("n", "e")


@lru_cache(maxsize=1)
def _stages() -> _Stages:
    t = load_tables()
    predicate_names = frozenset(p.name for p in t.predicates)
    conditions = [p.when for p in t.predicates] + [r.when for r in t.assessment_rules]
    # Which rule numbers each atom lets fire; rules with no usable guard are always visited.
    by_atom: dict[Atom, set[int]] = {}
    unguarded: set[int] = set()
    for number, condition in enumerate(conditions):
        guard = condition.guard
        if guard is None or not all(_usable(a, predicate_names) for a in guard):
            unguarded.add(number)
            continue
        for atom in guard:
            by_atom.setdefault(atom, set()).add(number)

    def numbers(atom: Atom) -> frozenset[int]:
        return frozenset(by_atom.get(atom, ()))

    truthy = tuple(sorted({n for k, n, _ in by_atom if k == "t" and n not in predicate_names}))
    given = tuple(sorted({n for k, n, _ in by_atom if k == "n"}))
    equal: dict[str, dict[Any, frozenset[int]]] = {}
    contains: dict[str, dict[Any, frozenset[int]]] = {}
    for atom in by_atom:
        kind, name, value = atom
        if kind in ("e", "c"):
            (equal if kind == "e" else contains).setdefault(name, {})[value] = numbers(atom)
    p = len(t.predicates)
    r = p + len(t.referral_rules)
    c = r + len(t.precautions)
    f = c + len(t.techniques)
    return _Stages(
        referral=tuple(
            (
                rule.when.test,
                rule.id,
                rule.clearable,
                DISPOSITION_SEVERITY[cast(str, rule.disposition)],
                URGENCY_SEVERITY[cast(str, rule.urgency)],
            )
            for rule in t.referral_rules
        ),
        precautions=tuple(
            (rule.when.test, rule.id, cast(str, rule.cap), rule.precaution, rule.avoid)
            for rule in t.precautions
        ),
        techniques=tuple(
            (rule.when.test, rule.id, cast(str, rule.technique)) for rule in t.techniques
        ),
        plan=tuple(
            (rule.when.test, rule.id, cast(str, rule.plan_list), tuple(rule.plan_values.items()))
            for rule in t.plan
        ),
        minimum=tuple((name, PRESSURE_ORDER[t.technique_minimum[name]]) for name in TECHNIQUES),
        predicates=tuple(
            (pred.name, pred.when.test, numbers(("t", pred.name, None))) for pred in t.predicates
        ),
        starts=(p, r, c, f, f + len(t.plan)),
        tests=tuple(condition.test for condition in conditions),
        ids=tuple(pred.name for pred in t.predicates)
        + tuple(rule.id for rule in t.assessment_rules),
        clearable=(False,) * p + tuple(rule.clearable for rule in t.assessment_rules),
        name_preference=frozenset(
            p + i
            for i, rule in enumerate(t.assessment_rules)
            if rule.cap == "preference" or rule.id == "PREF-PRESSURE"
        ),
        unguarded=frozenset(unguarded),
        truthy_get=_tuple_getter(truthy),
        truthy_visit=tuple(numbers(("t", n, None)) for n in truthy),
        given_get=_tuple_getter(given),
        given_visit=tuple(numbers(("n", n, None)) for n in given),
        equal_get=_tuple_getter(tuple(equal)),
        equal_visit=tuple(equal.values()),
        contains_visit=tuple(contains.items()),
    )


def evaluate(intake: Intake) -> Firing:
    """Decide which rules fire for `intake` (clinical-rules-v1 §2-§5), in trace order."""
    facts: dict[str, Any] = dict(zip(_FIELD_NAMES, _fields(intake), strict=True))
    visit = complete_facts(facts)
    clearances = {c.rule: (c.date.isoformat(), c.by, c.note) for c in intake.clearances}
    return evaluate_facts(facts, visit, clearances)


class _Referred(NamedTuple):
    """What §2-§4 decided for one pattern of fired rules (memoised: see `_walk`)."""

    trace: tuple[str, ...]
    disposition: Disposition
    urgency: Urgency | None
    referral: tuple[str, ...]  # uncleared §2/§3 rule ids
    cleared: tuple[str, ...]  # cleared rule ids, in trace order
    precautions: tuple[str, ...]
    max_pressure: Pressure | None  # None: massage may not proceed
    avoided: tuple[tuple[str, tuple[str, ...]], ...]  # (technique, the rules that avoid it)
    avoided_names: frozenset[str]
    referral_text: str
    precautions_text: str


class _Fitted(NamedTuple):
    """The four verdicts (memoised by what they depend on: see `_walk`)."""

    trace: tuple[str, ...]  # the fit rules that fired
    verdicts: tuple[tuple[str, tuple[str, ...]], ...]
    text: tuple[str, str, str, str]


class _Planned(NamedTuple):
    """The plan, from the plan rules that fired (memoised)."""

    trace: tuple[str, ...]
    co_treatments: tuple[str, ...] | None  # None: no plan
    self_care: tuple[str, ...]
    plan_values: tuple[tuple[str, int], ...]
    text: str


_NO_PLAN = _Planned((), None, (), (), "null")

# The decisions of a pattern of fired rules are worked out once: most intakes share each part
# of theirs with many others. The memos are bounded, so memory stays flat however many intakes
# are assessed. A key holds what its decision depends on and no more: the preference only where
# a rule that fired names it.
_MEMO_SIZE = 1024


def _walk(
    facts: dict[str, Any], visit: set[int], clearances: Clearances
) -> tuple[_Referred, _Fitted, _Planned]:
    """Test the rules numbered in `visit`, in trace order, and look up what the ones that fired
    decide. Only the tests run per intake; the rest is memoised by the numbers of the rules
    that fired."""
    stages = _stages()
    tests, ids = stages.tests, stages.ids
    trace: list[str] = facts["fired"]
    fire = trace.append
    order = sorted(visit)
    p, _, c, f, _ = stages.starts
    cut_c, cut_f = bisect_left(order, c), bisect_left(order, f)

    # §2-§4: which rules fire (the trace grows as they do: a condition may read it).
    fired: list[int] = []
    for number in order[bisect_left(order, p) : cut_c]:
        if tests[number](facts):
            fired.append(number)
            fire(ids[number])
    preference = facts["preferences.pressure"]
    if preference is not None and stages.name_preference.isdisjoint(fired):
        preference = None  # no rule that fired depends on it
    cleared: tuple[int, ...] = ()
    if clearances:
        clearable = stages.clearable
        cleared = tuple(n for n in fired if clearable[n] and ids[n] in clearances)
    referred = _referred(tuple(fired), preference, cleared)
    if referred.max_pressure is None:
        return referred, _no_massage(referred.referral, preference), _NO_PLAN

    # §5: fit rules (one whose technique is avoided does not fire), then the plan rules.
    facts["max_pressure"] = referred.max_pressure
    avoided = referred.avoided_names
    recommended: set[str] = facts["recommended"]
    techniques = stages.techniques
    fits: list[int] = []
    for number in order[cut_c:cut_f]:
        test, rule_id, technique = techniques[number - c]
        if technique in avoided or not test(facts):
            continue
        fire(rule_id)
        recommended.add(technique)
        fits.append(number)
    plan: list[int] = []
    for number in order[cut_f:]:
        if tests[number](facts):
            fire(ids[number])
            plan.append(number)
    return (
        referred,
        _fitted(referred.avoided, tuple(fits), preference),
        _planned(tuple(plan)),
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _referred(
    fired: tuple[int, ...], preference: Pressure | None, cleared: tuple[int, ...]
) -> _Referred:
    """§2-§4's decision from the numbers of the rules that fired, in trace order, the preference
    and the numbers of those a clearance clears."""
    stages = _stages()
    p, r, _, _, _ = stages.starts
    disposition = 0
    urgency = -1
    referral: list[str] = []
    cleared_ids: list[str] = []
    # PREF-PRESSURE's cap is the client's own preference. `limits`: (rule id, cap rank or None,
    # techniques it avoids by name), in table order.
    limits: list[tuple[str, int | None, tuple[str, ...]]] = []
    precautions: list[str] = []
    for number in fired:
        if number < r:
            # §2-§3: referral and contraindications, with §3a clearances.
            _, rule_id, _, rule_disposition, rule_urgency = stages.referral[number - p]
            if number in cleared:
                cleared_ids.append(rule_id)
                continue
            referral.append(rule_id)
            if rule_disposition > disposition:
                disposition = rule_disposition
            if rule_urgency > urgency:
                urgency = rule_urgency
            continue
        # §4: precautions and pressure caps.
        _, rule_id, rule_cap, precaution, avoid = stages.precautions[number - r]
        cap = preference if rule_cap == "preference" else rule_cap
        limits.append((rule_id, None if cap is None or cap == "none" else _RANK[cap], avoid))
        if precaution:
            precautions.append(rule_id)
            if disposition < _PROCEED_WITH_PRECAUTIONS:
                disposition = _PROCEED_WITH_PRECAUTIONS
    urgency_name = _URGENCY_BY_SEVERITY[urgency] if referral else None
    referral_ids = tuple(referral)
    max_pressure: Pressure | None = None
    avoided: list[tuple[str, tuple[str, ...]]] = []
    if disposition in _PROCEEDING:
        limit = min((rank for _, rank, _ in limits if rank is not None), default=_RANK["firm"])
        max_pressure = _PRESSURES[limit]
        # §5: a technique is avoided when a cap is below the pressure it needs (reasons: every
        # such capping rule) or a rule avoids it by name (PR-ACUTE-INJURY); reasons stay in
        # table order.
        for technique, minimum in stages.minimum:
            why = tuple(
                rid
                for rid, cap_rank, avoid in limits
                if (cap_rank is not None and cap_rank < minimum) or technique in avoid
            )
            if why:
                avoided.append((technique, why))
    return _Referred(
        trace=tuple(stages.ids[n] for n in fired),
        disposition=_DISPOSITION_BY_SEVERITY[disposition],
        urgency=urgency_name,
        referral=referral_ids,
        cleared=tuple(cleared_ids),
        precautions=tuple(precautions),
        max_pressure=max_pressure,
        avoided=tuple(avoided),
        avoided_names=frozenset(t for t, _ in avoided),
        referral_text=(
            "null" if urgency_name is None else _referral(urgency_name, referral_ids).json_text
        ),
        precautions_text=_precautions_text(tuple(precautions)),
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _fitted(
    avoided: tuple[tuple[str, tuple[str, ...]], ...],
    fits: tuple[int, ...],
    preference: Pressure | None,
) -> _Fitted:
    """The verdicts, from the avoided techniques and the numbers of the fit rules that fired."""
    stages = _stages()
    _, _, c, _, _ = stages.starts
    reasons = dict(avoided)
    because: dict[str, str] = {}
    trace = []
    for number in fits:
        _, rule_id, technique = stages.techniques[number - c]
        trace.append(rule_id)
        if technique not in because:
            because[technique] = rule_id
    verdicts = tuple(
        ("avoid", reasons[t])
        if t in reasons
        else ("recommended", (because[t],))
        if t in because
        else _SUITABLE
        for t in TECHNIQUES
    )
    return _Fitted(tuple(trace), verdicts, _verdicts_text(verdicts, preference))


@lru_cache(maxsize=_MEMO_SIZE)
def _no_massage(referral: tuple[str, ...], preference: Pressure | None) -> _Fitted:
    """§5 when massage may not proceed: every technique avoided for the referral's reasons."""
    avoid_all = ("avoid", referral)
    verdicts = (avoid_all,) * len(TECHNIQUES)
    return _Fitted((), verdicts, _verdicts_text(verdicts, preference))


def _verdicts_text(
    verdicts: tuple[tuple[str, tuple[str, ...]], ...], preference: Pressure | None
) -> tuple[str, str, str, str]:
    swedish, deep, trigger, mfr = (
        _verdict(cast(Verdict, verdict), why, preference).json_text for verdict, why in verdicts
    )
    return swedish, deep, trigger, mfr


@lru_cache(maxsize=_MEMO_SIZE)
def _planned(fired: tuple[int, ...]) -> _Planned:
    """The plan, from the numbers of the plan rules that fired, in trace order."""
    stages = _stages()
    _, _, _, f, _ = stages.starts
    values: list[tuple[str, int]] = []
    lists: dict[str, list[str]] = {"co_treatments": [], "self_care": [], "none": []}
    trace = []
    for number in fired:
        _, rule_id, plan_list, rule_values = stages.plan[number - f]
        trace.append(rule_id)
        values += rule_values
        lists[plan_list].append(rule_id)
    co_treatments = tuple(lists["co_treatments"])
    self_care = tuple(lists["self_care"])
    plan_values = tuple(values)
    return _Planned(
        trace=tuple(trace),
        co_treatments=co_treatments,
        self_care=self_care,
        plan_values=plan_values,
        text=_plan(co_treatments, self_care, plan_values).json_text,
    )


def _startback(facts: Mapping[str, Any]) -> tuple[int, int, str] | None:
    score = facts["startback_score"]
    return None if score is None else (score.total, score.psychosocial, score.risk)


def evaluate_facts(facts: dict[str, Any], visit: set[int], clearances: Clearances) -> Firing:
    """`evaluate` on facts made by `complete_facts` (which returned `visit`); `clearances`: the
    intake's clearances by rule id. Only the rules numbered in `visit` are tested."""
    referred, fitted, planned = _walk(facts, visit, clearances)
    return Firing(
        referred.trace + fitted.trace + planned.trace,
        referred.disposition,
        referred.urgency,
        referred.referral,
        tuple((rule, *clearances[rule]) for rule in referred.cleared),
        referred.precautions,
        referred.max_pressure,
        fitted.verdicts,
        planned.co_treatments,
        planned.self_care,
        planned.plan_values,
        facts["preferences.pressure"],
        facts["category"],
        facts["severity"],
        _startback(facts),
    )


def evaluate_text(facts: dict[str, Any], visit: set[int], clearances: Clearances) -> str:
    """`compose(evaluate_facts(...)).json_text`, without the Firing or the Assessment: the
    batch command's hot path. The same parts, put together by the same `assessment_text` as
    `dumps_assessment` (tests/core check the two agree)."""
    referred, fitted, planned = _walk(facts, visit, clearances)
    cleared = referred.cleared
    return assessment_text(
        schema=ASSESSMENT_SCHEMA,
        rules_version=_rules_version_text(),
        disposition=referred.disposition,
        referral=referred.referral_text,
        max_pressure=referred.max_pressure,
        techniques=fitted.text,
        precautions=referred.precautions_text,
        cleared=(
            cleared_text(_cleared(tuple((rule, *clearances[rule]) for rule in cleared)))
            if cleared
            else "[]"
        ),
        plan=planned.text,
        measures=_measures(facts["category"], facts["severity"], _startback(facts)).json_text,
        trace=referred.trace + fitted.trace + planned.trace,
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


@lru_cache(maxsize=512)
def _verdict(
    verdict: Verdict, rule_ids: tuple[str, ...], preference: Pressure | None
) -> TechniqueVerdict:
    return TechniqueVerdict(verdict, _findings(rule_ids, preference))


@lru_cache(maxsize=512)
def _referral(urgency: Urgency, rule_ids: tuple[str, ...]) -> Referral:
    return Referral(urgency, _findings(rule_ids, None))


@lru_cache(maxsize=512)
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


def _cleared(cleared: tuple[tuple[str, str, str, str], ...]) -> tuple[ClearedFinding, ...]:
    tables = load_tables()
    return tuple(
        ClearedFinding(
            rule.id,
            rule.text,
            rule.sources,
            rule.therapist_text,
            cleared_on=on,
            cleared_by=by,
            note=note,
        )
        for rule_id, on, by, note in cleared
        for rule in (tables.rule(rule_id),)
    )


@lru_cache(maxsize=1024)
def compose(firing: Firing) -> Assessment:
    """The answer for a pattern of fired rules: findings, verdicts and plan (memoised; the
    bounds keep memory flat however many intakes are assessed)."""
    tables = load_tables()
    preference = firing.preference
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
        cleared=_cleared(firing.cleared),
        plan=(
            None
            if firing.co_treatments is None
            else _plan(firing.co_treatments, firing.self_care, firing.plan_values)
        ),
        measures=_measures(firing.pain_category, firing.pain_severity, firing.startback),
        trace=firing.trace,
    )


@lru_cache(maxsize=1)
def _rules_version_text() -> str:
    return _encode(load_tables().version)


@lru_cache(maxsize=512)
def _precautions_text(rule_ids: tuple[str, ...]) -> str:
    return findings_text(_findings(rule_ids, None))
