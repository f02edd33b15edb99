"""The error every scoring function raises for answers it cannot score."""

from __future__ import annotations


class MeasureError(ValueError):
    """Answers that cannot be scored.

    `path` names the offending answer ("items[3]", zero-based) or is "" for the whole answer set;
    `message` says in plain language what is wrong. str() is "path: message" (or the message
    alone when the path is "").
    """

    path: str
    message: str

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
