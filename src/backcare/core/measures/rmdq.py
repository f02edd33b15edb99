"""Roland-Morris Disability Questionnaire (RMDQ): 24 yes/no statements (ostelo2008).

Score: the number of "yes" answers, 0-24 (higher is more disability). The published 2000 form
needs no permission; backcare stores and scores the answers.

Missing data: every item must be answered. An unanswered item is not counted as "no", because
that would understate disability; a form with gaps is returned to the client to complete.
"""

from __future__ import annotations

from collections.abc import Sequence

from backcare.core.measures.errors import MeasureError

ITEMS = 24


def score_rmdq(items: Sequence[bool | None]) -> int:
    """The RMDQ score: how many of the 24 statements were answered yes."""
    if len(items) != ITEMS:
        raise MeasureError("items", f"needs exactly {ITEMS} answers, not {len(items)}")
    for i, item in enumerate(items):
        if item is None:
            raise MeasureError(f"items[{i}]", "is not answered; every item is needed")
        if not isinstance(item, bool):
            raise MeasureError(f"items[{i}]", "must be yes (true) or no (false)")
    return sum(1 for item in items if item)
