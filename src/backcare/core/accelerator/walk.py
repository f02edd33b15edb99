"""The accelerated rule walk: `answer_text(fields, clearances)` is
`dumps_assessment(assess_facts(with_measures(fields), clearances))`, several times sooner.

Three things make it fast, none of them clinical:
- **guards** (`conditions.guard`): most rules cannot fire for most intakes (a §2 rule on a red
  flag, when no red flag is set), so the walk visits only the rules whose guard holds, or that
  have none. Which rules that is comes from a few C-level calls over the facts.
- **memos**: what §2-§4, the verdicts and the plan decide depends on the intake only through
  which rules fired (and the preference, where a rule that fired names it), so each decision
  is worked out once per pattern, with its JSON text (bounded: memory stays flat).
- **text splicing** (`text`): the answer is put together from its parts' texts.
The tables are flattened once into tuples (`_Stages`), so the inner loops do no attribute
lookups or enum conversions per rule.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any, NamedTuple, cast

from backcare.core.accelerator import text
from backcare.core.accelerator.conditions import Atom, fast_test, guard
from backcare.core.assessment import Clearances, onset_age, pain_category
from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import StartBackScore, score_startback
from backcare.core.rules.tables import load_tables
from backcare.core.vocabulary import (
    ASSESSMENT_SCHEMA,
    DISPOSITION_SEVERITY,
    PRESSURE_ORDER,
    PROCEEDING,
    TECHNIQUES,
    URGENCY_SEVERITY,
    Pressure,
)

# Facts that change while the tables are walked: a guard resting on one is not used.
_EVALUATION_FACTS = frozenset({"max_pressure", "recommended", "fired"})
# Facts whose values are tuples of words: ("c", name, word) holds when the word is among them.
_COLLECTION_FACTS = frozenset({"conditions", "medications", "pain.regions"})
_DISPOSITION_BY_SEVERITY = {v: k for k, v in DISPOSITION_SEVERITY.items()}
_URGENCY_BY_SEVERITY = {v: k for k, v in URGENCY_SEVERITY.items()}
_PRESSURES: tuple[Pressure, ...] = ("light", "medium", "firm")
_PROCEED_WITH_PRECAUTIONS = DISPOSITION_SEVERITY["proceed_with_precautions"]
_PROCEEDING = frozenset(DISPOSITION_SEVERITY[d] for d in PROCEEDING)
_RANK = PRESSURE_ORDER
_SUITABLE: tuple[str, tuple[str, ...]] = ("suitable", ())
_MEMO_SIZE = 1024


_SEVERITY = tuple(pain_severity(intensity) for intensity in range(11))  # 0-10, checked before


@lru_cache(maxsize=2048)  # nine answers: at most 2**8 * 5 patterns
def _startback_score(answers: tuple[int, ...]) -> StartBackScore:
    return score_startback(answers)


def complete_facts(facts: dict[str, Any]) -> set[int]:
    """Add the §1 measures and the named predicates to the intake's field facts, as
    `assessment.with_measures` does (in place); return the rules the walk must visit."""
    duration = facts["pain.duration_weeks"]
    facts["category"] = pain_category(duration)
    facts["severity"] = _SEVERITY[facts["pain.intensity"]]
    facts["onset_age"] = onset_age(facts["age"], duration)
    answers = facts["startback"]
    score = None if answers is None else _startback_score(answers)
    facts["startback_score"] = score
    facts["startback_risk"] = None if score is None else score.risk
    facts["max_pressure"] = None
    facts["recommended"] = set()
    facts["fired"] = []
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
    """The tables flattened into plain tuples, built once.

    Rules are numbered in one sequence: the predicates first, then the rules in trace order;
    `starts` holds where §2-§3, §4, §5 fit and §5 plan begin (and where the plan ends)."""

    # (id, clearable, disposition rank, urgency rank)
    referral: tuple[tuple[str, bool, int, int], ...]
    # (id, cap, is a precaution, techniques avoided by name)
    precautions: tuple[tuple[str, str, bool, tuple[str, ...]], ...]
    techniques: tuple[tuple[Any, str, str], ...]  # (test, id, technique)
    plan: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...]  # (id, list, values)
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


def guards() -> tuple[frozenset[Atom] | None, ...]:
    """By number (predicates, then rules in trace order): the guard the walk uses."""
    t = load_tables()
    predicate_names = frozenset(p.name for p in t.predicates)
    conditions = [p.when for p in t.predicates] + [r.when for r in t.assessment_rules]
    found = [guard(c) for c in conditions]
    return tuple(
        g if g is not None and all(_usable(a, predicate_names) for a in g) else None for g in found
    )


@lru_cache(maxsize=1)
def _stages() -> _Stages:
    t = load_tables()
    # Which rule numbers each atom lets fire; rules with no usable guard are always visited.
    by_atom: dict[Atom, set[int]] = {}
    unguarded: set[int] = set()
    for number, found in enumerate(guards()):
        if found is None:
            unguarded.add(number)
        for atom in found or ():
            by_atom.setdefault(atom, set()).add(number)

    def numbers(atom: Atom) -> frozenset[int]:
        return frozenset(by_atom.get(atom, ()))

    predicate_names = {p.name for p in t.predicates}
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
    conditions = [pred.when for pred in t.predicates] + [rule.when for rule in t.assessment_rules]
    tests = tuple(fast_test(condition) for condition in conditions)
    named = text.names_preference()
    return _Stages(
        referral=tuple(
            (
                rule.id,
                rule.clearable,
                DISPOSITION_SEVERITY[cast(str, rule.disposition)],
                URGENCY_SEVERITY[cast(str, rule.urgency)],
            )
            for rule in t.referral_rules
        ),
        precautions=tuple(
            (rule.id, cast(str, rule.cap), rule.precaution, rule.avoid) for rule in t.precautions
        ),
        techniques=tuple(
            (tests[c + i], rule.id, cast(str, rule.technique))
            for i, rule in enumerate(t.techniques)
        ),
        plan=tuple(
            (rule.id, cast(str, rule.plan_list), tuple(rule.plan_values.items())) for rule in t.plan
        ),
        minimum=tuple((name, PRESSURE_ORDER[t.technique_minimum[name]]) for name in TECHNIQUES),
        predicates=tuple(
            (pred.name, tests[i], numbers(("t", pred.name, None)))
            for i, pred in enumerate(t.predicates)
        ),
        starts=(p, r, c, f, f + len(t.plan)),
        tests=tests,
        ids=tuple(pred.name for pred in t.predicates)
        + tuple(rule.id for rule in t.assessment_rules),
        clearable=(False,) * p + tuple(rule.clearable for rule in t.assessment_rules),
        name_preference=frozenset(
            p + i
            for i, rule in enumerate(t.assessment_rules)
            if rule.cap == "preference" or rule.id in named
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


class _Referred(NamedTuple):
    """What §2-§4 decided for one pattern of fired rules."""

    trace: tuple[str, ...]
    disposition: str
    referral: tuple[str, ...]  # uncleared §2/§3 rule ids
    cleared: tuple[str, ...]  # cleared rule ids, in trace order
    max_pressure: Pressure | None  # None: massage may not proceed
    avoided: tuple[tuple[str, tuple[str, ...]], ...]  # (technique, the rules that avoid it)
    avoided_names: frozenset[str]
    referral_text: str
    precautions_text: str


class _Fitted(NamedTuple):
    """The four verdicts' texts, and the fit rules that fired."""

    trace: tuple[str, ...]
    text: tuple[str, str, str, str]


