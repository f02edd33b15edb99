"""The fast paths agree with the exact ones (Hypothesis).

- `fastintake.intake_facts_from_json` (a hand-written check of parsed intake JSON) accepts only
  what pydantic accepts, and then gives exactly the facts `intake_facts` gives from the model; it
  accepts every valid intake of the strategies (or the fast path would never be taken). What it
  refuses goes to the exact path, so the problems are the exact path's own.
- `fastintake.assess_text` and `fastintake.answer_line` give what `assess(intake_from_text(..))`
  gives: the same Assessment and JSON text, or the same problems.
- The engine's guards (`Condition.guard`) are sound, and the guarded, memoised walk fires the
  same rules in the same order as a plain walk over every rule of the tables (a reference copy
  of the engine as it was before guards and memos).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import from_json

from backcare.core.assessment import (
    FIELD_NAMES,
    Firing,
    _stages,
    assess,
    compose,
    evaluate,
    evaluate_facts,
    evaluate_text,
    intake_facts,
    pain_category,
)
from backcare.core.fastintake import answer_line, assess_text, intake_facts_from_json
from backcare.core.measures.nrs import pain_severity
from backcare.core.measures.startback import score_startback
from backcare.core.models import Intake
from backcare.core.results import Assessment, dumps_assessment
from backcare.core.rules.tables import clearable_rule_ids, load_tables
from backcare.core.validation import InvalidInput, intake_from_text, parse_intake
from backcare.core.vocabulary import (
    DISPOSITION_SEVERITY,
    PRESSURE_ORDER,
    PROCEEDING,
    TECHNIQUES,
    URGENCY_SEVERITY,
)
from support.strategies import CONDITIONS, MEDICATIONS, PRESSURES, REGIONS, intakes

PARSE = partial(from_json, allow_inf_nan=False)


def _outcome(fn: Any, arg: Any) -> Any:
    """What `fn(arg)` gives: its value, its problems, or (for any other error) the error's type,
    so that an unexpected failure of either path shows up as a disagreement."""
    try:
        return fn(arg)
    except InvalidInput as exc:
        return [(p.path, p.message) for p in exc.problems]
    except Exception as exc:
        return ("raised", type(exc).__name__)


def _exact(doc: Any) -> Any:
    """The exact path's verdict on parsed JSON: the Intake, or its problems."""
    return _outcome(parse_intake, doc)


def _facts_without_clearances(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k != "clearances"}


def _check_fast_agrees(doc: Any) -> None:
    """The fast check accepts only what the exact path accepts, with the same facts; what it
    refuses, the fast entry points hand to the exact path, and answer as it does."""
    exact = _exact(doc)
    found = intake_facts_from_json(copy.deepcopy(doc))
    if found is None:
        _check_refusal_is_the_exact_answer(doc, exact)
        return
    assert isinstance(exact, Intake), (doc, exact)
    facts, visit, clearances = found
    model_facts = intake_facts(exact)
    assert _facts_without_clearances(facts) == _facts_without_clearances(model_facts)
    assert {
        rule: (c.date.isoformat(), c.by, c.note) for c in exact.clearances for rule in (c.rule,)
    } == clearances
    assert evaluate_facts(facts, visit, clearances) == evaluate(exact)


def _check_refusal_is_the_exact_answer(doc: Any, exact: Any) -> None:
    """A refusal is no verdict: `assess_text` and `answer_line` must then give what the exact
    path gives for the same text (the Assessment and its JSON text, or the same problems), and
    a document the exact path accepts must be answered as `assess` answers its Intake."""
    text = json.dumps(doc)
    expected = _outcome(lambda t: assess(intake_from_text(t)), text)
    if isinstance(exact, Intake):
        assert expected == assess(exact), (doc, expected)
    assert _outcome(assess_text, text) == expected, doc
    line = _outcome(lambda r: answer_line(r, PARSE), text.encode())
    assert line == (expected.json_text if isinstance(expected, Assessment) else expected), doc


# --- valid intakes ------------------------------------------------------------------------


@given(intakes())
def test_every_valid_intake_takes_the_fast_path_with_the_models_facts(doc: dict[str, Any]) -> None:
    found = intake_facts_from_json(copy.deepcopy(doc))
    assert found is not None, doc
    _check_fast_agrees(doc)


