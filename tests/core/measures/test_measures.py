"""Questionnaire scoring: example tables at the boundaries, missing-data rules, properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.measures import (
    MeasureError,
    pain_severity,
    score_nrs,
    score_odi,
    score_peg,
    score_rmdq,
    score_startback,
)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_nrs_bands(value: int, band: str) -> None:
    assert pain_severity(value) == band


@pytest.mark.parametrize("value", [-1, 11, True, 5.0, "5", None])
def test_nrs_refuses(value: object) -> None:
    with pytest.raises(MeasureError):
        score_nrs(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("items", "score"),
    [
        ([5, 5, 6], Decimal("5.3")),
        ([1, 2, 2], Decimal("1.7")),
        ([0, 0, 0], Decimal("0.0")),
        ([10, 10, 10], Decimal("10.0")),
        ([3, 4, 4], Decimal("3.7")),
        ([1, 1, 2], Decimal("1.3")),
    ],
)
def test_peg_is_the_mean_rounded_half_up(items: list[int], score: Decimal) -> None:
    assert score_peg(items) == score


@pytest.mark.parametrize(
    ("items", "path"),
    [
        ([5, None, 6], "items[1]"),
        ([5, 6], "items"),
        ([5, 6, 11], "items[2]"),
        ([True, 1, 1], "items[0]"),
    ],
)
def test_peg_missing_or_bad_items_are_not_scored(items: list[object], path: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_peg(items)  # type: ignore[arg-type]
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "risk"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0, "low"),
        ([1, 1, 1, 0, 0, 0, 0, 0, 2], 3, 0, "low"),  # item 9 answer 2 scores 0
        ([1, 1, 1, 0, 0, 0, 0, 0, 3], 4, 1, "medium"),  # item 9 answer 3 scores 1
        ([0, 0, 0, 0, 1, 1, 1, 0, 4], 4, 4, "high"),
        ([1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, "medium"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, "high"),
    ],
)
def test_startback(answers: list[int], total: int, psychosocial: int, risk: str) -> None:
    score = score_startback(answers)
    assert (score.total, score.psychosocial, score.risk) == (total, psychosocial, risk)


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        ([0] * 8, "items"),
        ([0] * 8 + [5], "items[8]"),
        ([2] + [0] * 8, "items[0]"),
        ([True] + [0] * 8, "items[0]"),
    ],
)
def test_startback_refuses(answers: list[object], path: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_startback(answers)  # type: ignore[arg-type]
    assert caught.value.path == path


@given(st.tuples(*[st.integers(0, 1)] * 8, st.integers(0, 4)))
def test_startback_properties(answers: tuple[int, ...]) -> None:
    score = score_startback(answers)
    assert 0 <= score.psychosocial <= 5 and score.psychosocial <= score.total <= 9
    assert (score.risk == "low") == (score.total <= 3)


def test_rmdq_counts_yes() -> None:
    assert score_rmdq([True] * 5 + [False] * 19) == 5


@pytest.mark.parametrize(
    ("items", "path"),
    [([True] * 23 + [None], "items[23]"), ([True] * 23, "items"), ([1] + [False] * 23, "items[0]")],
)
def test_rmdq_missing_items_are_not_scored(items: list[object], path: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_rmdq(items)  # type: ignore[arg-type]
    assert caught.value.path == path


@given(st.lists(st.booleans(), min_size=24, max_size=24))
def test_rmdq_is_the_count_of_true(items: list[bool]) -> None:
    assert score_rmdq(items) == sum(items)


@pytest.mark.parametrize(
    ("sections", "percent"),
    [
        ([5] * 10, Decimal("100.0")),
        ([0] * 10, Decimal("0.0")),
        ([2] * 10, Decimal("40.0")),
        ([3, 3, 3, 2, 2, 2, 2, 2, 2, None], Decimal("46.7")),  # 21 / 45 = 46.666...
        ([1, 1, 1, 1, 1, 1, 1, 1, None, None], Decimal("20.0")),  # 8 answered: 8/40
        ([1, 1, 1, 1, 1, 1, 1, 2, None, None], Decimal("22.5")),  # 9/40 exactly
        ([1, 1, 1, 1, 1, 1, 1, 0, 0, None], Decimal("15.6")),  # 7/45 = 15.5555...
        ([5, 5, 5, 5, 5, 5, 2, 0, None, None], Decimal("80.0")),
        ([4, 4, 4, 4, 4, 3, 2, 2, None, None], Decimal("67.5")),  # 27 / 40
    ],
)
def test_odi(sections: list[int | None], percent: Decimal) -> None:
    assert score_odi(sections) == percent


def test_rounding_is_half_up_not_to_even() -> None:
    # An ODI percent never ends exactly in a second-decimal 5 (10 answered: multiples of 2;
    # 9: twentieths of 9; 8: multiples of 2.5), so the shared rounding helper is checked directly.
    from backcare.core.rounding import round_half_up, to_decimal

    assert round_half_up(to_decimal(2.675), 2) == Decimal("2.68")  # round() gives 2.67
    assert round_half_up(Decimal("2.25"), 1) == Decimal("2.3")
    assert round_half_up(Decimal("-6.25"), 1) == Decimal("-6.3")
    assert round_half_up(Decimal("0.05"), 1) == Decimal("0.1")


@pytest.mark.parametrize(
    "sections",
    [[1, 1, 1, 1, 1, 1, 1, None, None, None], [None] * 10, [1] * 9],
)
def test_odi_refuses_fewer_than_8_answered_or_wrong_length(sections: list[int | None]) -> None:
    with pytest.raises(MeasureError):
        score_odi(sections)


def test_odi_refuses_out_of_range_sections() -> None:
    with pytest.raises(MeasureError) as caught:
        score_odi([6] + [0] * 9)
    assert caught.value.path == "items[0]"


@given(st.lists(st.integers(0, 5), min_size=10, max_size=10))
def test_odi_with_all_answered_is_total_times_two(sections: list[int]) -> None:
    assert score_odi(sections) == Decimal(sum(sections) * 2)


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=10, max_size=10))
def test_odi_is_a_percent_or_refused(sections: list[int | None]) -> None:
    answered = [s for s in sections if s is not None]
    if len(answered) < 8:
        with pytest.raises(MeasureError):
            score_odi(sections)
    else:
        assert Decimal(0) <= score_odi(sections) <= Decimal(100)
