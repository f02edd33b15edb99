"""The fast intake check: parsed intake JSON to the engine's field facts without pydantic.

`field_facts_from_json(data)` checks parsed JSON against `backcare.intake/1` by hand and, when
the document is surely valid, returns the intake's field facts, exactly as
`assessment.field_facts` would make them from the validated `Intake` model. On anything else
-- an error of any kind, or merely something it does not handle -- it returns None, and the
caller takes the exact path (`validation`, pydantic), which finds every problem with its path and
message. So this check never has to explain a refusal: it may refuse more than the contract
does, never less (tests/core/test_accelerator.py checks it against pydantic with Hypothesis,
on valid intakes and on single-field corruptions).
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, get_args

from backcare.core.assessment import FIELD_NAMES, Clearances
from backcare.core.rules.tables import clearable_rule_ids
from backcare.core.vocabulary import (
    INTAKE_SCHEMA,
    RED_FLAG_NAMES,
    Condition,
    Medication,
    Onset,
    Pressure,
    Radiation,
    Region,
    Sex,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Field facts of an intake that gives only its required fields: the models' defaults.
_DEFAULTS: dict[str, Any] = dict.fromkeys(FIELD_NAMES, False)
_DEFAULTS.update(
    {
        "sex": "unspecified",
        "pregnancy.weeks": None,
        "pain.onset": "gradual",
        "pain.radiation": "none",
        "conditions": (),
        "medications": (),
        "recent.surgery_weeks_ago": None,
        "recent.injury_hours_ago": None,
        "clearances": (),
        "preferences.pressure": None,
        "startback": None,
    }
)
_REQUIRED = ("schema", "age", "pain")  # required keys of the document (pain's are below)
_TOP = frozenset(
    {
        "schema",
        "age",
        "sex",
        "pregnancy",
        "pain",
        "findings",
        "red_flags",
        "conditions",
        "medications",
        "history",
        "recent",
        "clearances",
        "preferences",
        "startback",
    }
)
# Objects whose every field is true/false: their keys, as fact names.
_FLAGS: dict[str, dict[str, str]] = {
    group: {name: f"{group}.{name}" for name in names}
    for group, names in (
        ("findings", ("muscle_tension", "trigger_points", "fascial_restriction")),
        ("red_flags", RED_FLAG_NAMES),
        ("history", ("family_spondyloarthritis", "arthritis_enthesitis_or_psoriasis")),
    )
}
_PAIN_FLAGS = {
    name: f"pain.{name}"
    for name in (
        "night_pain_unrelieved",
        "wakes_second_half_of_night",
        "better_with_movement",
        "eased_by_nsaids_within_48h",
    )
}
_PAIN = frozenset({"intensity", "duration_weeks", "regions", "onset", "radiation", *_PAIN_FLAGS})
_PREGNANCY = frozenset({"pregnant", "weeks", "high_risk"})
_RECENT = {
    "surgery_weeks_ago": "recent.surgery_weeks_ago",
    "injury_hours_ago": "recent.injury_hours_ago",
}
_CLEARANCE = frozenset({"rule", "date", "by", "note"})
_SEX = frozenset(get_args(Sex))
_ONSET = frozenset(get_args(Onset))
_RADIATION = frozenset(get_args(Radiation))
_REGIONS = frozenset(get_args(Region))
_CONDITIONS = frozenset(get_args(Condition))
_MEDICATIONS = frozenset(get_args(Medication))
_PRESSURES = frozenset(get_args(Pressure))
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Whole numbers beyond this are left to the exact path (which decides how to treat them).
_BIG = 2**53


class _Refuse(Exception):
    """Not surely valid: take the exact path."""


def _number(value: Any) -> int | float:
    """A JSON number that is not a bool, finite and not negative (`NonNegative`)."""
    kind = type(value)
    if kind is int:
        if not 0 <= value < _BIG:
            raise _Refuse
    elif kind is not float or not value >= 0 or not math.isfinite(value):
        raise _Refuse
    return value  # type: ignore[no-any-return]


def _words(value: Any, allowed: frozenset[str], at_least: int = 0) -> tuple[str, ...]:
    """A list of distinct words from `allowed`, as the model's tuple."""
    if type(value) is not list or len(value) < at_least:
        raise _Refuse
    words = tuple(value)
    if not allowed.issuperset(words) or len(set(words)) != len(words):
        raise _Refuse
    return words


