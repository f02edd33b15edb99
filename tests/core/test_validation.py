"""Validation: every problem, each with its path and a plain reason; nothing guessed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.validation import (
    InvalidInput,
    intake_from_text,
    lone_surrogates,
    parse_course,
    parse_intake,
    parse_json,
)
from support.intakes import MINIMAL, intake_doc


def problems(doc: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_intake(doc)
    return {p.path: p.message for p in caught.value.problems}


def test_minimal_intake_takes_the_contract_defaults() -> None:
    intake = parse_intake(copy.deepcopy(MINIMAL)).to_json()
    assert intake["sex"] == "unspecified"
    assert intake["pregnancy"] == {"pregnant": False, "weeks": None, "high_risk": False}
    assert intake["pain"]["onset"] == "gradual" and intake["pain"]["radiation"] == "none"
    assert intake["conditions"] == [] and intake["clearances"] == []
    assert intake["preferences"] == {"pressure": None} and intake["startback"] is None


def test_all_errors_are_collected_at_once() -> None:
    doc = intake_doc(
        {
            "age": True,
            "pain.intensity": 11,
            "pain.duration_weeks": -1,
            "red_flags.sadle_numbness": True,
            "medications": "nsaid",
            "conditions": ["osteoporosis", "osteoporosis"],
        }
    )
    got = problems(doc)
    assert got["age"] == "must be a whole number, not true"
    assert got["pain.intensity"] == "must be at most 10, not 11"
    assert got["pain.duration_weeks"] == "must be at least 0, not -1"
    assert got["red_flags.sadle_numbness"].startswith("is not a field of this document")
    assert "saddle_numbness" in got["red_flags.sadle_numbness"]  # a hint, never a guess
    assert got["medications"] == "must be a list, not the text 'nsaid'"
    assert got["conditions[1]"].startswith("repeats 'osteoporosis'")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"schema": "backcare.intake/2"}, "schema"),
        ({"age": 121}, "age"),
        ({"age": -1}, "age"),
        ({"age": 40.0}, "age"),
        ({"age": "40"}, "age"),
        ({"sex": "F"}, "sex"),
        ({"pain.intensity": 5.5}, "pain.intensity"),
        ({"pain.intensity": None}, "pain.intensity"),
        ({"pain.duration_weeks": "3"}, "pain.duration_weeks"),
        ({"pain.duration_weeks": True}, "pain.duration_weeks"),
        ({"pain.regions": []}, "pain.regions"),
        ({"pain.regions": ["neck"]}, "pain.regions[0]"),
        ({"pain.onset": "slow"}, "pain.onset"),
        ({"pain.radiation": "foot"}, "pain.radiation"),
        ({"pain.night_pain_unrelieved": 1}, "pain.night_pain_unrelieved"),
        ({"pain.night_pain_unrelieved": "true"}, "pain.night_pain_unrelieved"),
        ({"findings.knots": True}, "findings.knots"),
        ({"red_flags.fever": None}, "red_flags.fever"),
        ({"conditions": ["sciatica"]}, "conditions[0]"),
        ({"medications": ["warfarin"]}, "medications[0]"),
        ({"history.family": True}, "history.family"),
        ({"recent.surgery_weeks_ago": -2}, "recent.surgery_weeks_ago"),
        ({"recent.injury_hours_ago": "yesterday"}, "recent.injury_hours_ago"),
        ({"preferences.pressure": "deep"}, "preferences.pressure"),
        ({"startback": [0] * 8}, "startback"),
        ({"startback": [0] * 8 + [5]}, "startback[8]"),
        ({"startback": [2] + [0] * 8}, "startback[0]"),
        ({"startback": [True] + [0] * 8}, "startback[0]"),
        ({"pregnancy.weeks": 20}, "pregnancy.weeks"),
        ({"pregnancy.high_risk": True}, "pregnancy.high_risk"),
        ({"pregnancy.pregnant": True, "pregnancy.weeks": 46}, "pregnancy.weeks"),
        ({"pregnancy.pregnant": True, "pregnancy.weeks": 0}, "pregnancy.weeks"),
        ({"notes": "x"}, "notes"),
        ({"pain.extra": 1}, "pain.extra"),
    ],
)
def test_each_kind_of_error_names_its_path(overrides: dict[str, Any], path: str) -> None:
    assert path in problems(intake_doc(overrides))


@pytest.mark.parametrize(
    ("clearance", "path", "fragment"),
    [
        (
            {"rule": "RF-FEVER", "date": "2026-01-01", "by": "Dr A"},
            "clearances[0].rule",
            "RF-FEVER",
        ),
        (
            {"rule": "RF-CES-SADDLE", "date": "2026-01-01", "by": "Dr A"},
            "clearances[0].rule",
            "cannot be cleared",
        ),
        ({"rule": "PR-BLEEDING", "date": "2026-01-01", "by": "Dr A"}, "clearances[0].rule", ""),
        ({"rule": "NOT-A-RULE", "date": "2026-01-01", "by": "Dr A"}, "clearances[0].rule", ""),
        ({"rule": "CI-DVT", "date": "2026-02-30", "by": "Dr A"}, "clearances[0].date", "calendar"),
        ({"rule": "CI-DVT", "date": "1/2/2026", "by": "Dr A"}, "clearances[0].date", "YYYY-MM-DD"),
        ({"rule": "CI-DVT", "date": "2026-01-01T10:00", "by": "Dr A"}, "clearances[0].date", ""),
        ({"rule": "CI-DVT", "date": 20260101, "by": "Dr A"}, "clearances[0].date", ""),
        ({"rule": "CI-DVT", "date": "2026-01-01", "by": ""}, "clearances[0].by", ""),
        ({"rule": "CI-DVT", "date": "2026-01-01", "by": "   "}, "clearances[0].by", "blank"),
        ({"rule": "CI-DVT", "date": "2026-01-01", "by": "x" * 201}, "clearances[0].by", ""),
        (
            {"rule": "CI-DVT", "date": "2026-01-01", "by": "Dr A", "note": "n" * 2001},
            "clearances[0].note",
            "",
        ),
        (
            {"rule": "CI-DVT", "date": "2026-01-01", "by": "Dr A", "note": None},
            "clearances[0].note",
            "",
        ),
        ({"rule": "CI-DVT", "date": "2026-01-01"}, "clearances[0].by", "required"),
        (
            {"rule": "CI-DVT", "date": "2026-01-01", "by": "Dr A", "signed": True},
            "clearances[0].signed",
            "",
        ),
    ],
)
def test_clearance_errors(clearance: dict[str, Any], path: str, fragment: str) -> None:
    got = problems(intake_doc({"clearances": [clearance]}))
    assert path in got
    assert fragment in got[path] or (fragment == "cannot be cleared" and "can clear" in got[path])


def test_a_rule_cleared_twice_is_refused() -> None:
    c = {"rule": "CI-DVT", "date": "2026-01-01", "by": "Dr A"}
    got = problems(intake_doc({"clearances": [c, dict(c)]}))
    assert "clearances[1].rule" in got


@pytest.mark.parametrize("document", [[], "intake", 3, None, True])
def test_the_document_must_be_an_object(document: Any) -> None:
    assert "" in problems(document)


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ('{"age": 1, "age": 2}', "", "appears twice"),
        ('{"pain": {"intensity": 1, "intensity": 2}}', "", "appears twice"),
        ('{"age": NaN}', "age", "NaN is not a number"),
        ('{"age": Infinity}', "age", "Infinity is not a number"),
        ('{"pain": {"regions": [1, -Infinity]}}', "pain.regions[1]", "-Infinity is not a number"),
        ("{", "", "not valid JSON"),
        ("", "", "not valid JSON"),
        (b"\xff\xfe{", "", ""),
        ("[" * 65 + "]" * 65, "", "nested more than 64 levels deep"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "", "nested more than 64 levels deep"),
        ("[" * 100_000, "", "nested more than 64 levels deep"),
    ],
)
def test_json_that_plain_parsers_accept_is_refused_too(
    text: str | bytes, path: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_json(text)
    (problem,) = caught.value.problems
    assert problem.path == path and fragment in problem.message


def test_nesting_up_to_the_limit_is_parsed_and_brackets_in_text_do_not_count() -> None:
    assert parse_json("[" * 64 + "]" * 64) is not None
    assert parse_json(json.dumps({"a": "[" * 1000 + '\\"' + "{" * 1000})) == {
        "a": "[" * 1000 + '\\"' + "{" * 1000
    }


def test_nan_and_infinity_are_each_refused_with_their_path() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_json('{"age": NaN, "pain": {"intensity": Infinity}}')
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("age", "NaN is not a number in JSON"),
        ("pain.intensity", "Infinity is not a number in JSON"),
    ]


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("pain.regions", "pain.regions[0]"),
        ("clearances", "clearances[0].rule"),
        ("sex", "sex"),
    ],
)
def test_half_a_surrogate_pair_is_refused_with_its_path(field: str, path: str) -> None:
    # JSON may spell "\ud800" (half a UTF-16 pair); no database or page can hold it, and
    # pydantic cannot even word its own error about it, so it is refused by name.
    value: Any = {
        "pain.regions": ["lumb\ud800"],
        "clearances": [{"rule": "\ud800", "date": "2025-01-01", "by": "A"}],
        "sex": "\udfff",
    }[field]
    doc = intake_doc({field: value})
    assert "surrogate" in problems(doc)[path]
    text = json.dumps(doc)  # escapes them as \ud800
    with pytest.raises(InvalidInput) as caught:
        intake_from_text(text)
    assert "surrogate" in {p.path: p.message for p in caught.value.problems}[path]


def test_a_whole_surrogate_pair_is_ordinary_text() -> None:
    doc = intake_doc(
        {
            "clearances": [{"rule": "CI-DVT", "date": "2025-01-01", "by": "Dr \U0001f600"}],
            "conditions": ["deep_vein_thrombosis"],
        }
    )
    assert intake_from_text(json.dumps(doc)).clearances[0].by == "Dr \U0001f600"


def test_huge_numbers_are_refused_not_overflowed() -> None:
    doc = intake_doc({"pain.duration_weeks": 1e400})  # json gives inf for this
    assert "pain.duration_weeks" in problems(doc)


def test_course_errors_have_paths() -> None:
    doc = {
        "schema": "backcare.course/1",
        "intake": intake_doc({"red_flags.feverr": True}),
        "baseline": {"pain": 6, "odi": 101},
        "sessions": [
            {
                "number": 2,
                "date": "2026-01-03",
                "pain_before": 3,
                "pain_after": 2,
                "techniques": ["swedish"],
                "pressure": "light",
            },
            {
                "number": 2,
                "date": "2026-01-01",
                "pain_before": 3,
                "pain_after": 2,
                "techniques": [],
                "pressure": "hard",
            },
        ],
        "followups": [{"date": "2026-01-05", "rmdq": 3}],
    }
    with pytest.raises(InvalidInput) as caught:
        parse_course(doc)
    paths = {p.path for p in caught.value.problems}
    assert {
        "intake.red_flags.feverr",
        "baseline.odi",
        "sessions[1].techniques",
        "sessions[1].pressure",
        "followups[0].pain",
    } <= paths


def test_session_order_errors_have_paths() -> None:
    s = {"pain_before": 3, "pain_after": 2, "techniques": ["swedish"], "pressure": "light"}
    doc = {
        "schema": "backcare.course/1",
        "intake": intake_doc(),
        "baseline": {"pain": 6},
        "sessions": [
            s | {"number": 2, "date": "2026-01-03"},
            s | {"number": 2, "date": "2026-01-01"},
        ],
    }
    with pytest.raises(InvalidInput) as caught:
        parse_course(doc)
    assert {p.path for p in caught.value.problems} == {"sessions[1].number", "sessions[1].date"}


def test_duplicate_session_techniques_and_side_effects_are_refused() -> None:
    s = {
        "number": 1,
        "date": "2026-01-03",
        "pain_before": 3,
        "pain_after": 2,
        "techniques": ["swedish", "swedish"],
        "pressure": "light",
        "side_effects": ["soreness", "soreness"],
    }
    doc = {
        "schema": "backcare.course/1",
        "intake": intake_doc(),
        "baseline": {"pain": 6},
        "sessions": [s],
    }
    with pytest.raises(InvalidInput) as caught:
        parse_course(doc)
    assert {p.path for p in caught.value.problems} == {
        "sessions[0].techniques[1]",
        "sessions[0].side_effects[1]",
    }


_TEXT = st.text(alphabet=st.sampled_from(["a", "é", "\ud800", "\udfff", "\U0001f600"]), max_size=4)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12,
)


@given(_JSON)
def test_the_quick_surrogate_walk_finds_what_the_full_walk_finds(node: Any) -> None:
    # The quick walk (no paths) decides whether the full walk runs at all: it must never miss
    # a lone surrogate, in a value or a key, at any depth.
    full = lone_surrogates(node, ("x",))  # a path given: the full walk, always
    quick = lone_surrogates(node)  # from the root: the quick walk first
    assert bool(full) == bool(quick)
    assert [p.message for p in quick] == [p.message for p in full]
