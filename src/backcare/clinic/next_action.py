"""The client page's one primary action, from the client's one state (issue 15, point 1).

The next step is the core's (core/state.py, through presenting.state_view); this only says
which page of backcare the therapist acts on next. Nothing clinical is judged here.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

# The alert that only a clearance or a new intake resolves (§6): not a review.
INTAKE_REFERRAL = "AL-UNRESOLVED-REFERRAL"


def primary_action(
    state: dict[str, Any] | None, client_id: int, intake_id: int | None
) -> dict[str, str]:
    """The one action the client page offers first: its key, words, address and style
    ("urgent" for a step that must not wait)."""
    if state is None or intake_id is None:
        return _action("intake", "Start the intake", reverse("intake_new", args=[client_id]))
    step = state["next_step"]
    if step == "emergency":
        # Refer now: the letter page is the handover note in an emergency (clinic/letter.py).
        url = reverse("referral_letter", args=[client_id])
        return _action("handover", "Refer now: print the handover note", url, "urgent")
    if step == "see_doctor":
        doctor = [a for a in state["alerts"] if a["next_step"] == "see_doctor"]
        if all(a["rule"] == INTAKE_REFERRAL for a in doctor):
            # The intake's referral: its clearance is recorded on the assessment.
            url = reverse("intake_detail", args=[client_id, intake_id]) + "#clearance"
            return _action("clearance", "Record the doctor's clearance", url, "urgent")
        url = reverse("client_detail", args=[client_id]) + "#review"
        return _action("review", "Record the doctor's review", url, "urgent")
    if step == "reassess":
        url = reverse("intake_new", args=[client_id])
        return _action("reassess", "Re-assess (new intake)", url)
    return _action("session", "Record a session", reverse("session_new", args=[client_id]))


def _action(key: str, words: str, url: str, style: str = "") -> dict[str, str]:
    return {"key": key, "words": words, "url": url, "style": style}