class _Planned(NamedTuple):
    """The plan's text, and the plan rules that fired."""

    trace: tuple[str, ...]
    text: str


_NO_PLAN = _Planned((), "null")


def answer_text(facts: dict[str, Any], visit: set[int], clearances: Clearances) -> str:
    """The assessment's JSON text, for facts made by `complete_facts` (which returned
    `visit`); `clearances`: the intake's, by rule id."""
    referred, fitted, planned = _walk(facts, visit, clearances)
    cleared = referred.cleared
    score = facts["startback_score"]
    return text.assessment_text(
        schema=ASSESSMENT_SCHEMA,
        disposition=referred.disposition,
        referral=referred.referral_text,
        max_pressure=referred.max_pressure,
        techniques=fitted.text,
        precautions=referred.precautions_text,
        cleared=text.cleared_text(tuple((rule, *clearances[rule]) for rule in cleared)),
        plan=planned.text,
        measures=text.measures_text(
            facts["category"],
            facts["severity"],
            None if score is None else (score.total, score.psychosocial, score.risk),
        ),
        trace=referred.trace + fitted.trace + planned.trace,
    )


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
    # (rule id, cap rank or None, techniques it avoids by name), in table order
    limits: list[tuple[str, int | None, tuple[str, ...]]] = []
    precautions: list[str] = []
    for number in fired:
        if number < r:
            rule_id, _, rule_disposition, rule_urgency = stages.referral[number - p]
            if number in cleared:
                cleared_ids.append(rule_id)
                continue
            referral.append(rule_id)
            disposition = max(disposition, rule_disposition)
            urgency = max(urgency, rule_urgency)
            continue
        rule_id, rule_cap, precaution, avoid = stages.precautions[number - r]
        cap = preference if rule_cap == "preference" else rule_cap
        limits.append((rule_id, None if cap is None or cap == "none" else _RANK[cap], avoid))
        if precaution:
            precautions.append(rule_id)
            disposition = max(disposition, _PROCEED_WITH_PRECAUTIONS)
    max_pressure, avoided = _limits(disposition, limits, stages.minimum)
    return _Referred(
        trace=tuple(stages.ids[n] for n in fired),
        disposition=_DISPOSITION_BY_SEVERITY[disposition],
        referral=tuple(referral),
        cleared=tuple(cleared_ids),
        max_pressure=max_pressure,
        avoided=avoided,
        avoided_names=frozenset(t for t, _ in avoided),
        referral_text=(
            text.referral_text(_URGENCY_BY_SEVERITY[urgency], tuple(referral))
            if referral
            else "null"
        ),
        precautions_text=text.precautions_text(tuple(precautions)),
    )


