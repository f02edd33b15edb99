"""Oswestry Disability Index (ODI): 10 sections, each scored 0-5, as a percent (`ostelo2008`).

Scoring: with all 10 sections answered, total / 50 x 100. Computed entirely in Decimal and
rounded half-up to one decimal place.

Missing data: with one or more sections unanswered (None), total / (5 x answered) x 100; with
fewer than 8 sections answered the index is not scored (MeasureError).

Licence: the ODI is licensed by Mapi Research Trust. backcare stores and scores section scores
only and does not reproduce the questionnaire's wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backcare.core.measures.errors import MeasureError
from backcare.core.rounding import round_half_up, to_decimal

SECTIONS = 10
MINIMUM_ANSWERED = 8


def score_odi(sections: Sequence[int | None]) -> Decimal:
    """The ODI percent (0-100), half-up to one decimal place."""
    if isinstance(sections, str | bytes) or not isinstance(sections, Sequence):
        raise MeasureError("", f"must be a list of {SECTIONS} section scores")
    if len(sections) != SECTIONS:
        raise MeasureError("", f"needs exactly {SECTIONS} sections, not {len(sections)}")
    total = 0
    answered = 0
    for i, score in enumerate(sections):
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 5:
            raise MeasureError(f"items[{i}]", "must be a whole number from 0 to 5")
        total += score
        answered += 1
    if answered < MINIMUM_ANSWERED:
        raise MeasureError(
            "",
            f"only {answered} of {SECTIONS} sections are answered; "
            f"at least {MINIMUM_ANSWERED} are needed",
        )
    percent = to_decimal(total) / (to_decimal(5) * to_decimal(answered)) * to_decimal(100)
    return round_half_up(percent, 1)
