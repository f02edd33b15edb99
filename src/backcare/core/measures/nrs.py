"""Numeric Rating Scale (NRS) for pain: one answer, 0 (no pain) to 10 (worst imaginable).

Source: farrar2001 (11-point NRS). Free to use. Missing data: a missing answer is not scored.
Severity bands (clinical-rules-v1 §1): 0 none; 1-3 mild; 4-6 moderate; 7-10 severe.
"""

from __future__ import annotations

from typing import Literal

from backcare.core.measures.errors import MeasureError

Severity = Literal["none", "mild", "moderate", "severe"]


def score_nrs(value: int) -> int:
    """Check one NRS answer: a whole number 0-10 (a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeasureError("", "must be a whole number from 0 to 10")
    if not 0 <= value <= 10:
        raise MeasureError("", f"must be from 0 to 10, not {value}")
    return value


def pain_severity(value: int) -> Severity:
    """The severity band of an NRS score."""
    score = score_nrs(value)
    if score == 0:
        return "none"
    if score <= 3:
        return "mild"
    if score <= 6:
        return "moderate"
    return "severe"
