"""`{{ code|words:"next_step" }}`: the words for a code, from core/wording.py (the one place)."""

from __future__ import annotations

from typing import Any

from django import template

from backcare.clinic.models import BODY_REGIONS
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
    "phrase": {"pain_before_after": wording.PAIN_BEFORE_AFTER},
    "intake_source": wording.INTAKE_SOURCE,
    "pain_category": wording.PAIN_CATEGORY,
    "region": wording.REGIONS,
    "body_region": BODY_REGIONS,
    "advice_when": wording.ADVICE_WHEN,
}


# How a session field's stored value reads (an amendment's old and new values).
_FIELD_TABLE = {
    "techniques": "technique",
    "pressure": "pressure",
    "side_effects": "side_effect",
    "new_red_flags": "red_flag",
    "regions": "body_region",
}


@register.filter
def with_number(sentence: str, number: str) -> str:
    """A sentence of core/wording.py with the deployment's emergency number (if it has one)
    where the words say "your local emergency number"."""
    return sentence.replace(wording.EMERGENCY_NUMBER, number) if number else sentence


@register.filter
def field_value(value: Any, field: str) -> str:
    """A session field's value in words: lists joined, codes worded, empty as "none"."""
    if value in (None, "", [], ()):
        return "none"
    table = _FIELD_TABLE.get(field)
    return words(value, table) if table else str(value)


@register.filter
def review_rules(rules: list[str]) -> str:
    """What a review covered: alert names in words, referral rules by their ids."""
    return ", ".join(wording.ALERT_NAME.get(r, r) for r in rules)


@register.filter
def audit_words(code: str) -> str:
    return wording.audit_action(code)


@register.filter
def words(code: Any, table: str) -> str:
    """The words for one code, or for each code of a list (joined with commas)."""
    if isinstance(code, list | tuple):
        return ", ".join(wording.label(_TABLES[table], c) for c in code)
    return wording.label(_TABLES[table], code) if code else ""
