"""Filling a finding's text: behaviours that mutation testing found unpinned (docs/mutation.md)."""

from __future__ import annotations

from typing import Any

import pytest

from backcare.core.rules.text import fill, readable


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "none"),
        ((), "none"),  # an empty list reads "none", never an empty gap in a sentence
        (frozenset(), "none"),
        (("deep_tissue", "swedish"), "deep tissue, swedish"),  # a tuple keeps its order
        (
            frozenset({"skin_reaction", "bruising", "dizziness"}),
            "bruising, dizziness, skin reaction",
        ),
        ({"b", "a"}, "a, b"),  # sets are sorted: the same facts give the same sentence
        (5, "5"),
        ("urgent_referral", "urgent referral"),
        ("AL-NEURO-SYMPTOMS", "AL-NEURO-SYMPTOMS"),
    ],
)
def test_readable(value: Any, words: str) -> None:
    assert readable(value) == words


def test_fill_replaces_known_names_and_leaves_unknown_ones_as_written() -> None:
    facts = {"latest.pressure": "firm", "intake_max_pressure": None}
    template = "({latest.pressure}) over ({intake_max_pressure}); {not_a_fact} stays"
    assert fill(template, facts) == "(firm) over (none); {not_a_fact} stays"
