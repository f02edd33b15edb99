"""Keele STarT Back Screening Tool (hill2008): nine answers, risk of a poor outcome.

Items 1-8 are 0 (disagree) or 1 (agree); item 9 ("bothersomeness") is 0-4 (not at all,
slightly, moderately, very much, extremely). Scoring: items 1-8 score their value; item 9 scores 1
for an answer of 3 or 4, else 0. Total = all nine scores (0-9); psychosocial = items 5-9 (0-5).
Risk: low if total <= 3; otherwise high if psychosocial >= 4, else medium.

Missing data: all nine answers are required (the published scoring has no rule for gaps).
Licence: see COPYRIGHT; backcare stores and scores answers and keeps the notice beside them.
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

Risk = Literal["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class StartBackScore:
    total: int
    psychosocial: int
    risk: Risk


def score_startback(answers: Sequence[int]) -> StartBackScore:
    """Score nine STarT Back answers."""
    if len(answers) != 9:
        raise MeasureError("items", f"needs exactly 9 answers, not {len(answers)}")
    scores = []
    for i, answer in enumerate(answers):
        top = 4 if i == 8 else 1
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= top:
            raise MeasureError(f"items[{i}]", f"must be a whole number from 0 to {top}")
        scores.append(answer if i < 8 else int(answer >= 3))
    total = sum(scores)
    psychosocial = sum(scores[4:])
    risk: Risk = "low" if total <= 3 else "high" if psychosocial >= 4 else "medium"
    return StartBackScore(total, psychosocial, risk)
