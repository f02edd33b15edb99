"""PEG: three items on 0-10 (Krebs 2009, source id `krebs2009`). Free to use.

Items: average Pain intensity, interference with Enjoyment of life, interference with General
activity, each a whole number 0-10. Score: the mean of the three, rounded half-up to one decimal.
Missing data: all three items are required; a PEG with a missing item is not scored (the mean of
two items is a different instrument).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backcare.core.measures.errors import MeasureError
from backcare.core.rounding import round_half_up


def score_peg(items: Sequence[int | None]) -> Decimal:
    """The PEG score: mean of the 3 items, half-up to one decimal (16/3 -> 5.3, 5/3 -> 1.7)."""
    if len(items) != 3:
        raise MeasureError("items", f"needs exactly 3 answers, not {len(items)}")
    for i, item in enumerate(items):
        if item is None:
            raise MeasureError(f"items[{i}]", "is not answered; the PEG needs all three items")
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 10:
            raise MeasureError(f"items[{i}]", "must be a whole number from 0 to 10")
    total = sum(item for item in items if item is not None)
    return round_half_up(Decimal(total) / Decimal(3), 1)
