"""Problems, and JSON text parsed strictly: the part of `validation` that needs no pydantic.

`validation` re-exports `Problem`, `InvalidInput` and `parse_json` (the same objects), so either
module's names may be used; this one exists so that the fast paths (`accelerator`) can parse and
report without importing pydantic.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class InvalidInput(ValueError):
    """The document is not valid; `problems` lists every reason, each with its path."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path or '(document)'}: {p.message}" for p in problems))


class _DuplicateKey(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def parse_json(text: str | bytes) -> Any:
    """Parse one JSON document strictly: no duplicate keys, no NaN or Infinity."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        message = f"the key {exc.args[0]!r} appears twice in one object"
        raise InvalidInput([Problem("", message)]) from None
    except UnicodeDecodeError:
        raise InvalidInput([Problem("", "is not UTF-8 text")]) from None
    except ValueError as exc:
        raise InvalidInput([Problem("", f"is not valid JSON: {exc}")]) from None


# A key in JSON text: a string followed by a colon. Used only to prove that a document has no
# repeated key anywhere, which lets pydantic parse the text directly (much faster than json.loads
# with a duplicate-detecting hook). Any doubt -- a repeated key name anywhere, a backslash escape
# that could spell a key two ways, a NaN or Infinity -- takes the exact path instead.
_KEY = re.compile(rb'"([^"\\]*)"\s*:')


def keys_surely_unique(text: bytes) -> bool:
    """Whether `text` surely repeats no key (False: perhaps it does; parse it exactly)."""
    # NaN and Infinity: pydantic's parser reads them as numbers; the exact path refuses them.
    if b"\\" in text or b"NaN" in text or b"Infinity" in text:
        return False
    keys = _KEY.findall(text)
    return len(keys) == len(set(keys))
