"""Building intakes for tests: a minimal valid intake plus dotted-path overrides."""

from __future__ import annotations

import copy
from typing import Any

from backcare.core.models import Intake
from backcare.core.validation import parse_intake

MINIMAL: dict[str, Any] = {
    "schema": "backcare.intake/1",
    "age": 40,
    "pain": {"intensity": 4, "duration_weeks": 20, "regions": ["lumbar"]},
}


def intake_doc(
    overrides: dict[str, Any] | None = None, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A copy of `base` (default MINIMAL) with `{"pain.intensity": 7, ...}` applied."""
    doc = copy.deepcopy(MINIMAL if base is None else base)
    for path, value in (overrides or {}).items():
        *parents, leaf = path.split(".")
        node = doc
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return doc


def make_intake(overrides: dict[str, Any] | None = None, **kw: Any) -> Intake:
    return parse_intake(intake_doc({**(overrides or {}), **kw}))
