"""`{{ state|letter_title }}`: the title of the letter the client's state calls for (the
handover note or the letter for the doctor), from clinic/letter.py, where its kind is decided."""

from __future__ import annotations

from typing import Any

from django import template

from backcare.clinic.letter import letter_title as _letter_title

register = template.Library()


@register.filter(name="letter_title")
def letter_title(state: dict[str, Any] | None) -> str:
    return _letter_title(state)
