"""`{{ code|words:"next_step" }}`: the words for a code, from core/wording.py (the one place)."""

from __future__ import annotations

from typing import Any

from django import template

from backcare.core import wording

register = template.Library()

_TABLES: dict[str, Any] = {
    "next_step": wording.NEXT_STEP,
    "status": wording.STATUS,
    "disposition": wording.DISPOSITION,
    "urgency": wording.URGENCY,
    "verdict": wording.VERDICT,
    "alert": wording.ALERT_NAME,
    "pressure": wording.PRESSURES,
    "technique": wording.TECHNIQUES,
    "side_effect": wording.SIDE_EFFECTS,
    "red_flag": wording.RED_FLAG_QUESTIONS,
    "reason_kind": wording.REASON_KIND,
    "review_source": wording.REVIEW_SOURCE,
    "review_outcome": wording.REVIEW_OUTCOME,
    "session_field": wording.SESSION_FIELD,
    "intake_source": wording.INTAKE_SOURCE,
}


@register.filter
def audit_words(code: str) -> str:
    return wording.audit_action(code)


@register.filter
def words(code: Any, table: str) -> str:
    """The words for one code, or for each code of a list (joined with commas)."""
    if isinstance(code, list | tuple):
        return ", ".join(wording.label(_TABLES[table], c) for c in code)
    return wording.label(_TABLES[table], code) if code else ""
