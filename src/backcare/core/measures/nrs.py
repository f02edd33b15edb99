"""Numeric Rating Scale (NRS) for pain: one answer, 0 (no pain) to 10 (worst pain imaginable).

Source: `farrar2001` (the 11-point numerical pain rating scale). Free to use.

Scoring: the answer is the score, a whole number from 0 to 10 (a bool is not a number).
Severity bands: 0 none; 1-3 mild; 4-6 moderate; 7-10 severe.

Missing data: a missing answer cannot be scored (MeasureError); there is nothing to impute from.
"""

from __future__ import annotations

from typing import Literal

from backcare.core.measures.errors import MeasureError

Severity = Literal["none", "mild", "moderate", "severe"]


def score_nrs(value: int) -> int:
    """Check one NRS answer and return it: a whole number from 0 to 10."""
    if value is None:
        raise MeasureError("", "is not answered; a missing pain rating cannot be scored")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise MeasureError("", "must be a whole number from 0 to 10")
    return value


def pain_severity(value: int) -> Severity:
    """The severity band of an NRS answer: 0 none; 1-3 mild; 4-6 moderate; 7-10 severe."""
    score = score_nrs(value)
    if score == 0:
        return "none"
    if score <= 3:
        return "mild"
    if score <= 6:
        return "moderate"
    return "severe"
