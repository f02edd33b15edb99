"""Keele STarT Back: total, psychosocial subscore and risk group at their boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.measures import MeasureError, StartBackScore, score_startback
from backcare.core.measures.startback import COPYRIGHT


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "risk"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0, "low"),
        # total 3 vs 4: the low / not-low boundary
        ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 0, "low"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, "medium"),
        # item 9 answers 2 vs 3: 2 scores 0, 3 scores 1
        ([1, 1, 1, 0, 0, 0, 0, 0, 2], 3, 0, "low"),
        ([1, 1, 1, 0, 0, 0, 0, 0, 3], 4, 1, "medium"),
        ([1, 1, 1, 0, 0, 0, 0, 0, 4], 4, 1, "medium"),
        ([1, 1, 1, 0, 0, 0, 0, 0, 1], 3, 0, "low"),
        # psychosocial 3 vs 4 with total above 3
        ([1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, "medium"),
        ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high"),
        ([0, 0, 0, 0, 1, 1, 1, 0, 3], 4, 4, "high"),
        ([0, 0, 0, 0, 1, 1, 1, 0, 2], 3, 3, "low"),
        # psychosocial 4 but total 3 is impossible; psychosocial 3 with total 3 stays low
        ([0, 0, 0, 0, 1, 1, 1, 0, 0], 3, 3, "low"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 4], 5, 1, "medium"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, "high"),
    ],
)
def test_scores_and_risk(answers: list[int], total: int, psychosocial: int, risk: str) -> None:
    assert score_startback(answers) == StartBackScore(total, psychosocial, risk)  # type: ignore[arg-type]


def test_score_is_frozen() -> None:
    score = score_startback([0] * 9)
    with pytest.raises(AttributeError):
        score.total = 5  # type: ignore[misc]


def test_copyright_notice() -> None:
    assert COPYRIGHT == (
        "Keele STarT Back Screening Tool © Keele University. Free for non-commercial use; "
        "commercial use needs Keele's permission."
    )


@pytest.mark.parametrize(
    ("answers", "path", "message"),
    [
        ([0] * 8, "", "needs exactly 9 answers, not 8"),
        ([0] * 10, "", "needs exactly 9 answers, not 10"),
        (None, "", "must be a list of 9 answers"),
        ([0] * 8 + [None], "items[8]", "is not answered; every item is needed"),
        ([None] + [0] * 8, "items[0]", "is not answered; every item is needed"),
        ([0] * 8 + [5], "items[8]", "must be a whole number from 0 to 4"),
        ([0] * 8 + [-1], "items[8]", "must be a whole number from 0 to 4"),
        ([2] + [0] * 8, "items[0]", "must be a whole number from 0 to 1"),
        ([0] * 7 + [2, 0], "items[7]", "must be a whole number from 0 to 1"),
        ([True] + [0] * 8, "items[0]", "must be a whole number from 0 to 1"),
        ([0] * 8 + [True], "items[8]", "must be a whole number from 0 to 4"),
        ([0, 0, 1.0] + [0] * 6, "items[2]", "must be a whole number from 0 to 1"),
    ],
)
def test_refusals(answers: object, path: str, message: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_startback(answers)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.message) == (path, message)


answers_9 = st.tuples(*[st.integers(0, 1)] * 8, st.integers(0, 4)).map(list)


@given(answers_9)
def test_ranges_and_risk_rule(answers: list[int]) -> None:
    score = score_startback(answers)
    assert 0 <= score.total <= 9
    assert 0 <= score.psychosocial <= 5
    assert score.psychosocial <= score.total
    if score.total <= 3:
        assert score.risk == "low"
    else:
        assert score.risk == ("high" if score.psychosocial >= 4 else "medium")


@given(answers_9)
def test_total_is_items_1_to_8_plus_item_9_at_3_or_more(answers: list[int]) -> None:
    score = score_startback(answers)
    assert score.total == sum(answers[:8]) + (answers[8] >= 3)
    assert score.psychosocial == sum(answers[4:8]) + (answers[8] >= 3)
