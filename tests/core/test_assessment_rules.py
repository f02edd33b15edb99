"""The readable rule cases in cases/assessment-rules.toml: every rule fires at its boundary and
not just outside it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from backcare.core.assessment import assess
from backcare.core.rules.tables import load_tables
from support.intakes import make_intake

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "assessment-rules.toml").read_text()
)["case"]


def _null(value: Any) -> Any:
    return None if value == "null" else value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_case(case: dict[str, Any]) -> None:
    answer = assess(make_intake(case["set"])).to_json()
    trace = answer["trace"]
    for rule in case.get("fires", []):
        assert rule in trace, f"{rule} should fire"
    for rule in case.get("not_fires", []):
        assert rule not in trace, f"{rule} should not fire"
    if "disposition" in case:
        assert answer["disposition"] == case["disposition"]
    if "referral_urgency" in case:
        got = None if answer["referral"] is None else answer["referral"]["urgency"]
        assert got == _null(case["referral_urgency"])
    if "max_pressure" in case:
        assert answer["max_pressure"] == _null(case["max_pressure"])
    for technique, verdict in case.get("techniques", {}).items():
        assert answer["techniques"][technique]["verdict"] == verdict, technique
    measures = answer["measures"]
    for key in ("pain_category", "pain_severity"):
        if key in case:
            assert measures[key] == case[key]
    if "startback" in case:
        assert measures["startback"] == case["startback"]
    if "cleared" in case:
        assert [c["rule"] for c in answer["cleared"]] == case["cleared"]


def test_every_assessment_rule_has_a_case_where_it_fires() -> None:
    fired = set()
    for case in CASES:
        fired |= set(assess(make_intake(case["set"])).trace)
    missing = {r.id for r in load_tables().assessment_rules} - fired
    assert not missing, f"no case makes these rules fire: {sorted(missing)}"
