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
from decimal import Decimal
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any, NamedTuple, cast

from backcare.core.accelerator import text
from backcare.core.accelerator.conditions import Atom, compared_constants, fast_test, guard
from backcare.core.assessment import Clearances, onset_age, pain_category
from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import StartBackScore, score_startback
from backcare.core.rules.tables import load_tables
from backcare.core.vocabulary import (
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
    facts["onset_age"] = (
        _onset_age(facts["age"], duration)
        if _stages().onset_whole_years
        else onset_age(facts["age"], duration)
    )
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


def _onset_age(age: int, duration: float) -> float | Decimal:
    """§1's onset age where the tables only compare it with whole years: a float, unless it
    is within a millionth of a whole year (the float is then not surely on the same side of
    it as the exact value), when it is `assessment.onset_age`'s Decimal. The float is off the
    exact value by less than 1e-12 for any duration the contract allows; a Decimal costs a
    tenth of the whole walk."""
    approx = age - duration / 52
    fraction = approx % 1
    if 1e-6 < fraction < 1 - 1e-6:
        return approx
    return onset_age(age, duration)


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
    onset_whole_years: bool  # every condition compares onset_age with whole years only


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
        onset_whole_years=all(
            found is not None and all(type(c) is int for c in found)
            for found in (compared_constants(condition, "onset_age") for condition in conditions)
        ),
    )


class _Referral(NamedTuple):
    """What §2-§3 decided for one pattern of fired (and cleared) referral rules."""

    trace: tuple[str, ...]
    severity: int  # the disposition's rank, before §4
    referral: tuple[str, ...]  # uncleared §2/§3 rule ids
    cleared: tuple[str, ...]  # cleared rule ids, in trace order
    reasons: bytes  # the referral's findings as a JSON list
    text: bytes  # the referral object (null: none)


class _Limits(NamedTuple):
    """What §4 decided for one pattern of fired precaution rules (and the preference)."""

    trace: tuple[str, ...]
    precaution: bool  # a precaution fired: at least "proceed with precautions"
    max_pressure: Pressure  # if massage may proceed
    avoided: tuple[tuple[str, tuple[str, ...]], ...]  # (technique, the rules that avoid it)
    avoided_names: frozenset[str]
    precautions_text: bytes


class _Fitted(NamedTuple):
    """The four verdicts' texts, and the fit rules that fired."""

    trace: tuple[str, ...]
    text: tuple[bytes, bytes, bytes, bytes]


class _Planned(NamedTuple):
    """The plan's text, and the plan rules that fired."""

    trace: tuple[str, ...]
    text: bytes


_NO_PLAN = _Planned((), b"null")


def answer_text(facts: dict[str, Any], visit: set[int], clearances: Clearances) -> bytes:
    """The assessment's JSON text (UTF-8), for facts made by `complete_facts` (which returned
    `visit`); `clearances`: the intake's, by rule id."""
    referral, limits, disposition, fitted, planned = _walk(facts, visit, clearances)
    score = facts["startback_score"]
    return text.assessment_text(
        disposition=_DISPOSITION_BY_SEVERITY[disposition],
        referral=referral.text,
        max_pressure=limits.max_pressure if disposition in _PROCEEDING else None,
        techniques=fitted.text,
        precautions=limits.precautions_text,
        cleared=(
            text.cleared_text(tuple((rule, *clearances[rule]) for rule in referral.cleared))
            if referral.cleared
            else b"[]"
        ),
        plan=planned.text,
        measures=text.measures_text(
            facts["category"],
            facts["severity"],
            None if score is None else (score.total, score.psychosocial, score.risk),
        ),
        trace=facts["fired"],  # every rule that fired, as it fired
    )


