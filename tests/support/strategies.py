"""Hypothesis strategies for valid contract documents, built from the contract's own enums."""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import strategies as st

from backcare.core.rules.tables import clearable_rule_ids
from backcare.core.vocabulary import (
    RED_FLAG_NAMES,
    Condition,
    Medication,
    Onset,
    Pressure,
    Radiation,
    Region,
    Sex,
    SideEffect,
    Technique,
)

CONDITIONS = get_args(Condition)
MEDICATIONS = get_args(Medication)
REGIONS = get_args(Region)
TECHNIQUE_NAMES = get_args(Technique)
SIDE_EFFECTS = get_args(SideEffect)
PRESSURES = get_args(Pressure)

# Durations and hours near the rules' boundaries are drawn more often than the rest.
durations = st.one_of(
    st.sampled_from([0, 5.99, 6, 12, 12.01, 13, 52, 260]),
    st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=500),
)
hours = st.one_of(st.sampled_from([0, 71.9, 72, 100]), st.floats(0, 500, allow_nan=False))
weeks_ago = st.one_of(st.sampled_from([0, 11.9, 12, 30]), st.floats(0, 60, allow_nan=False))
dates = st.dates().map(lambda d: d.isoformat())


def optional(key: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Either leave the key out (its default applies) or give it a value."""
    return st.one_of(st.just({}), strategy.map(lambda v: {key: v}))


def flags(names: tuple[str, ...], chance_heavy: bool = False) -> st.SearchStrategy[dict[str, bool]]:
    return st.dictionaries(st.sampled_from(names), st.booleans(), max_size=4 if chance_heavy else 3)


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid `backcare.intake/1` document, with any subset of optional fields."""
    doc: dict[str, Any] = {
        "schema": "backcare.intake/1",
        "age": draw(st.one_of(st.sampled_from([15, 16, 49, 50, 70, 71]), st.integers(0, 120))),
        "pain": {
            "intensity": draw(st.integers(0, 10)),
            "duration_weeks": draw(durations),
            "regions": draw(
                st.lists(st.sampled_from(REGIONS), min_size=1, max_size=5, unique=True)
            ),
        },
    }
    pain = doc["pain"]
    pain |= draw(optional("onset", st.sampled_from(get_args(Onset))))
    pain |= draw(optional("radiation", st.sampled_from(get_args(Radiation))))
    pain |= draw(
        flags(
            (
                "night_pain_unrelieved",
                "wakes_second_half_of_night",
                "better_with_movement",
                "eased_by_nsaids_within_48h",
            )
        )
    )
    doc |= draw(optional("sex", st.sampled_from(get_args(Sex))))
    if draw(st.booleans()):
        pregnant = draw(st.booleans())
        pregnancy: dict[str, Any] = {"pregnant": pregnant}
        if pregnant:
            pregnancy |= draw(optional("weeks", st.one_of(st.none(), st.integers(1, 45))))
            pregnancy |= draw(optional("high_risk", st.booleans()))
        doc["pregnancy"] = pregnancy
    doc |= draw(
        optional("findings", flags(("muscle_tension", "trigger_points", "fascial_restriction")))
    )
    doc |= draw(optional("red_flags", flags(RED_FLAG_NAMES, chance_heavy=True)))
    doc |= draw(
        optional("conditions", st.lists(st.sampled_from(CONDITIONS), max_size=4, unique=True))
    )
    doc |= draw(
        optional("medications", st.lists(st.sampled_from(MEDICATIONS), max_size=3, unique=True))
    )
    doc |= draw(
        optional(
            "history", flags(("family_spondyloarthritis", "arthritis_enthesitis_or_psoriasis"))
        )
    )
    recent: dict[str, Any] = {}
    recent |= draw(optional("surgery_weeks_ago", st.one_of(st.none(), weeks_ago)))
    recent |= draw(optional("injury_hours_ago", st.one_of(st.none(), hours)))
    if recent or draw(st.booleans()):
        doc["recent"] = recent
    rules = draw(st.lists(st.sampled_from(sorted(clearable_rule_ids())), max_size=3, unique=True))
    if rules:
        doc["clearances"] = [
            {
                "rule": rule,
                "date": draw(dates),
                "by": draw(st.text(min_size=1, max_size=20).filter(lambda s: s.strip())),
            }
            | draw(optional("note", st.text(max_size=30)))
            for rule in rules
        ]
    doc |= draw(
        optional(
            "preferences", optional("pressure", st.one_of(st.none(), st.sampled_from(PRESSURES)))
        )
    )
    if draw(st.booleans()):
        doc["startback"] = (
            draw(st.tuples(*[st.integers(0, 1)] * 8, st.integers(0, 4)).map(list))
            if draw(st.booleans())
            else None
        )
    return doc


@st.composite
def courses(draw: st.DrawFn) -> dict[str, Any]:
    """A valid `backcare.course/1` document."""
    n = draw(st.integers(0, 7))
    numbers = sorted(draw(st.lists(st.integers(1, 50), min_size=n, max_size=n, unique=True)))
    day0 = draw(
        st.dates(
            min_value=__import__("datetime").date(2020, 1, 1),
            max_value=__import__("datetime").date(2100, 1, 1),
        )
    )
    gaps = draw(st.lists(st.integers(0, 14), min_size=n, max_size=n))
    sessions = []
    day = day0
    for number, gap in zip(numbers, gaps, strict=True):
        day = day + __import__("datetime").timedelta(days=gap)
        session: dict[str, Any] = {
            "number": number,
            "date": day.isoformat(),
            "pain_before": draw(st.integers(0, 10)),
            "pain_after": draw(st.integers(0, 10)),
            "techniques": draw(st.lists(st.sampled_from(TECHNIQUE_NAMES), min_size=1, unique=True)),
            "pressure": draw(st.sampled_from(PRESSURES)),
        }
        session |= draw(
            optional(
                "side_effects", st.lists(st.sampled_from(SIDE_EFFECTS), unique=True, max_size=3)
            )
        )
        session |= draw(
            optional("side_effect_hours", st.one_of(st.none(), st.sampled_from([12, 48, 48.5, 72])))
        )
        session |= draw(optional("new_red_flags", flags(RED_FLAG_NAMES)))
        sessions.append(session)
    baseline: dict[str, Any] = {"pain": draw(st.integers(0, 10))}
    baseline |= draw(optional("rmdq", st.one_of(st.none(), st.integers(0, 24))))
    baseline |= draw(
        optional("odi", st.one_of(st.none(), st.integers(0, 100), st.sampled_from([37.5, 0.0])))
    )
    baseline |= draw(optional("peg", st.one_of(st.none(), st.sampled_from([0, 3.3, 5, 6.7, 10]))))
    followups = [
        {"date": draw(dates), "pain": draw(st.integers(0, 10))}
        | draw(optional("rmdq", st.one_of(st.none(), st.integers(0, 24))))
        | draw(optional("odi", st.one_of(st.none(), st.integers(0, 100))))
        | draw(optional("peg", st.one_of(st.none(), st.sampled_from([0, 2.7, 4, 9.3]))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    doc: dict[str, Any] = {
        "schema": "backcare.course/1",
        "intake": draw(intakes()),
        "baseline": baseline,
        "sessions": sessions,
    }
    if followups or draw(st.booleans()):
        doc["followups"] = followups
    return doc
