"""Roland-Morris Disability Questionnaire (RMDQ): 24 yes/no statements (source id `ostelo2008`).

Scoring: the number of "yes" answers, 0-24 (higher means more disability).

Missing data: every item must be answered; a form with any unanswered item is not scored
(MeasureError naming the item). A blank cannot be counted as "no", because that would understate
disability, and the published scoring gives no rule for prorating.

Licence: the published 2000 form may be used without permission; backcare stores and scores the
answers only.
"""

from __future__ import annotations

from collections.abc import Sequence

from backcare.core.measures.errors import MeasureError

ITEMS = 24


def score_rmdq(items: Sequence[bool | None]) -> int:
    """The RMDQ score: how many of the 24 statements were answered yes (True)."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise MeasureError("", f"must be a list of {ITEMS} answers")
    if len(items) != ITEMS:
        raise MeasureError("", f"needs exactly {ITEMS} answers, not {len(items)}")
    score = 0
    for i, item in enumerate(items):
        if item is None:
            raise MeasureError(f"items[{i}]", "is not answered; every item is needed")
        if not isinstance(item, bool):
            raise MeasureError(f"items[{i}]", "must be yes (true) or no (false)")
        score += item
    return score
