"""Progress behaviours that mutation testing found unpinned (docs/mutation.md).

Each test names what it pins; every one failed against at least one surviving mutant of
src/backcare/core/progress.py before it was written.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from backcare.core.models import Course
from backcare.core.progress import (
    latest_pain_entry,
    latest_values,
    meaningful_line,
    progress,
    unresolved,
    visits,
)
from backcare.core.validation import parse_course
from core.test_progress import INTAKE, session


def course(
    sessions: list[dict[str, Any]] | None = None,
    intake: dict[str, Any] | None = None,
    **extra: Any,
) -> Course:
    doc = {
        "schema": "backcare.course/1",
        "intake": copy.deepcopy(INTAKE) | (intake or {}),
        "baseline": {"pain": 6},
        "sessions": sessions or [],
    }
    return parse_course(doc | extra)


def alert_texts(c: Course) -> dict[str, tuple[str, str]]:
    return {a.rule: (a.text, a.therapist_text) for a in progress(c).alerts}


# --- the chart's line of meaningful improvement ---------------------------------------------


@pytest.mark.parametrize(
    ("measure", "baseline", "line"),
    [
        ("peg", 1, "0"),  # 1 -> 0 is -1 point and -100 %: meaningful, so the line is 0
        ("peg", 0.5, None),
        ("peg", 3, "2"),
        ("rmdq", 20, "14.0"),  # 30 % binds: min(15, 14.0)
        ("rmdq", 5, "0"),
        ("rmdq", 4, None),
        ("odi", 50, "35.0"),
    ],
)
def test_meaningful_line_of_every_measure_at_its_boundary(
    measure: str, baseline: float, line: str | None
) -> None:
    assert meaningful_line(measure, baseline) == (None if line is None else Decimal(line))


# --- which entry gives the latest pain (the chart marks it) ----------------------------------


def test_latest_pain_entry_is_none_while_the_baseline_stands() -> None:
    assert latest_pain_entry(course()) is None


def test_latest_pain_entry_is_the_latest_session() -> None:
    c = course([session(1), session(2), session(3)])
    assert latest_pain_entry(c) == ("session", 2)


def test_latest_pain_entry_a_followup_wins_on_the_same_date_and_loses_before() -> None:
    same_day = course([session(1)], followups=[{"date": "2026-01-01", "pain": 3}])
    assert latest_pain_entry(same_day) == ("followup", 0)
    earlier = course(
        [session(1), session(2)],
        followups=[{"date": "2025-12-30", "pain": 3}],
    )
    assert latest_pain_entry(earlier) == ("session", 1)


def test_latest_pain_entry_later_followup_on_the_same_date_wins() -> None:
    c = course(
        followups=[
            {"date": "2026-01-05", "pain": 3},
            {"date": "2026-01-05", "pain": 2},
            {"date": "2026-01-04", "pain": 1},
        ]
    )
    assert latest_pain_entry(c) == ("followup", 1)


def test_a_disability_measure_from_two_followups_on_one_date_is_the_later_ones() -> None:
    c = course(
        baseline={"pain": 6, "rmdq": 12},
        followups=[
            {"date": "2026-01-05", "pain": 5, "rmdq": 10},
            {"date": "2026-01-05", "pain": 5, "rmdq": 6},
        ],
    )
    assert latest_values(c)["rmdq"] == 6
    assert progress(c).status == "meaningful_improvement"  # -6 points, -50 %


def test_a_disability_measure_is_the_latest_dated_not_the_last_listed() -> None:
    c = course(
        baseline={"pain": 6, "odi": 40},
        followups=[
            {"date": "2026-01-20", "pain": 5, "odi": 28},
            {"date": "2026-01-03", "pain": 5, "odi": 44},
        ],
    )
    assert latest_values(c)["odi"] == 28
    assert progress(c).status == "meaningful_improvement"  # -12 points, -30 %


# --- visits and what they raised -----------------------------------------------------------


def test_visits_are_sessions_then_followups_each_with_its_own_index() -> None:
    c = course(
        [session(1), session(2, side_effects=["fever"])],
        followups=[{"date": "2026-01-03", "pain": 5}],
    )
    got = [(v.kind, v.index, v.date, v.flags.fever) for v in visits(c)]
    assert got == [
        ("session", 0, date(2026, 1, 1), False),
        ("session", 1, date(2026, 1, 2), True),  # a fever side effect is that visit's flag
        ("followup", 0, date(2026, 1, 3), False),
    ]


def test_the_signs_named_are_those_the_raised_rules_read_not_every_flag_ticked() -> None:
    # recent_infection alone raises nothing (RF-INFECTION needs a fever too); saddle numbness
    # raises RF-CES-SADDLE. The sign to name is saddle numbness only.
    flags = {"saddle_numbness": True, "recent_infection": True}
    c = course([session(1), session(2, new_red_flags=flags)])
    raised = unresolved(c)  # as client_state calls it: the visits worked out here
    assert [(r.id, on) for r, on in raised.rules] == [("RF-CES-SADDLE", date(2026, 1, 2))]
    assert raised.signs == ("saddle_numbness",)
    text, therapist_text = alert_texts(c)["AL-NEW-RED-FLAG"]
    assert "(saddle numbness)" in text and "recent infection" not in text
    assert "RF-CES-SADDLE reported 2026-01-02" in therapist_text


def test_unresolved_without_visits_given_works_them_out_from_the_course() -> None:
    c = course([session(1, side_effects=["numbness", "fever"])])
    assert unresolved(c) == unresolved(c, visits(c))
    raised = unresolved(c)
    assert raised.neuro and raised.fever and raised.signs == ("fever",)
    assert unresolved(course([session(1)])).rules == ()


# --- what the alerts say ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("red_flags", "need"),
    [
        ({"unexplained_weight_loss": True}, "a doctor's review first, within a day or two"),
        ({"chest_pain": True}, "emergency care now"),
    ],
)
def test_an_unresolved_referral_says_what_is_needed(red_flags: dict[str, bool], need: str) -> None:
    c = course([session(1)], intake={"red_flags": red_flags})
    text, therapist_text = alert_texts(c)["AL-UNRESOLVED-REFERRAL"]
    assert text == f"The intake found that massage must wait: {need}."
    assert f"is unresolved: {need}." in therapist_text


def test_pressure_exceeded_names_the_pressure_used_and_the_limit() -> None:
    severe = {"pain": {"intensity": 7, "duration_weeks": 20, "regions": ["lumbar"]}}
    c = course([session(1, pressure="firm")], intake=severe)
    _, therapist_text = alert_texts(c)["AL-PRESSURE-EXCEEDED"]
    assert therapist_text.startswith(
        "Latest session's pressure (firm) exceeded the intake's limit (light),"
    )
    no_massage = course([session(1)], intake={"red_flags": {"chest_pain": True}})
    _, therapist_text = alert_texts(no_massage)["AL-PRESSURE-EXCEEDED"]
    assert "pressure (medium) exceeded the intake's limit (none)" in therapist_text


def test_progress_answers_carry_the_progress_schema() -> None:
    got = progress(course([session(1)])).to_json()
    assert got["schema"] == "backcare.progress/1"
