"""The error every scoring function raises for answers it cannot score."""

from __future__ import annotations


class MeasureError(ValueError):
    """Answers that cannot be scored: `path` names the item ("items[3]", "" for all)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
