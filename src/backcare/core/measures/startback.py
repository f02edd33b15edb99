"""Keele STarT Back Screening Tool (source id `hill2008`): nine answers, risk of a poor outcome.

Answers: items 1-8 are 0 (disagree) or 1 (agree); item 9 ("bothersomeness") is 0-4 (not at all,
slightly, moderately, very much, extremely).

Scoring: items 1-8 score their value; item 9 scores 1 for an answer of 3 or 4, else 0.
Total = the nine scores (0-9); psychosocial subscore = the scores of items 5-9 (0-5).
Risk: low if total <= 3; otherwise high if psychosocial >= 4, else medium.

Missing data: all nine answers are required (the tool's published scoring has no rule for gaps).

Licence: see COPYRIGHT. backcare stores and scores the answers and shows the notice beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from backcare.core.measures.errors import MeasureError

COPYRIGHT = (
    "Keele STarT Back Screening Tool © Keele University. Free for non-commercial use; "
    "commercial use needs Keele's permission."
)

ITEMS = 9

Risk = Literal["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class StartBackScore:
    """Total (0-9), psychosocial subscore (0-5) and risk group."""

    total: int
    psychosocial: int
    risk: Risk


def score_startback(answers: Sequence[int]) -> StartBackScore:
    """Score nine STarT Back answers (items 1-8: 0 or 1; item 9: 0-4)."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise MeasureError("", f"must be a list of {ITEMS} answers")
    if len(answers) != ITEMS:
        raise MeasureError("", f"needs exactly {ITEMS} answers, not {len(answers)}")
    scores: list[int] = []
    for i, answer in enumerate(answers):
        top = 4 if i == ITEMS - 1 else 1
        if answer is None:
            raise MeasureError(f"items[{i}]", "is not answered; every item is needed")
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= top:
            raise MeasureError(f"items[{i}]", f"must be a whole number from 0 to {top}")
        scores.append(answer if i < ITEMS - 1 else int(answer >= 3))
    total = sum(scores)
    psychosocial = sum(scores[4:])
    risk: Risk
    if total <= 3:
        risk = "low"
    elif psychosocial >= 4:
        risk = "high"
    else:
        risk = "medium"
    return StartBackScore(total=total, psychosocial=psychosocial, risk=risk)
