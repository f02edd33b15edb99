"""Fill a finding's text from facts: `{preferences.pressure}` -> "light".

Plain substitution of named facts; no attribute access, indexing or formatting language, so a
table's text can never run anything. An unknown name is left as written (the tables' tests check
that every placeholder names a fact the rule's context provides).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def readable(value: Any) -> str:
    """A fact as words: names lose their underscores, lists are joined, None is 'none'."""
    if value is None:
        return "none"
    if isinstance(value, tuple | list | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return ", ".join(readable(v) for v in items) or "none"
    if isinstance(value, str) and not value.startswith(("RF-", "CI-", "PR-", "AL-")):
        return value.replace("_", " ")
    return str(value)


def fill(template: str, facts: Mapping[str, Any]) -> str:
    if "{" not in template:
        return template
    return PLACEHOLDER.sub(
        lambda m: readable(facts[m.group(1)]) if m.group(1) in facts else m.group(0), template
    )