@given(intakes())
def test_fast_answers_are_the_exact_answers(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    exact = assess(intake_from_text(text))
    assert assess_text(text) == exact
    assert assess_text(text.encode()) == exact
    assert answer_line(text.encode(), PARSE) == exact.json_text
    assert answer_line(json.dumps(doc, ensure_ascii=False).encode(), PARSE) == exact.json_text


@given(intakes())
def test_evaluate_text_is_the_composed_answer(doc: dict[str, Any]) -> None:
    found = intake_facts_from_json(doc)
    assert found is not None
    facts, visit, clearances = found
    firing = evaluate_facts(dict(facts, fired=[], recommended=set()), set(visit), clearances)
    assert evaluate_text(facts, visit, clearances) == compose(firing).json_text
    assert compose(firing).json_text == dumps_assessment(compose.__wrapped__(firing))  # type: ignore[attr-defined]
    assert json.loads(compose(firing).json_text) == compose(firing).to_json()


# --- corrupted intakes --------------------------------------------------------------------


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out: list[tuple[tuple[Any, ...], Any]] = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _leaves(v, (*path, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


WORDS = sorted(
    {w for group in (CONDITIONS, MEDICATIONS, REGIONS, PRESSURES) for w in group}
    | {"female", "male", "other", "unspecified", "gradual", "sudden", "after_trauma", "none"}
    | {"above_knee", "below_knee", "backcare.intake/1", "backcare.course/1"}
    | set(sorted(clearable_rule_ids())[:3])
    | {"RF-FEVER", "RF-CES-SADDLE", "PR-BLEEDING"}
)
DATES = [
    "2025-02-30",
    "2025-1-01",
    "2025-01-01T00:00",
    "\u0662\u0660\u0662\u0665-01-01",
    "0000-01-01",
]
TEXTS = ["", " ", "a" * 200, "a" * 201, "a" * 2000, "a" * 2001, "\ud800", "Zo\u00eb", "a: b"]


def _variants(value: Any) -> list[Any]:
    """Values to put in place of `value`: its neighbours, boundary values and wrong types."""
    if isinstance(value, bool):
        return [not value, None, 0, 1, "true", [value]]
    if isinstance(value, int):
        return [
            value + 1, value - 1, -1, 0, 1, 4, 5, 7, 9, 10, 11, 44, 45, 46, 119, 120, 121,
            2**53, 2**64, value + 0.5, float(value), True, str(value), None,
        ]  # fmt: skip
    if isinstance(value, float):
        return [-value, -0.5, -0.0, 0.0, 1e300, float("inf"), float("nan"), int(value), True,
                str(value), None]  # fmt: skip
    if isinstance(value, str):
        return [value + "x", value.upper(), 7, None, True, [value], *WORDS, *DATES, *TEXTS]
    if isinstance(value, list):
        out: list[Any] = [[], value + value, value[:-1], value[::-1], "x", {"0": value}, None]
        out += [[None], [True] * 9, [0] * 9, [1] * 8 + [4], [1] * 8 + [5], [0] * 8, [0] * 10]
        if value:
            out.append([*value, value[0]])
        return out
    if isinstance(value, dict):
        out = [{}, {**value, "extra": 1}, None, [value]]
        out += [{k: v for k, v in value.items() if k != key} for key in value]
        return out
    return [None]


KEYS = ["sadle_numbness", "intensty", "notes", "Age", "extra", "schema_", "pregnant", "rule", "by"]


@given(intakes(), st.data())
def test_single_field_corruptions_never_pass_the_fast_check_wrongly(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    corrupted = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 2), label="how many")):
        path, value = data.draw(st.sampled_from(_leaves(corrupted)), label="field")
        wrong = data.draw(st.sampled_from(_variants(value)), label="wrong value")
        corrupted = _set(corrupted, path, copy.deepcopy(wrong))
    _check_fast_agrees(corrupted)


FULL = {  # every field of the contract given, most with a value the rules read
    "schema": "backcare.intake/1",
    "age": 45,
    "sex": "female",
    "pregnancy": {"pregnant": True, "weeks": 20, "high_risk": False},
    "pain": {
        "intensity": 7,
        "duration_weeks": 6.5,
        "regions": ["lumbar", "thoracic"],
        "onset": "sudden",
        "radiation": "above_knee",
        "night_pain_unrelieved": False,
        "wakes_second_half_of_night": True,
        "better_with_movement": True,
        "eased_by_nsaids_within_48h": False,
    },
    "findings": {"muscle_tension": True, "trigger_points": True, "fascial_restriction": False},
    "red_flags": {"fever": False, "saddle_numbness": False},
    "conditions": ["deep_vein_thrombosis"],
    "medications": ["anticoagulant"],
    "history": {"family_spondyloarthritis": True, "arthritis_enthesitis_or_psoriasis": False},
    "recent": {"surgery_weeks_ago": 12, "injury_hours_ago": 72.5},
    "clearances": [{"rule": "CI-DVT", "date": "2025-01-01", "by": "Dr A", "note": "ok"}],
    "preferences": {"pressure": "firm"},
    "startback": [1, 0, 1, 0, 1, 0, 1, 0, 3],
}


def test_the_full_intake_is_valid_and_takes_the_fast_path() -> None:
    assert isinstance(_exact(FULL), Intake)
    assert intake_facts_from_json(copy.deepcopy(FULL)) is not None


@pytest.mark.parametrize("path", [p for p, _ in _leaves(FULL)], ids=str)
def test_every_boundary_variant_of_every_field_is_checked_exactly(path: tuple[Any, ...]) -> None:
    # Deterministic and exhaustive, so a boundary slip (10 vs 11) cannot wait for a lucky draw.
    value = dict(_leaves(FULL))[path]
    for wrong in _variants(value):
        _check_fast_agrees(_set(copy.deepcopy(FULL), path, copy.deepcopy(wrong)))


@given(intakes(), st.data())
def test_unknown_or_missing_keys_never_pass_the_fast_check(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    objects = [(p, v) for p, v in _leaves(doc) if isinstance(v, dict)]
    _, obj = data.draw(st.sampled_from(objects), label="object")
    if obj and data.draw(st.booleans(), label="delete"):
        del obj[data.draw(st.sampled_from(sorted(obj)), label="key")]
    else:
        obj[data.draw(st.sampled_from(KEYS), label="key")] = data.draw(st.sampled_from(WORDS))
    _check_fast_agrees(doc)


@given(intakes(), st.data())
def test_corrupted_text_gets_the_exact_paths_answer_or_problems(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    if data.draw(st.booleans(), label="corrupt"):
        path, value = data.draw(st.sampled_from(_leaves(doc)), label="field")
        wrong = data.draw(st.sampled_from(_variants(value)), label="wrong")
        doc = _set(doc, path, copy.deepcopy(wrong))
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans(), label="ascii"))
    edit = data.draw(st.sampled_from(TEXT_EDITS), label="text edit")
    raw = edit(text).encode("utf-8", "surrogatepass")
    exact = _outcome(intake_from_text, raw)
    fast = _outcome(assess_text, raw)
    line = _outcome(lambda r: answer_line(r, PARSE), raw)
    if isinstance(exact, list | tuple):
        assert fast == exact and line == exact
    else:
        assert fast == assess(exact)
        assert line == assess(exact).json_text


TEXT_EDITS = [
    lambda t: t,
    lambda t: t.replace('"age": ', '"age": 40, "age": ', 1),  # a repeated key
    lambda t: t.replace('"intensity": ', '"intensity": 3, "intensity": ', 1),
    lambda t: t.replace('"age": ', '"x": NaN, "age": ', 1),
    lambda t: t.replace('"age": ', '"x": Infinity, "age": ', 1),
    lambda t: t.replace('"age": ', '"\\u0061ge": ', 1),  # a key spelt with an escape
    lambda t: t.replace('"age": ', '"age":', 1).replace('"pain": ', '"pain" :', 1),
    lambda t: t.replace('"regions": ', '"regions": ["lumbar"], "regions": ', 1),
    lambda t: t[:-1] + ', "note": "a: b"}',  # a colon inside a string
    lambda t: t[:-1] + ', "red_flags": {"fever": true, "fe\\u0076er": false}}',
    lambda t: t.replace("lumbar", "lumb\\u0061r"),
    lambda t: " " + t + " \r\n",
    lambda t: "\ufeff" + t,
    lambda t: t[:-1],
    lambda t: t + "x",
    lambda t: "[" + t + "]",
    lambda t: t.replace('"age": ', '"age": 1e400, "y": ', 1),
    lambda t: t.replace('"age": ', '"age": 40.0, "y": ', 1),
    lambda t: t.replace('"age": ', '"age": 1' + "0" * 30 + ', "y": ', 1),
    lambda t: t.replace('"duration_weeks": ', '"duration_weeks": 1' + "0" * 30 + ', "x": ', 1),
]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        "[]",
        "{}",
        '"intake"',
        "{",
        '{"schema": "backcare.intake/1"}',
        '{"schema": "backcare.intake/1", "age": 40, "age": 41, "pain": {}}',
        '{"schema": "backcare.intake/1", "age": 40, "pain": {"intensity": 1, "duration_weeks": '
        '1, "regions": ["lumbar"]}, "startback": null, "preferences": {}, "recent": {}}',
        '{"schema": "backcare.intake/1", "age": 40, "pain": {"intensity": 1, "duration_weeks": '
        '1, "regions": ["lumbar"]}, "clearances": [{"rule": "CI-DVT", "date": "2025-01-01", '
        '"by": "Dr A: GP"}], "conditions": ["deep_vein_thrombosis"]}',
    ],
)
def test_edge_documents(text: str) -> None:
    raw = text.encode()
    exact = _outcome(intake_from_text, raw)
    if isinstance(exact, list | tuple):
        assert _outcome(assess_text, raw) == exact
        assert _outcome(lambda r: answer_line(r, PARSE), raw) == exact
    else:
        assert assess_text(raw) == assess(exact)
        assert answer_line(raw, PARSE) == assess(exact).json_text


