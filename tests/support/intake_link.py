"""The client's intake link (clinic/intake_steps.py) as tests answer it: the answers beyond the
old one-page form's that the link asks (no question is answered for the person), and a walk
through its steps as a phone without JavaScript does it."""

from __future__ import annotations

from typing import Any

from django.test import Client as Browser
from django.urls import reverse

# Every yes/no answered "no", "None of these" for conditions and medicines, the PEG's three
# items; merge the old form's answers over these.
LINK_ANSWERS: dict[str, Any] = {
    "pregnant": "no",
    "pain_night_pain_unrelieved": "no",
    "pain_wakes_second_half_of_night": "no",
    "pain_better_with_movement": "no",
    "pain_eased_by_nsaids_within_48h": "no",
    "findings_trigger_points": "no",
    "findings_fascial_restriction": "no",
    "preferences_pressure": "no_preference",
    "conditions": ["none"],
    "medications": ["none"],
    "history_family_spondyloarthritis": "no",
    "history_arthritis_enthesitis_or_psoriasis": "no",
    "had_surgery": "no",
    "had_injury": "no",
    "peg_pain": "5",
    "peg_enjoyment": "5",
    "peg_activity": "6",
}


def link_answers(old_form: dict[str, Any]) -> dict[str, Any]:
    """An old one-page form's answers as the link asks them: its checkboxes as yes/no."""
    answers = LINK_ANSWERS | {k: v for k, v in old_form.items() if not k.startswith("baseline_")}
    for name, value in old_form.items():
        if value == "on":
            answers[name] = "yes"
    if answers["pregnant"] == "yes":
        answers.setdefault("pregnancy_high_risk", "no")
    return answers


def step_url(token: str, step: str | None = None) -> str:
    url = reverse("portal_intake", args=[token])
    return f"{url}?step={step}" if step else url


def post_step(phone: Browser, token: str, step: str, answers: dict[str, Any], **extra: Any) -> Any:
    return phone.post(step_url(token), {"step": step, **answers, **extra})
