"""The accelerator (`core/accelerator/`, used only by `backcare assess`) gives the plain
engine's answers byte for byte: Hypothesis, exhaustive boundary values and a large seeded corpus.

- `intake_json.field_facts_from_json` (a hand-written check of parsed intake JSON) accepts only
  what pydantic accepts, and then gives exactly the field facts `field_facts` gives from the
  model; it accepts every valid intake of the strategies (or the fast path would never be
  taken). What it refuses goes to the exact path, so the problems are the exact path's own.
- `assess_text` and `batch_answerer` give what `assess(intake_from_text(..))` gives: the same
  Assessment and the same JSON text (`dumps_assessment`), or the same problems.
- The guarded, memoised walk (`walk.answer_text`) is the plain walk: its guards are sound, its
  faster closures are the plain ones, and its text is `dumps_assessment(assess(...))` on
  Hypothesis intakes and on 40,000 seeded intakes of the benchmarks' two caseloads.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import from_json

from backcare.core.accelerator import assess_text, batch_answerer
from backcare.core.accelerator.conditions import fast_test, guard
from backcare.core.accelerator.intake_json import field_facts_from_json
from backcare.core.accelerator.walk import _stages, answer_text, complete_facts, guards
from backcare.core.assessment import assess, field_facts, intake_facts
from backcare.core.models import Intake
from backcare.core.results import Assessment, dumps_assessment
from backcare.core.rules.tables import clearable_rule_ids, load_tables
from backcare.core.validation import InvalidInput, intake_from_text, parse_intake
from support.strategies import CONDITIONS, MEDICATIONS, PRESSURES, REGIONS, intakes

PARSE = partial(from_json, allow_inf_nan=False)
ANSWER = batch_answerer(PARSE)


def _line(raw: bytes) -> str:
    """The batch's answer to one line, as text (the batch writes these UTF-8 bytes)."""
    return ANSWER(raw).decode("utf-8")


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
    found = field_facts_from_json(copy.deepcopy(doc))
    if found is None:
        _check_refusal_is_the_exact_answer(doc, exact)
        return
    assert isinstance(exact, Intake), (doc, exact)
    facts, clearances = found
    assert _facts_without_clearances(facts) == _facts_without_clearances(field_facts(exact))
    assert {
        rule: (c.date.isoformat(), c.by, c.note) for c in exact.clearances for rule in (c.rule,)
    } == clearances
    answer = answer_text(facts, complete_facts(facts), clearances)
    assert answer.decode() == dumps_assessment(assess(exact))


def _check_refusal_is_the_exact_answer(doc: Any, exact: Any) -> None:
    """A refusal is no verdict: `assess_text` and `batch_answerer` must then give what the exact
    path gives for the same text (the Assessment and its JSON text, or the same problems), and
    a document the exact path accepts must be answered as `assess` answers its Intake."""
    text = json.dumps(doc)
    expected = _outcome(lambda t: assess(intake_from_text(t)), text)
    if isinstance(exact, Intake):
        assert expected == assess(exact), (doc, expected)
    assert _outcome(assess_text, text) == expected, doc
    line = _outcome(_line, text.encode())
    assert line == (dumps_assessment(expected) if isinstance(expected, Assessment) else expected)


# --- valid intakes ------------------------------------------------------------------------


@given(intakes())
def test_every_valid_intake_takes_the_fast_path_with_the_models_facts(doc: dict[str, Any]) -> None:
    found = field_facts_from_json(copy.deepcopy(doc))
    assert found is not None, doc
    _check_fast_agrees(doc)