def _walk(
    facts: dict[str, Any], visit: set[int], clearances: Clearances
) -> tuple[_Referral, _Limits, int, _Fitted, _Planned]:
    """Test the rules numbered in `visit`, in trace order, and look up what the ones that fired
    decide. Only the tests run per intake; the rest is memoised by the numbers of the rules
    that fired. §2-§3 and §4 are memoised apart: their patterns combine freely."""
    stages = _stages()
    tests, ids = stages.tests, stages.ids
    trace: list[str] = facts["fired"]
    fire = trace.append
    order = sorted(visit)
    p, r, c, f, _ = stages.starts
    cut_r, cut_c, cut_f = bisect_left(order, r), bisect_left(order, c), bisect_left(order, f)

    # §2-§4: which rules fire (the trace grows as they do: a condition may read it).
    referred: list[int] = []
    for number in order[bisect_left(order, p) : cut_r]:
        if tests[number](facts):
            referred.append(number)
            fire(ids[number])
    capped: list[int] = []
    for number in order[cut_r:cut_c]:
        if tests[number](facts):
            capped.append(number)
            fire(ids[number])
    preference = facts["preferences.pressure"]
    if preference is not None and stages.name_preference.isdisjoint(capped):
        preference = None  # no rule that fired depends on it
    cleared: tuple[int, ...] = ()
    if clearances:
        clearable = stages.clearable
        cleared = tuple(n for n in referred if clearable[n] and ids[n] in clearances)
    referral = _referral(tuple(referred), cleared)
    limits = _limits(tuple(capped), preference)
    disposition = referral.severity
    if limits.precaution and disposition < _PROCEED_WITH_PRECAUTIONS:
        disposition = _PROCEED_WITH_PRECAUTIONS
    if disposition not in _PROCEEDING:
        return referral, limits, disposition, _no_massage(referral.reasons), _NO_PLAN

    # §5: fit rules (one whose technique is avoided does not fire), then the plan rules.
    facts["max_pressure"] = limits.max_pressure
    avoided = limits.avoided_names
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
        referral,
        limits,
        disposition,
        _fitted(limits.avoided, tuple(fits), preference),
        _planned(tuple(plan)),
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _referral(fired: tuple[int, ...], cleared: tuple[int, ...]) -> _Referral:
    """§2-§3's decision from the numbers of the referral rules that fired, in trace order, and
    of those a clearance clears."""
    stages = _stages()
    p = stages.starts[0]
    severity = 0
    urgency = -1
    referral: list[str] = []
    cleared_ids: list[str] = []
    for number in fired:
        rule_id, _, rule_disposition, rule_urgency = stages.referral[number - p]
        if number in cleared:
            cleared_ids.append(rule_id)
            continue
        referral.append(rule_id)
        severity = max(severity, rule_disposition)
        urgency = max(urgency, rule_urgency)
    reasons = text.findings_text(tuple(referral), None)
    return _Referral(
        trace=tuple(stages.ids[n] for n in fired),
        severity=severity,
        referral=tuple(referral),
        cleared=tuple(cleared_ids),
        reasons=reasons,
        text=text.referral_text(_URGENCY_BY_SEVERITY[urgency], reasons) if referral else b"null",
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _limits(fired: tuple[int, ...], preference: Pressure | None) -> _Limits:
    """§4's decision from the numbers of the precaution rules that fired, in trace order, and
    the preference (PREF-PRESSURE's cap): the pressure limit if massage may proceed, and the
    techniques avoided with their reasons."""
    stages = _stages()
    r = stages.starts[1]
    # (rule id, cap rank or None, techniques it avoids by name), in table order
    limits: list[tuple[str, int | None, tuple[str, ...]]] = []
    precautions: list[str] = []
    for number in fired:
        rule_id, rule_cap, precaution, avoid = stages.precautions[number - r]
        cap = preference if rule_cap == "preference" else rule_cap
        limits.append((rule_id, None if cap is None or cap == "none" else _RANK[cap], avoid))
        if precaution:
            precautions.append(rule_id)
    limit = min((rank for _, rank, _ in limits if rank is not None), default=_RANK["firm"])
    avoided = []
    for technique, needs in stages.minimum:
        why = tuple(
            rid
            for rid, cap_rank, avoid in limits
            if (cap_rank is not None and cap_rank < needs) or technique in avoid
        )
        if why:
            avoided.append((technique, why))
    return _Limits(
        trace=tuple(stages.ids[n] for n in fired),
        precaution=bool(precautions),
        max_pressure=_PRESSURES[limit],
        avoided=tuple(avoided),
        avoided_names=frozenset(t for t, _ in avoided),
        precautions_text=text.precautions_text(tuple(precautions)),
    )


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


def _no_massage(reasons: bytes) -> _Fitted:
    """§5 when massage may not proceed: every technique avoided for the referral's reasons."""
    avoid = text.avoid_all_text(reasons)
    return _Fitted((), (avoid, avoid, avoid, avoid))


def _verdicts_text(verdicts: Any, preference: Pressure | None) -> tuple[bytes, bytes, bytes, bytes]:
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
