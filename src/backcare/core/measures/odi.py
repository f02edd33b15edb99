"""Oswestry Disability Index (ODI): 10 sections, each scored 0-5, as a percent (ostelo2008).

The ODI is licensed by Mapi Research Trust: backcare stores and scores section scores only and
does not reproduce the questionnaire's wording.

Score: total / 50 x 100 with every section answered. Missing data: with one or more sections
unanswered, total / (5 x answered) x 100; with fewer than 8 sections answered the index is not
scored. Computed in Decimal and rounded half-up to one decimal place.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backcare.core.measures.errors import MeasureError
from backcare.core.rounding import round_half_up

SECTIONS = 10
MINIMUM_ANSWERED = 8


def score_odi(sections: Sequence[int | None]) -> Decimal:
    """The ODI percent, half-up to one decimal."""
    if len(sections) != SECTIONS:
        raise MeasureError("items", f"needs exactly {SECTIONS} sections, not {len(sections)}")
    answered: list[int] = []
    for i, score in enumerate(sections):
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 5:
            raise MeasureError(f"items[{i}]", "must be a whole number from 0 to 5")
        answered.append(score)
    if len(answered) < MINIMUM_ANSWERED:
        raise MeasureError(
            "items",
            f"only {len(answered)} of {SECTIONS} sections answered; "
            f"at least {MINIMUM_ANSWERED} are needed",
        )
    percent = Decimal(sum(answered)) * 100 / (Decimal(5) * len(answered))
    return round_half_up(percent, 1)
