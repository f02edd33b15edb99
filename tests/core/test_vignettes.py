"""Every public example case gives its expected answers (copied from ../shared/vignettes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backcare.core.assessment import assess
from backcare.core.progress import progress
from backcare.core.validation import parse_course, parse_intake
from support.cases import COURSE_CASES, INTAKE_CASES, summarise_assessment

SHARED = Path(__file__).resolve().parents[3] / "shared" / "vignettes"


def _close(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(_close(v, got.get(k)) for k, v in expected.items())
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(got, int | float) and abs(expected - got) < 1e-6
    return bool(expected == got)


def test_there_are_cases() -> None:
    assert len(INTAKE_CASES) >= 15
    assert len(COURSE_CASES) >= 6


@pytest.mark.parametrize("case", INTAKE_CASES, ids=lambda c: c["name"])
def test_intake_case(case: dict[str, Any]) -> None:
    got = summarise_assessment(assess(parse_intake(case["intake"])).to_json())
    expected = case["expect"]
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize("case", COURSE_CASES, ids=lambda c: c["name"])
def test_course_case(case: dict[str, Any]) -> None:
    got = progress(parse_course(case["course"])).to_json()
    for key, expected in case["expect"].items():
        if key == "alerts":
            pairs = sorted((a["rule"], a["next_step"]) for a in got["alerts"])
            assert pairs == sorted((a["rule"], a["next_step"]) for a in expected)
        else:
            assert _close(expected, got[key]), (key, expected, got[key])


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the project")
def test_shipped_copies_match_shared() -> None:
    """The project's copies are the published cases, unchanged."""
    shipped = {c["name"]: c for c in INTAKE_CASES + COURSE_CASES}
    published = [json.loads(p.read_text()) for p in sorted(SHARED.rglob("*.json"))]
    assert {c["name"] for c in published} == set(shipped)
    for case in published:
        assert shipped[case["name"]] == case
