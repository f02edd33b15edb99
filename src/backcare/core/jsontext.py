"""Problems, and JSON text parsed strictly: the part of `validation` that needs no pydantic.

`validation` re-exports `Problem`, `InvalidInput` and `parse_json` (the same objects), so either
module's names may be used; this one exists so that the fast paths (`accelerator`) can parse and
report without importing pydantic.

Hostile text is refused with a problem, never a crash: nesting deeper than `MAX_DEPTH` (Python's
parser would run out of stack at about 1,000 levels), NaN and Infinity (each with its path).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

# No contract document nests more than a few levels (a FHIR QuestionnaireResponse about ten):
# anything deeper is refused before any parser recurses into it.
MAX_DEPTH = 64


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


class _Constant:
    """NaN, Infinity or -Infinity where the text had it: refused, with its path, once parsed."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def parse_json(text: str | bytes) -> Any:
    """Parse one JSON document strictly: no duplicate keys, no NaN or Infinity (each refused
    with its path), no nesting deeper than MAX_DEPTH."""
    check_depth(text)
    constants: list[_Constant] = []

    def constant(name: str) -> _Constant:
        constants.append(_Constant(name))
        return constants[-1]

    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=constant)
    except _DuplicateKey as exc:
        message = f"the key {exc.args[0]!r} appears twice in one object"
        raise InvalidInput([Problem("", message)]) from None
    except UnicodeDecodeError:
        raise InvalidInput([Problem("", "is not UTF-8 text")]) from None
    except RecursionError:  # not reached below MAX_DEPTH; a last guard
        raise InvalidInput([_too_deep()]) from None
    except ValueError as exc:
        raise InvalidInput([Problem("", f"is not valid JSON: {exc}")]) from None
    if constants:
        raise InvalidInput(
            [
                Problem(path, f"{value.name} is not a number in JSON")
                for path, value in _leaves(data, "")
                if isinstance(value, _Constant)
            ]
        )
    return data


def non_finite_numbers(data: Any) -> list[Problem]:
    """A problem for every number of parsed JSON that is not finite: a literal too large for a
    float (1e400) is read as infinity by every JSON parser."""
    return [
        Problem(path, "must be a finite number")
        for path, value in _leaves(data, "")
        if isinstance(value, float) and not math.isfinite(value)
    ]


def json_path(base: str, key: int | str) -> str:
    """The path of `key` inside `base`, in the contract's spelling: `a.b`, `a[0]`, `b`."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def _leaves(node: Any, path: str) -> list[tuple[str, Any]]:
    """Every value of parsed JSON (at most MAX_DEPTH deep) that is not an object or a list."""
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return [(path, node)]
    out: list[tuple[str, Any]] = []
    for key, value in items:
        out += _leaves(value, json_path(path, key))
    return out


# A JSON string (its escapes included), or one bracket: what decides how deep text nests.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def check_depth(text: str | bytes) -> None:
    """Refuse text that nests more than MAX_DEPTH levels deep (InvalidInput, path "")."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return  # cannot be deeper than the number of its brackets
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInput([_too_deep()])
        else:
            depth -= 1


def _too_deep() -> Problem:
    return Problem("", f"is nested more than {MAX_DEPTH} levels deep")


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