def _flags(value: Any, names: dict[str, str], facts: dict[str, Any]) -> int:
    if type(value) is not dict:
        raise _Refuse
    for key, flag in value.items():
        if type(flag) is not bool:
            raise _Refuse
        facts[names[key]] = flag  # KeyError: an unknown field
    return len(value)


def _text(value: Any, longest: int) -> str:
    """Text of at most `longest` characters, which the exact path would read the same way."""
    if type(value) is not str or len(value) > longest:
        raise _Refuse
    if not value.isascii():
        value.encode("utf-8")  # UnicodeEncodeError (a lone surrogate): leave it to the exact path
    return value


def _clearances(value: Any, facts: dict[str, Any]) -> int:
    if type(value) is not list:
        raise _Refuse
    clearable = clearable_rule_ids()
    out = []
    keys = 0
    for item in value:
        if type(item) is not dict or not _CLEARANCE.issuperset(item):
            raise _Refuse
        rule, when, by = item["rule"], item["date"], item["by"]
        if type(rule) is not str or rule not in clearable:
            raise _Refuse
        if type(when) is not str or not _real_date(when):
            raise _Refuse
        by = _text(by, 200)
        if not by.strip():
            raise _Refuse
        note = _text(item.get("note", ""), 2000)
        out.append((rule, (when, by, note)))
        keys += len(item)
    if len({rule for rule, _ in out}) != len(out):
        raise _Refuse
    facts["clearances"] = tuple(out)
    return keys


@lru_cache(maxsize=1024)  # clearances name a few hundred days
def _real_date(text: str) -> bool:
    """YYYY-MM-DD, a real day (the model's `date`, written back the same way)."""
    if not text.isascii() or not _DATE.fullmatch(text):
        return False
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:  # not a real date
        return False


def _startback(value: Any) -> tuple[int, ...] | None:
    """Nine answers: items 1-8 are 0 or 1, item 9 is 0-4 (ints, not bools: checked by type)."""
    if value is None:
        return None
    if type(value) is not list or len(value) != 9 or set(map(type, value)) != _JUST_INT:
        raise _Refuse
    if not _ZERO_ONE.issuperset(value[:8]) or not 0 <= value[8] <= 4:
        raise _Refuse
    return tuple(value)


_JUST_INT = {int}
_ZERO_ONE = frozenset({0, 1})


def field_facts_from_json(
    data: Any, keys: int | None = None
) -> tuple[dict[str, Any], Clearances] | None:
    """For a surely valid intake (parsed JSON): its field facts and its clearances by rule id;
    None whenever the exact path must decide.

    `keys`, if given, is how many keys the JSON text can hold at most: for text without a
    backslash, its colons (every key is followed by one, and any other colon is inside a
    string). A document whose objects hold a different count had a key twice, which the parser
    let through, or a colon in a string: either way the exact path decides.
    """
    try:
        facts, found = _field_facts(data)
    except (_Refuse, KeyError, TypeError, ValueError):
        return None
    if keys is not None and found != keys:
        return None
    clearances = facts["clearances"]
    return facts, dict(clearances) if clearances else _NO_CLEARANCES


_NO_CLEARANCES: Clearances = {}


