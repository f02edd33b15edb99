"""NRS: a whole number 0-10, its severity bands, and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.core.measures import MeasureError, pain_severity, score_nrs

BANDS = ["none", "mild", "moderate", "severe"]


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
def test_severity_bands_at_their_boundaries(value: int, band: str) -> None:
    assert score_nrs(value) == value
    assert pain_severity(value) == band


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must be a whole number from 0 to 10"),
        (11, "must be a whole number from 0 to 10"),
        (True, "must be a whole number from 0 to 10"),  # a bool is not a number
        (False, "must be a whole number from 0 to 10"),
        (5.0, "must be a whole number from 0 to 10"),
        ("5", "must be a whole number from 0 to 10"),
        (None, "is not answered; a missing pain rating cannot be scored"),
    ],
)
def test_refuses_what_is_not_an_answer_0_to_10(value: object, message: str) -> None:
    with pytest.raises(MeasureError) as caught:
        score_nrs(value)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.message) == ("", message)
    with pytest.raises(MeasureError):
        pain_severity(value)  # type: ignore[arg-type]


@given(st.integers(0, 10), st.integers(0, 10))
def test_severity_never_falls_as_pain_rises(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert BANDS.index(pain_severity(low)) <= BANDS.index(pain_severity(high))


@given(st.integers().filter(lambda v: not 0 <= v <= 10))
def test_every_integer_outside_0_to_10_is_refused(value: int) -> None:
    with pytest.raises(MeasureError):
        score_nrs(value)