def _limits(
    disposition: int,
    limits: list[tuple[str, int | None, tuple[str, ...]]],
    minimum: tuple[tuple[str, int], ...],
) -> tuple[Pressure | None, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The pressure limit (None: no massage) and the avoided techniques with their reasons."""
    if disposition not in _PROCEEDING:
        return None, ()
    limit = min((rank for _, rank, _ in limits if rank is not None), default=_RANK["firm"])
    avoided = []
    for technique, needs in minimum:
        why = tuple(
            rid
            for rid, cap_rank, avoid in limits
            if (cap_rank is not None and cap_rank < needs) or technique in avoid
        )
        if why:
            avoided.append((technique, why))
    return _PRESSURES[limit], tuple(avoided)


@lru_cache(maxsize=_MEMO_SIZE)
def _fitted(
    avoided: tuple[tuple[str, tuple[str, ...]], ...],
    fits: tuple[int, ...],
    preference: Pressure | None,
) -> _Fitted:
    """The verdicts, from the avoided techniques and the numbers of the fit rules that fired."""
    stages = _stages()
    c = stages.starts[2]
    reasons = dict(avoided)
    because: dict[str, str] = {}
    trace = []
    for number in fits:
        _, rule_id, technique = stages.techniques[number - c]
        trace.append(rule_id)
        because.setdefault(technique, rule_id)
    verdicts = (
        ("avoid", reasons[t])
        if t in reasons
        else ("recommended", (because[t],))
        if t in because
        else _SUITABLE
        for t in TECHNIQUES
    )
    return _Fitted(tuple(trace), _verdicts_text(verdicts, preference))


def _no_massage(referral: tuple[str, ...], preference: Pressure | None) -> _Fitted:
    """§5 when massage may not proceed: every technique avoided for the referral's reasons."""
    avoid = text.verdict_text("avoid", referral, preference)
    return _Fitted((), (avoid, avoid, avoid, avoid))


def _verdicts_text(verdicts: Any, preference: Pressure | None) -> tuple[str, str, str, str]:
    swedish, deep, trigger, mfr = (
        text.verdict_text(verdict, why, preference) for verdict, why in verdicts
    )
    return swedish, deep, trigger, mfr


@lru_cache(maxsize=_MEMO_SIZE)
def _planned(fired: tuple[int, ...]) -> _Planned:
    """The plan, from the numbers of the plan rules that fired, in trace order."""
    stages = _stages()
    f = stages.starts[3]
    values: list[tuple[str, int]] = []
    lists: dict[str, list[str]] = {"co_treatments": [], "self_care": [], "none": []}
    trace = []
    for number in fired:
        rule_id, plan_list, rule_values = stages.plan[number - f]
        trace.append(rule_id)
        values += rule_values
        lists[plan_list].append(rule_id)
    return _Planned(
        tuple(trace),
        text.plan_text(tuple(lists["co_treatments"]), tuple(lists["self_care"]), tuple(values)),
    )