def _field_facts(data: Any) -> tuple[dict[str, Any], int]:
    """The intake's field facts (`FIELD_NAMES`), valued as the model's attributes are (but
    `clearances` as (rule, (date, by, note)) pairs, which no rule reads), and how many keys
    its objects hold."""
    if type(data) is not dict or not _TOP.issuperset(data):
        raise _Refuse
    schema, age, pain = data["schema"], data["age"], data["pain"]
    if schema != INTAKE_SCHEMA or type(schema) is not str:
        raise _Refuse
    if type(age) is not int or not 0 <= age <= 120:
        raise _Refuse
    facts = _DEFAULTS.copy()
    facts["age"] = age
    keys = len(data) + len(pain)
    if len(data) > len(_REQUIRED):
        for key, value in data.items():
            keys += _OPTIONAL[key](value, facts)

    if type(pain) is not dict or not _PAIN.issuperset(pain):
        raise _Refuse
    intensity, duration = pain["intensity"], pain["duration_weeks"]
    if type(intensity) is not int or not 0 <= intensity <= 10:
        raise _Refuse
    facts["pain.intensity"] = intensity
    facts["pain.duration_weeks"] = _number(duration)
    facts["pain.regions"] = _words(pain["regions"], _REGIONS, at_least=1)
    if len(pain) > 3:
        for key, value in pain.items():
            if key in _PAIN_FLAGS:
                if type(value) is not bool:
                    raise _Refuse
                facts[_PAIN_FLAGS[key]] = value
            elif key == "onset":
                if value not in _ONSET:
                    raise _Refuse
                facts["pain.onset"] = value
            elif key == "radiation":
                if value not in _RADIATION:
                    raise _Refuse
                facts["pain.radiation"] = value
    return facts, keys


def _sex(value: Any, facts: dict[str, Any]) -> int:
    if value not in _SEX:
        raise _Refuse
    facts["sex"] = value
    return 0


def _pregnancy(value: Any, facts: dict[str, Any]) -> int:
    if type(value) is not dict or not _PREGNANCY.issuperset(value):
        raise _Refuse
    pregnant = value.get("pregnant", False)
    weeks = value.get("weeks")
    high_risk = value.get("high_risk", False)
    if type(pregnant) is not bool or type(high_risk) is not bool:
        raise _Refuse
    if weeks is not None and (type(weeks) is not int or not 1 <= weeks <= 45):
        raise _Refuse
    if not pregnant and (weeks is not None or high_risk):
        raise _Refuse  # a contradiction: the exact path names it
    facts["pregnancy.pregnant"] = pregnant
    facts["pregnancy.weeks"] = weeks
    facts["pregnancy.high_risk"] = high_risk
    return len(value)


def _group_flags(group: str) -> Callable[[Any, dict[str, Any]], int]:
    names = _FLAGS[group]
    return lambda value, facts: _flags(value, names, facts)


def _conditions(value: Any, facts: dict[str, Any]) -> int:
    facts["conditions"] = _words(value, _CONDITIONS)
    return 0


def _medications(value: Any, facts: dict[str, Any]) -> int:
    facts["medications"] = _words(value, _MEDICATIONS)
    return 0


def _recent(value: Any, facts: dict[str, Any]) -> int:
    if type(value) is not dict:
        raise _Refuse
    for key, hours_or_weeks in value.items():
        facts[_RECENT[key]] = None if hours_or_weeks is None else _number(hours_or_weeks)
    return len(value)


def _preferences(value: Any, facts: dict[str, Any]) -> int:
    if type(value) is not dict or not {"pressure"}.issuperset(value):
        raise _Refuse
    pressure = value.get("pressure")
    if pressure is not None and pressure not in _PRESSURES:
        raise _Refuse
    facts["preferences.pressure"] = pressure
    return len(value)


def _startback_field(value: Any, facts: dict[str, Any]) -> int:
    facts["startback"] = _startback(value)
    return 0


def _ignore(value: Any, facts: dict[str, Any]) -> int:
    return 0  # a required field, checked on its own (and its keys counted)


# What to do with each top-level field: check it, set its facts, count its objects' keys.
_OPTIONAL: dict[str, Callable[[Any, dict[str, Any]], int]] = {
    "schema": _ignore,
    "age": _ignore,
    "pain": _ignore,
    "sex": _sex,
    "pregnancy": _pregnancy,
    "findings": _group_flags("findings"),
    "red_flags": _group_flags("red_flags"),
    "history": _group_flags("history"),
    "conditions": _conditions,
    "medications": _medications,
    "recent": _recent,
    "preferences": _preferences,
    "startback": _startback_field,
    "clearances": _clearances,
}
