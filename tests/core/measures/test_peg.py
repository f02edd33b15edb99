"""PEG: the mean of three 0-10 items, half-up to one decimal; all three required."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.measures import MeasureError, score_peg


def half_up_tenths(value: Fraction) -> Decimal:
    """Reference rounding on the exact fraction: half-up to tenths (values here are >= 0)."""
    tenths = value * 10
    whole = tenths.numerator // tenths.denominator
    if tenths - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole).scaleb(-1)


@pytest.mark.parametrize(
    ("items", "score"),
    [
        ([5, 5, 6], Decimal("5.3")),  # 16/3 = 5.333...
        ([1, 2, 2], Decimal("1.7")),  # 5/3 = 1.666...
        ([1, 1, 2], Decimal("1.3")),  # 4/3 = 1.333...
        ([3, 4, 4], Decimal("3.7")),  # 11/3 = 3.666...
        ([2, 2, 2], Decimal("2.0")),
        ([0, 0, 0], Decimal("0.0")),
        ([10, 10, 10], Decimal("10.0")),
        ([0, 0, 1], Decimal("0.3")),
        ([10, 10, 9], Decimal("9.7")),
    ],
)
def test_mean_rounded_half_up_to_one_decimal(items: list[int], score: Decimal) -> None:
    result = score_peg(items)
    assert result == score
    assert result.as_tuple().exponent == -1  # always one decimal place, 2 -> "2.0"


@pytest.mark.parametrize(
    ("items", "path", "message"),
    [
        ([None, 5, 6], "items[0]", "is not answered; the PEG needs all three items"),
        ([5, None, 6], "items[1]", "is not answered; the PEG needs all three items"),
        ([5, 6, None], "items[2]", "is not answered; the PEG needs all three items"),
    ],
)
def test_a_missing_item_is_not_scored(items: list[int | None], path: str, message: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_peg(items)
    assert (caught.value.path, caught.value.message) == (path, message)


@pytest.mark.parametrize(
    ("items", "path"),
    [
        ([5, 6], ""),
        ([5, 6, 7, 8], ""),
        ([], ""),
        (None, ""),
        ("123", ""),
        ([5, 6, 11], "items[2]"),
        ([-1, 6, 7], "items[0]"),
        ([True, 1, 1], "items[0]"),  # a bool is not a number
        ([1, False, 1], "items[1]"),
        ([1, 1, 5.0], "items[2]"),
        ([1, "1", 1], "items[1]"),
    ],
)
def test_wrong_length_type_or_range_is_refused(items: object, path: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_peg(items)  # type: ignore[arg-type]
    assert caught.value.path == path


@given(st.lists(st.integers(0, 10), min_size=3, max_size=3))
def test_peg_matches_the_exact_mean_rounded_half_up(items: list[int]) -> None:
    score = score_peg(items)
    assert score == half_up_tenths(Fraction(sum(items), 3))
    assert Decimal(min(items)) <= score <= Decimal(max(items))
