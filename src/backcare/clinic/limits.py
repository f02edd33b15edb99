"""How much text each field takes, and what kind of value each session field is: checked before
the database, so that bad input is a field-level error on SQLite and PostgreSQL alike (SQLite
stores a string of any length in a column of 200; PostgreSQL refuses it with a server error).

A column's limit is read from its model, so a migration that changes one changes it here too.
Text columns without a limit in the database (a session's notes) get one here.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.db.models import Model

from backcare.clinic.models import Amendment, Client


def _column(model: type[Model], field: str) -> int:
    length = model._meta.get_field(field).max_length
    assert isinstance(length, int)
    return length


CLIENT_NAME = _column(Client, "full_name")
CLIENT_EMAIL = _column(Client, "email")
CLIENT_PHONE = _column(Client, "phone")
AMENDMENT_REASON = _column(Amendment, "reason")
# A session's S, O, A and P notes (text columns): a long page each, far more than any note.
SESSION_NOTE = 10_000
# What else a client tells the therapist at a check-in: a few paragraphs.
CHECKIN_NOTE = 2_000
SESSION_MINUTES = 480  # a session's length: at most a working day (backcare's own bound)

SESSION_NOTES = ("subjective", "objective", "assessment_note", "plan_note")
SESSION_LISTS = ("techniques", "regions", "side_effects", "new_red_flags")


def session_value_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """What is of the wrong kind among a session's values (any JSON, from the API or an
    amendment): every list holds text, every note is text within SESSION_NOTE characters and
    the hours are a finite number. What the values mean (codes, ranges, the pain scores) is the
    clinical core's to check; this only makes sure it can be asked without a crash."""
    errors: dict[str, list[str]] = {}
    for field in SESSION_LISTS:
        value = values.get(field, [])
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            errors[field] = ["must be a list of codes (text)"]
    for field in SESSION_NOTES:
        value = values.get(field, "")
        if not isinstance(value, str):
            errors[field] = ["must be text"]
        elif len(value) > SESSION_NOTE:
            errors[field] = [f"must be at most {SESSION_NOTE} characters (has {len(value)})"]
    minutes = values.get("minutes")
    if minutes is not None and (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 1 <= minutes <= SESSION_MINUTES
    ):
        errors["minutes"] = [f"must be a whole number of minutes from 1 to {SESSION_MINUTES}"]
    hours = values.get("side_effect_hours")
    if hours is not None and not _finite_number(hours):
        errors["side_effect_hours"] = ["must be a number of hours"]
    return errors


def _finite_number(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def hours_value(value: Any) -> Any:
    """A session's `side_effect_hours` as the database gives it (a Decimal), whatever an
    amendment stored it as: amendments keep a Decimal as its text ("12.5")."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return value
    return value