def test_invalid_utf8_gets_the_exact_paths_problem() -> None:
    raw = b'{"schema": "backcare.intake/1", "by": "\xff"}'
    exact = _outcome(intake_from_text, raw)
    assert _outcome(assess_text, raw) == exact
    assert _outcome(lambda r: answer_line(r, PARSE), raw) == exact


def test_the_fast_path_imports_no_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from backcare.core.fastintake import assess_text\n"
        "doc = {'schema': 'backcare.intake/1', 'age': 40,"
        " 'pain': {'intensity': 4, 'duration_weeks': 20, 'regions': ['lumbar']}}\n"
        "assess_text(json.dumps(doc)).to_json()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- the engine: guards and memos ---------------------------------------------------------


def _reference_firing(intake: Intake) -> Firing:
    """The engine as it was before guards and memos: every rule of every table tested in
    order, the §1 measures and predicates computed as then."""
    t = load_tables()
    facts: dict[str, Any] = dict(zip(FIELD_NAMES, attrgetter(*FIELD_NAMES)(intake), strict=True))
    duration = intake.pain.duration_weeks
    facts["category"] = pain_category(duration)
    facts["severity"] = pain_severity(intake.pain.intensity)
    facts["onset_age"] = Decimal(intake.age) - Decimal(repr(duration)) / Decimal(52)
    score = None if intake.startback is None else score_startback(intake.startback)
    facts["startback_risk"] = None if score is None else score.risk
    facts["max_pressure"] = None
    facts["recommended"] = set()
    facts["fired"] = trace = []
    for p in t.predicates:
        facts[p.name] = bool(p.when.test(facts))
    clearances = {c.rule: c for c in intake.clearances}
    disposition, urgency = 0, -1
    referral: list[str] = []
    cleared = []
    for r in t.referral_rules:
        if not r.when.test(facts):
            continue
        trace.append(r.id)
        c = clearances.get(r.id) if r.clearable else None
        if c is not None:
            cleared.append((r.id, c.date.isoformat(), c.by, c.note))
            continue
        referral.append(r.id)
        disposition = max(disposition, DISPOSITION_SEVERITY[str(r.disposition)])
        urgency = max(urgency, URGENCY_SEVERITY[str(r.urgency)])
    preference = intake.preferences.pressure
    limits = []
    precautions = []
    for r in t.precautions:
        if not r.when.test(facts):
            continue
        trace.append(r.id)
        cap = preference if r.cap == "preference" else r.cap
        limits.append(
            (r.id, None if cap is None or cap == "none" else PRESSURE_ORDER[cap], r.avoid)
        )
        if r.precaution:
            precautions.append(r.id)
            disposition = max(disposition, DISPOSITION_SEVERITY["proceed_with_precautions"])
    by_rank = {v: k for k, v in DISPOSITION_SEVERITY.items()}
    urgency_name = {v: k for k, v in URGENCY_SEVERITY.items()}[urgency] if referral else None
    common: dict[str, Any] = {
        "disposition": by_rank[disposition],
        "urgency": urgency_name,
        "referral": tuple(referral),
        "cleared": tuple(cleared),
        "precautions": tuple(precautions),
        "preference": preference,
        "pain_category": facts["category"],
        "pain_severity": facts["severity"],
        "startback": None if score is None else (score.total, score.psychosocial, score.risk),
    }
    if by_rank[disposition] not in PROCEEDING:
        avoid_all = ("avoid", tuple(referral))
        return Firing(
            trace=tuple(trace),
            max_pressure=None,
            verdicts=(avoid_all,) * 4,
            co_treatments=None,
            self_care=(),
            plan_values=(),
            **common,
        )
    limit = min((rank for _, rank, _ in limits if rank is not None), default=2)
    facts["max_pressure"] = max_pressure = ("light", "medium", "firm")[limit]
    avoided = {}
    for technique in TECHNIQUES:
        minimum = PRESSURE_ORDER[t.technique_minimum[technique]]
        why = tuple(
            rid
            for rid, rank, avoid in limits
            if (rank is not None and rank < minimum) or technique in avoid
        )
        if why:
            avoided[technique] = why
    because: dict[str, str] = {}
    for r in t.techniques:
        fits = str(r.technique)
        if fits in avoided or not r.when.test(facts):
            continue
        trace.append(r.id)
        facts["recommended"].add(fits)
        because.setdefault(fits, r.id)
    verdicts = tuple(
        ("avoid", avoided[x])
        if x in avoided
        else ("recommended", (because[x],))
        if x in because
        else ("suitable", ())
        for x in TECHNIQUES
    )
    values: list[tuple[str, int]] = []
    lists: dict[str, list[str]] = {"co_treatments": [], "self_care": [], "none": []}
    for r in t.plan:
        if not r.when.test(facts):
            continue
        trace.append(r.id)
        values += r.plan_values.items()
        lists[str(r.plan_list)].append(r.id)
    return Firing(
        trace=tuple(trace),
        max_pressure=max_pressure,
        verdicts=verdicts,
        co_treatments=tuple(lists["co_treatments"]),
        self_care=tuple(lists["self_care"]),
        plan_values=tuple(values),
        **common,
    )


