"""Raw JSON in, a validated model or *every* problem out.

A problem is `{"path": "pain.intensity", "message": "..."}`: the path in the contract's own
spelling (`red_flags.sadle_numbness`, `sessions[2].date`, `""` for the document itself) and a
plain-language reason. Nothing is guessed or silently dropped: unknown keys, wrong types (a bool
is not an int), out-of-range numbers, duplicates and enum misses are all refused, and so are
three things plain JSON parsers let through or crash on: a key given twice in one object,
NaN/Infinity, and nesting deeper than `jsontext.MAX_DEPTH`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel

from backcare.core.jsontext import InvalidInput, Problem, check_depth, parse_json
from backcare.core.jsontext import keys_surely_unique as _keys_surely_unique
from backcare.core.models import Course, Intake

__all__ = [
    "InvalidInput",
    "Problem",
    "course_from_text",
    "intake_from_text",
    "parse_course",
    "parse_intake",
    "parse_json",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _join(base: str, sub: str) -> str:
    if not base:
        return sub
    return base + sub if sub.startswith("[") else f"{base}.{sub}"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value)


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names allowed at `loc` (for 'did you mean' hints)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        annotation = fields[part].annotation
        args = getattr(annotation, "__args__", ())
        inner = [a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return []
        current = inner[0]
    fields = getattr(current, "model_fields", {})
    return [f.alias or name for name, f in fields.items()]


def _problems(model: type[BaseModel], error: pydantic.ValidationError) -> list[Problem]:
    out: list[Problem] = []
    errors = error.errors(include_url=False)
    # A JSON number field is "int | float": pydantic reports a miss once per alternative, with the
    # alternative's name in the location. Keep only the float alternative ("must be a number").
    errors = [e for e in errors if not any(p in _INT_TAGS for p in e["loc"][-1:])] or errors
    for e in errors:
        kind, ctx = e["type"], e.get("ctx") or {}
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
        path = _path(loc)
        if kind == "backcare_problems":
            out.extend(Problem(_join(path, sub), message) for sub, message in ctx["problems"])
        else:
            out.append(Problem(path, _message(model, e, loc)))
    return out


_BOUND_WORDS = {
    "greater_than_equal": "at least",
    "less_than_equal": "at most",
    "greater_than": "more than",
    "less_than": "less than",
}


def _message(model: type[BaseModel], e: Any, loc: tuple[int | str, ...]) -> str:
    """One pydantic error in the contract's words."""
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(name, _known_fields(model, loc[:-1]), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"is not a field of this document{hint}"
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]}, not {_describe(e['input'])}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, not {_describe(e['input'])}"
    if kind in _BOUND_WORDS:
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "le", "gt", "lt")))
        return f"must be {_BOUND_WORDS[kind]} {bound}, not {_describe(e['input'])}"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("too_short", "too_long"):
        return _length_message(kind, ctx, e["input"])
    return str(e["msg"])


def _length_message(kind: str, ctx: Any, value: Any) -> str:
    if ctx.get("min_length") == ctx.get("max_length", -1):
        message = f"must have exactly {ctx['min_length']} items"
    elif kind == "too_short":
        n = ctx["min_length"]
        message = f"must have at least {n} item{'s' if n != 1 else ''}"
    else:
        message = f"must have at most {ctx['max_length']} items"
    if "actual_length" in ctx and isinstance(value, list | tuple | str):
        message += f" (has {ctx['actual_length']})"
    return message


_INT_TAGS = frozenset({"int", "constrained-int"})
_UNION_TAGS = _INT_TAGS | {"float", "constrained-float"}


def lone_surrogates(node: Any, loc: tuple[int | str, ...] = ()) -> list[Problem]:
    """Text holding half of a UTF-16 pair ("\\ud800" in JSON) cannot be stored, shown or even
    reported by pydantic (it fails to render its own message), so it is refused up front."""
    if not loc and not _any_surrogate(node):
        return []  # the common case, found without building a path for every value
    out: list[Problem] = []
    if isinstance(node, str):
        if not node.isascii() and _SURROGATE.search(node):
            out.append(Problem(_path(loc), "must be Unicode text, not half of a surrogate pair"))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                out.append(Problem(_path(loc), "has a key that is half of a surrogate pair"))
            out += lone_surrogates(value, (*loc, str(key)))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            out += lone_surrogates(value, (*loc, i))
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _any_surrogate(node: Any) -> bool:
    """Whether `lone_surrogates` would find anything: one walk with a stack and no paths (every
    stored course is checked again at each write, so this walk is on the write path)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return True
        elif isinstance(item, Mapping):
            for key in item:
                if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                    return True
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def validate(model: type[M], data: Any) -> M:
    """Validate parsed JSON against a contract model, raising InvalidInput with every problem."""
    if type(data) is not dict and not isinstance(data, Mapping):  # fast path for parsed JSON
        raise InvalidInput([Problem("", f"must be one JSON object, not {_describe(data)}")])
    if surrogates := lone_surrogates(data):
        raise InvalidInput(surrogates)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InvalidInput(_problems(model, exc)) from None


def _validate_text(model: type[M], text: str | bytes) -> M:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    check_depth(raw)  # before either parser recurses into it
    if not _keys_surely_unique(raw) or _SURROGATE_ESCAPE.search(raw):
        return validate(model, parse_json(raw))
    try:
        return model.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return validate(model, parse_json(raw))  # for the same message as the exact path
        if any(e["type"] == "model_type" and not e["loc"] for e in exc.errors()):
            return validate(model, parse_json(raw))  # not an object at all
        raise InvalidInput(_problems(model, exc)) from None


# A JSON escape of half a surrogate pair: such text goes the way of `validate`, which refuses it.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def intake_from_text(text: str | bytes) -> Intake:
    """A `backcare.intake/1` document as JSON text, validated (same rules as parse_intake)."""
    return _validate_text(Intake, text)


def course_from_text(text: str | bytes) -> Course:
    """A `backcare.course/1` document as JSON text, validated (same rules as parse_course)."""
    return _validate_text(Course, text)


def parse_intake(data: Any) -> Intake:
    """A `backcare.intake/1` document (already parsed JSON) as a validated Intake."""
    return validate(Intake, data)


def parse_course(data: Any) -> Course:
    """A `backcare.course/1` document (already parsed JSON) as a validated Course."""
    return validate(Course, data)
