"""Hypothesis strategies for valid clinical-rules-v1.1 courses (`backcare.course/1` with the v1.1
fields: follow-ups' side effects, hours and warning signs, and reviews).

Dates are drawn in a narrow window so that visits and reviews often fall on the same day or a
day apart (the boundaries of §6 "Resolved by a review" and "since the latest session").
"""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import strategies as st

from support.course_oracle import RED_FLAG_NAMES, REVIEWABLE_IDS, SIDE_EFFECTS, raised_dates
from support.strategies import intakes

DAY0 = datetime.date(2026, 1, 1)
TECHNIQUES = ("swedish", "deep_tissue", "trigger_point", "myofascial_release")
PRESSURES = ("light", "medium", "firm")


def day(offset: int) -> str:
    return (DAY0 + datetime.timedelta(days=offset)).isoformat()


def optional(key: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just({}), strategy.map(lambda v: {key: v}))


# Mostly no warning sign at a visit, sometimes one or two (a few set false explicitly).
new_red_flags = st.one_of(
    st.just({}),
    st.just({}),
    st.dictionaries(st.sampled_from(RED_FLAG_NAMES), st.booleans(), min_size=1, max_size=2),
)
side_effects = st.one_of(
    st.just([]), st.lists(st.sampled_from(SIDE_EFFECTS), unique=True, min_size=1, max_size=3)
)
hours = st.one_of(st.none(), st.sampled_from([0, 12, 48, 48.5, 72, 100]))

CONDITIONS = (
    "spinal_stenosis",
    "herniated_disc",
    "active_cancer_treatment",
    "diabetic_neuropathy",
    "bleeding_disorder",
    "osteoporosis",
    "aortic_aneurysm",
)
MEDICATIONS = ("anticoagulant", "antiplatelet", "long_term_corticosteroid", "nsaid", "opioid")


@st.composite
def small_intakes(draw: st.DrawFn) -> dict[str, Any]:
    """A short intake: few red flags, the conditions and medications the red-flag rules and
    PR-BLEEDING read, ages and durations around their boundaries, no clearances."""
    doc: dict[str, Any] = {
        "schema": "backcare.intake/1",
        "age": draw(st.sampled_from([15, 30, 45, 45, 49, 50, 71])),
        "pain": {
            "intensity": draw(st.integers(0, 10)),
            "duration_weeks": draw(st.sampled_from([0, 2, 5.9, 6, 12, 12.5, 20, 104])),
            "regions": draw(
                st.lists(
                    st.sampled_from(["lumbar", "thoracic", "gluteal"]), min_size=1, unique=True
                )
            ),
            "radiation": draw(st.sampled_from(["none", "above_knee", "below_knee"])),
            "night_pain_unrelieved": draw(st.sampled_from([False, False, False, True])),
        },
    }
    flags = draw(st.lists(st.sampled_from(RED_FLAG_NAMES), max_size=2, unique=True))
    if flags:
        doc["red_flags"] = dict.fromkeys(flags, True)
    doc |= draw(
        optional("conditions", st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True))
    )
    doc |= draw(
        optional("medications", st.lists(st.sampled_from(MEDICATIONS), max_size=2, unique=True))
    )
    return doc


@st.composite
def visit_reports(draw: st.DrawFn) -> dict[str, Any]:
    """The v1.1 optional fields of a visit (session or follow-up)."""
    out: dict[str, Any] = {}
    out |= draw(optional("side_effects", side_effects))
    out |= draw(optional("side_effect_hours", hours))
    out |= draw(optional("new_red_flags", new_red_flags))
    return out


@st.composite
def v11_courses(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 7))
    numbers = sorted(draw(st.lists(st.integers(1, 30), min_size=n, max_size=n, unique=True)))
    offset = draw(st.integers(0, 3))
    sessions = []
    for number in numbers:
        offset += draw(st.sampled_from([0, 0, 1, 3, 7]))
        session: dict[str, Any] = {
            "number": number,
            "date": day(offset),
            "pain_before": draw(st.integers(0, 10)),
            "pain_after": draw(st.integers(0, 10)),
            "techniques": draw(st.lists(st.sampled_from(TECHNIQUES), min_size=1, unique=True)),
            "pressure": draw(st.sampled_from(PRESSURES)),
        }
        session |= draw(visit_reports())
        sessions.append(session)
    last_day = offset
    followups = []
    for _ in range(draw(st.integers(0, 3))):
        followup: dict[str, Any] = {
            "date": day(draw(st.integers(-3, last_day + 4))),  # before the first session too
            "pain": draw(st.integers(0, 10)),
        }
        followup |= draw(optional("rmdq", st.one_of(st.none(), st.integers(0, 24))))
        followup |= draw(optional("odi", st.one_of(st.none(), st.integers(0, 100))))
        followup |= draw(
            optional("peg", st.one_of(st.none(), st.sampled_from([0, 2.7, 4, 5, 6, 9.3])))
        )
        followup |= draw(visit_reports())
        followups.append(followup)
    baseline: dict[str, Any] = {"pain": draw(st.integers(0, 10))}
    baseline |= draw(optional("rmdq", st.one_of(st.none(), st.integers(0, 24))))
    baseline |= draw(optional("odi", st.one_of(st.none(), st.integers(0, 100), st.just(37.5))))
    baseline |= draw(optional("peg", st.one_of(st.none(), st.sampled_from([0, 3.3, 5, 6.7, 10]))))
    doc: dict[str, Any] = {
        "schema": "backcare.course/1",
        "intake": draw(st.one_of(small_intakes(), intakes())),
        "baseline": baseline,
        "sessions": sessions,
    }
    if followups or draw(st.booleans()):
        doc["followups"] = followups
    # Reviews: their ids drawn half the time from what was actually raised, so that resolution
    # (dates, outcomes, sources) is exercised, not only reviews of things never raised.
    raised = sorted(raised_dates(doc))
    pool = st.sampled_from(REVIEWABLE_IDS)
    if raised:
        pool = st.one_of(st.sampled_from(raised), pool)
    reviews = []
    for _ in range(draw(st.integers(0, 3))):
        review: dict[str, Any] = {
            "date": day(draw(st.integers(-1, last_day + 3))),
            "rules": draw(st.lists(pool, min_size=1, max_size=3, unique=True)),
            "by": "Dr Test",
            "role": "GP",
            "source": draw(
                st.sampled_from(["letter_seen", "clinician_contacted", "client_report"])
            ),
            "outcome": draw(st.sampled_from(["may_resume", "with_restrictions", "not_advised"])),
        }
        review |= draw(optional("note", st.just("rest for a week")))
        reviews.append(review)
    if reviews or draw(st.booleans()):
        doc["reviews"] = reviews
    return doc
