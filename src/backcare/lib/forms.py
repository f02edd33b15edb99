"""Putting field-level problems on a Django form: one helper for every app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def add_errors(
    form: Any, errors: Mapping[str, list[str]], rename: Mapping[str, str] | None = None
) -> None:
    """Each (field, messages) on its field, renamed where the form calls it otherwise; a field
    the form does not have (or "") becomes a form-wide error, never a lost one."""
    for field, messages in errors.items():
        name = (rename or {}).get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