@given(intakes())
def test_fast_answers_are_the_exact_answers(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    exact = assess(intake_from_text(text))
    assert assess_text(text) == exact
    assert assess_text(text.encode()) == exact
    line = dumps_assessment(exact)
    assert _line(text.encode()) == line
    assert _line(json.dumps(doc, ensure_ascii=False).encode()) == line
    assert json.loads(line) == exact.to_json()


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
    assert field_facts_from_json(copy.deepcopy(FULL)) is not None


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
    line = _outcome(_line, raw)
    if isinstance(exact, list | tuple):
        assert fast == exact and line == exact
    else:
        assert fast == assess(exact)
        assert line == dumps_assessment(assess(exact))


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
        assert _outcome(_line, raw) == exact
    else:
        assert assess_text(raw) == assess(exact)
        assert _line(raw) == dumps_assessment(assess(exact))


def test_invalid_utf8_gets_the_exact_paths_problem() -> None:
    raw = b'{"schema": "backcare.intake/1", "by": "\xff"}'
    exact = _outcome(intake_from_text, raw)
    assert _outcome(assess_text, raw) == exact
    assert _outcome(_line, raw) == exact


def test_the_fast_path_imports_no_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from backcare.core.accelerator import assess_text\n"
        "doc = {'schema': 'backcare.intake/1', 'age': 40,"
        " 'pain': {'intensity': 4, 'duration_weeks': 20, 'regions': ['lumbar']}}\n"
        "assess_text(json.dumps(doc)).to_json()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- the walk: guards, closures, memos and text -------------------------------------------


def _conditions() -> list[Any]:
    t = load_tables()
    return [p.when for p in t.predicates] + [r.when for r in t.assessment_rules]


@given(intakes())
def test_every_guard_holds_whenever_its_condition_does(doc: dict[str, Any]) -> None:
    facts = intake_facts(parse_intake(doc))
    for max_pressure in ("light", "firm"):
        facts["max_pressure"] = max_pressure  # guards never rest on it (checked below)
        for condition in _conditions():
            found = guard(condition)
            if found is None or not condition.test(facts):
                continue
            assert any(_holds(atom, facts) for atom in found), condition.source


@given(intakes())
def test_the_faster_closures_are_the_plain_ones(doc: dict[str, Any]) -> None:
    facts = intake_facts(parse_intake(doc))
    for max_pressure in (None, "light", "medium", "firm"):
        facts["max_pressure"] = max_pressure
        for condition in _conditions():
            assert bool(fast_test(condition)(facts)) == condition(facts), condition.source


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
    t = load_tables()
    ids = [p.name for p in t.predicates] + [r.id for r in t.assessment_rules]
    walked = {"max_pressure", "recommended", "fired"}
    used = guards()
    for number, condition in enumerate(_conditions()):
        found = guard(condition)
        if found is not None and any(a[1] in walked for a in found):
            assert used[number] is None, ids[number]
            assert number in _stages().unguarded, ids[number]
    unguarded = {ids[n] for n in _stages().unguarded}
    assert {"TQ-SWEDISH-FIT", "CT-PHYSIO-RADICULAR"} <= unguarded
    # Most rules are guarded, or the accelerator would accelerate nothing.
    assert len(unguarded) < len(ids) / 3


def _synthetic() -> Any:
    path = Path(__file__).parents[2] / "benchmarks" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("synthetic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("caseload", ["synthetic", "varied"])
def test_a_large_seeded_corpus_gets_the_plain_engines_bytes(caseload: str) -> None:
    """20,000 intakes of each of the benchmarks' caseloads (seed 29), each as the batch reads
    it: every line's text is the plain engine's, and the corpus reaches every disposition."""
    dispositions = set()
    for doc in _synthetic().synthetic_intakes(20_000, 29, caseload):
        raw = json.dumps(doc).encode()
        expected = dumps_assessment(assess(intake_from_text(raw)))
        assert ANSWER(raw) == expected.encode(), doc
        dispositions.add(json.loads(expected)["disposition"])
    assert len(dispositions) == 5


@pytest.mark.parametrize("age", [35, 36, 45, 46, 47, 80])
@pytest.mark.parametrize(
    "weeks", [0, 0.01, 51.99, 52, 52.01, 103.99, 104, 104.01, 520, 1e-9, 13.0, 12.99]
)
def test_onset_age_on_and_near_a_whole_year_gets_the_plain_answer(age: int, weeks: float) -> None:
    """The walk uses a float onset age away from whole years and the exact Decimal near them
    (§1; inflammatory_pattern compares it with 35 and 45): on the boundary and a hundredth of a
    week either side, with every other feature of the pattern present, the bytes agree."""
    doc = {
        "schema": "backcare.intake/1",
        "age": age,
        "pain": {
            "intensity": 5,
            "duration_weeks": weeks,
            "regions": ["lumbar", "gluteal"],
            "wakes_second_half_of_night": True,
            "better_with_movement": True,
        },
        "history": {"family_spondyloarthritis": True},
    }
    raw = json.dumps(doc).encode()
    assert ANSWER(raw) == dumps_assessment(assess(intake_from_text(raw))).encode()
