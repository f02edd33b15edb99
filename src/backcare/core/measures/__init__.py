"""Questionnaire scoring, one module per instrument, each with its missing-data rule.

- `nrs`: numeric rating scale for pain (0-10) and its severity bands
- `peg`: PEG, mean of 3 items (0-10)
- `startback`: Keele STarT Back total, psychosocial subscore and risk
- `rmdq`: Roland-Morris, count of 24 yes/no
- `odi`: Oswestry, 10 sections 0-5 as a percent
"""

from backcare.core.measures.errors import MeasureError
from backcare.core.measures.nrs import pain_severity, score_nrs
from backcare.core.measures.odi import score_odi
from backcare.core.measures.peg import score_peg
from backcare.core.measures.rmdq import score_rmdq
from backcare.core.measures.startback import StartBackScore, score_startback

__all__ = [
    "MeasureError",
    "StartBackScore",
    "pain_severity",
    "score_nrs",
    "score_odi",
    "score_peg",
    "score_rmdq",
    "score_startback",
]
