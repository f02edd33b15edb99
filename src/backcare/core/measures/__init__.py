"""Questionnaire scoring for the pure clinical core, one module per instrument.

- `errors`: MeasureError, raised with the offending answer's path for answers that cannot be scored
- `nrs`: Numeric Rating Scale for pain (0-10) and its severity bands
- `peg`: PEG, the mean of 3 items (0-10), one decimal place
- `startback`: Keele STarT Back total, psychosocial subscore and risk group
- `rmdq`: Roland-Morris Disability Questionnaire, the count of 24 yes/no
- `odi`: Oswestry Disability Index, 10 sections 0-5 as a percent, one decimal place
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