@given(intakes())
def test_the_guarded_memoised_engine_is_the_plain_one(doc: dict[str, Any]) -> None:
    intake = parse_intake(doc)
    assert evaluate(intake) == _reference_firing(intake)


@given(intakes())
def test_every_guard_holds_whenever_its_condition_does(doc: dict[str, Any]) -> None:
    facts = intake_facts(parse_intake(doc))
    facts["max_pressure"] = "light"  # any value: guards never rest on it (checked below)
    t = load_tables()
    for condition in [p.when for p in t.predicates] + [r.when for r in t.assessment_rules]:
        if condition.guard is None or not condition.test(facts):
            continue
        assert any(_holds(atom, facts) for atom in condition.guard), condition.source


def _holds(atom: tuple[str, str, Any], facts: dict[str, Any]) -> bool:
    kind, name, value = atom
    if kind == "t":
        return bool(facts[name])
    if kind == "n":
        return facts[name] is not None
    if kind == "e":
        return bool(facts[name] == value)
    return value in facts[name]


def test_guards_rest_only_on_facts_known_before_the_walk() -> None:
    """A guard on a fact the walk changes (max_pressure, recommended, fired) is not used: such
    a rule is always tested (TQ-SWEDISH-FIT reads max_pressure, CT-PHYSIO-RADICULAR fired)."""
    stages = _stages()
    t = load_tables()
    conditions = [p.when for p in t.predicates] + [r.when for r in t.assessment_rules]
    walked = {"max_pressure", "recommended", "fired"}
    ids = [p.name for p in t.predicates] + [r.id for r in t.assessment_rules]
    for number, condition in enumerate(conditions):
        if condition.guard is not None and any(a[1] in walked for a in condition.guard):
            assert number in stages.unguarded, ids[number]
    assert {"TQ-SWEDISH-FIT", "CT-PHYSIO-RADICULAR"} <= {ids[n] for n in stages.unguarded}
