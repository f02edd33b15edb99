"""What the rules decide on the warning signs alone (core/rules/partial.py; issue 11)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from backcare.core.assessment import assess, intake_facts
from backcare.core.rules.expression import parse_condition
from backcare.core.rules.partial import (
    UNKNOWN,
    cauda_equina_signs,
    emergencies,
    evaluate,
    known_facts,
)
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_intake
from support.strategies import intakes


def _rules(flags: list[str], conditions: Any = (), medications: Any = ()) -> list[str]:
    return [f.rule for f in emergencies(known_facts(flags, conditions, medications))]


@given(intakes())
def test_an_emergency_found_on_the_signs_is_the_assessments_for_every_complete_intake(
    doc: dict[str, Any],
) -> None:
    intake = parse_intake(doc)
    answer = assess(intake).to_json()
    flags = [n for n, v in intake.red_flags.model_dump().items() if v]
    reasons = answer["referral"]["reasons"] if answer["referral"] else []
    for given_facts in (
        known_facts(flags),
        known_facts(flags, intake.conditions, intake.medications),
    ):
        found = [f.to_json() for f in emergencies(given_facts)]
        if found:
            assert answer["disposition"] == "emergency"
        for finding in found:
            assert finding in reasons  # the same rule, words and sources as the assessment


@given(intakes())
def test_with_every_answer_given_the_three_valued_walk_is_the_assessments(
    doc: dict[str, Any],
) -> None:
    facts = intake_facts(parse_intake(doc))
    for rule in load_tables().assessment_rules:
        if "fired" in rule.reads or "recommended" in rule.reads or "max_pressure" in rule.reads:
            continue  # facts the walk fills in as it goes
        value = evaluate(parse_condition(rule.when.source), facts)
        assert value is not UNKNOWN
        assert bool(value) == rule.when(facts), rule.id


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["saddle_numbness"], ["RF-CES-SADDLE"]),
        (["new_bladder_dysfunction", "saddle_numbness"], ["RF-CES-SADDLE", "RF-CES-BLADDER"]),
        (["new_bowel_incontinence"], ["RF-CES-BOWEL"]),
        (["bilateral_leg_symptoms"], ["RF-CES-BILATERAL"]),
        (["progressive_leg_weakness"], ["RF-NEURO-PROGRESSIVE"]),
        (["pulsating_abdominal_mass"], ["RF-AAA"]),
        (["chest_pain"], ["RF-CHEST-PAIN"]),
        (["calf_pain_swelling"], ["RF-DVT"]),
        (["fever", "iv_drug_use"], ["RF-INFECTION"]),
        # Urgent, or an emergency only with answers not given yet (the pain, its duration):
        (["fever"], []),
        (["history_of_cancer"], []),
        (["significant_trauma"], []),
        (["unexplained_weight_loss"], []),
        ([], []),
    ],
)
def test_the_signs_that_are_an_emergency_on_their_own(
    flags: list[str], expected: list[str]
) -> None:
    assert _rules(flags) == expected


def test_an_answer_not_given_never_makes_an_emergency_sure() -> None:
    # Both legs is an emergency unless known spinal stenosis explains it in long-standing pain:
    # with the conditions not given (or stenosis given, the duration not), it is not sure.
    assert _rules(["bilateral_leg_symptoms"], conditions=None) == []
    assert _rules(["bilateral_leg_symptoms"], conditions=["spinal_stenosis"]) == []
    # A fever is an emergency with long-term steroids; unknown medicines decide nothing.
    assert _rules(["fever"], medications=["long_term_corticosteroid"]) == ["RF-INFECTION"]
    assert _rules(["fever"], medications=None) == []


def test_the_cauda_equina_questions_are_those_the_ces_rules_read() -> None:
    assert cauda_equina_signs() == (
        "saddle_numbness",
        "new_bladder_dysfunction",
        "new_bowel_incontinence",
        "bilateral_leg_symptoms",
    )
