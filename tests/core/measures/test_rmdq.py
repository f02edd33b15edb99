"""Roland-Morris: the count of 24 yes answers; every item required."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.measures import MeasureError, score_rmdq


@pytest.mark.parametrize(
    ("items", "score"),
    [
        ([False] * 24, 0),
        ([True] + [False] * 23, 1),
        ([True] * 5 + [False] * 19, 5),
        ([False] * 12 + [True] * 12, 12),
        ([True] * 23 + [False], 23),
        ([True] * 24, 24),
    ],
)
def test_counts_yes(items: list[bool], score: int) -> None:
    assert score_rmdq(items) == score


@pytest.mark.parametrize(
    ("items", "path", "message"),
    [
        ([True] * 23 + [None], "items[23]", "is not answered; every item is needed"),
        ([None] + [False] * 23, "items[0]", "is not answered; every item is needed"),
        ([True] * 23, "", "needs exactly 24 answers, not 23"),
        ([True] * 25, "", "needs exactly 24 answers, not 25"),
        (None, "", "must be a list of 24 answers"),
        ([1] + [False] * 23, "items[0]", "must be yes (true) or no (false)"),
        ([False] * 5 + [0] + [False] * 18, "items[5]", "must be yes (true) or no (false)"),
        ([False] * 23 + ["yes"], "items[23]", "must be yes (true) or no (false)"),
    ],
)
def test_missing_or_non_bool_items_are_not_scored(items: object, path: str, message: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_rmdq(items)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.message) == (path, message)


@given(st.lists(st.booleans(), min_size=24, max_size=24))
def test_score_is_the_count_of_true(items: list[bool]) -> None:
    score = score_rmdq(items)
    assert score == items.count(True)
    assert 0 <= score <= 24


@given(st.lists(st.booleans(), min_size=24, max_size=24), st.integers(0, 23))
def test_any_blank_is_refused(items: list[bool], blank: int) -> None:
    with_gap: list[bool | None] = [*items]
    with_gap[blank] = None
    with pytest.raises(MeasureError) as caught:
        score_rmdq(with_gap)
    assert caught.value.path == f"items[{blank}]"
