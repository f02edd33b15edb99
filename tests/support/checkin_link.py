"""The client's check-in link (clinic/checkin_steps.py) as tests answer it: the answers beyond
the old one-page form's that the link asks (no question is answered for the person), and its
steps posted as a phone without JavaScript posts them."""

from __future__ import annotations

from typing import Any

from django.test import Client as Browser
from django.urls import reverse

# The PEG's three items, "None of these" after-effects, no leg trouble: merge the old form's
# answers over these.
CHECKIN_ANSWERS: dict[str, Any] = {
    "peg_pain": "5",
    "peg_enjoyment": "5",
    "peg_activity": "6",
    "side_effects": ["none"],
    "leg_symptoms": "no",
}


def checkin_answers(old_form: dict[str, Any]) -> dict[str, Any]:
    """An old one-page check-in's answers as the link asks them: no date (the link dates it
    the day it is sent), the leg checkbox as yes/no."""
    answers = CHECKIN_ANSWERS | {k: v for k, v in old_form.items() if k != "date"}
    if answers["leg_symptoms"] == "on":
        answers["leg_symptoms"] = "yes"
    return answers


def checkin_url(token: str, step: str | None = None) -> str:
    url = reverse("portal_checkin", args=[token])
    return f"{url}?step={step}" if step else url


def post_checkin(phone: Browser, token: str, old_form: dict[str, Any]) -> Any:
    """The whole check-in in one POST (checked step by step, as the steps are)."""
    return phone.post(checkin_url(token), checkin_answers(old_form))


def post_checkin_step(phone: Browser, token: str, step: str, answers: dict[str, Any]) -> Any:
    return phone.post(checkin_url(token), {"step": step, **answers})
