"""One check of a new password, with Django's validators (AUTH_PASSWORD_VALIDATORS): the staff
actions call `check_password`, and a guard on saving a user checks every other path."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def password_problems(password: str, user: Any, *, display_name: str = "") -> list[str]:
    """What Django's validators say against `password` for `user` (none: it may be used). The
    therapist's display name counts as the user's name (it is not kept on the user)."""
    judged = copy.copy(user)
    if display_name:
        judged.first_name = display_name
    try:
        validate_password(password, judged)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def refuse_weak_passwords(instance: Any, **kwargs: Any) -> None:
    """Before a user is saved with a password just set (`set_password` keeps it in `_password`
    until the save), refuse it if the validators do: no path saves a weak password. (A
    pre_save receiver: `sender` and the rest come in `kwargs`.)"""
    raw = getattr(instance, "_password", None)
    if raw is not None:
        validate_password(raw, instance)
