"""MeasureError: a ValueError carrying the offending answer's path and a plain message."""

from __future__ import annotations

import pytest

from backcare.core.measures import MeasureError


@pytest.mark.parametrize(
    ("path", "message", "text"),
    [
        (
            "items[3]",
            "must be a whole number from 0 to 5",
            "items[3]: must be a whole number from 0 to 5",
        ),
        ("", "needs exactly 10 sections, not 9", "needs exactly 10 sections, not 9"),
    ],
)
def test_measure_error_carries_path_and_message(path: str, message: str, text: str) -> None:
    error = MeasureError(path, message)
    assert isinstance(error, ValueError)
    assert (error.path, error.message, str(error)) == (path, message, text)
