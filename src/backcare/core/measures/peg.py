"""PEG: a three-item pain scale (Krebs 2009, source id `krebs2009`). Free to use.

Items, each a whole number from 0 to 10: average Pain intensity, interference with Enjoyment of
life, interference with General activity (in that order).

Scoring: the mean of the three items, rounded half-up to one decimal place in Decimal
(16/3 -> 5.3, 5/3 -> 1.7).

Missing data: all three items are required. A PEG with a missing item is not scored
(MeasureError naming the missing item's path); the mean of two items is a different measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backcare.core.measures.errors import MeasureError
from backcare.core.rounding import round_half_up, to_decimal

ITEMS = 3


def score_peg(items: Sequence[int | None]) -> Decimal:
    """The PEG score: the mean of the 3 items, half-up to one decimal place."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise MeasureError("", f"must be a list of {ITEMS} answers")
    if len(items) != ITEMS:
        raise MeasureError("", f"needs exactly {ITEMS} answers, not {len(items)}")
    total = 0
    for i, item in enumerate(items):
        if item is None:
            raise MeasureError(f"items[{i}]", "is not answered; the PEG needs all three items")
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 10:
            raise MeasureError(f"items[{i}]", "must be a whole number from 0 to 10")
        total += item
    return round_half_up(to_decimal(total) / to_decimal(ITEMS), 1)
