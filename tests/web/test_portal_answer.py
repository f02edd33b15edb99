"""The client's own answer page after the intake link, as a lay person reads it (issue 11,
point 4): the same presentation as the self-check's answer (clinic/presenting.py::lay_answer),
with the stored answer unchanged."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.urls import reverse

from backcare.clinic import actions
from support.intake_link import link_answers
from support.world import World, browser_for

ANSWERS = {
    "age": "34",
    "sex": "female",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],
}
BLEEDING = "Blood thinners or a bleeding disorder make bruising easier"


def client_page(world: World, answers: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The portal page after the client sends `answers` by link; and the stored answer."""
    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    phone = browser_for(None)
    response = phone.post(reverse("portal_intake", args=[token]), link_answers(answers))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = phone.get(reverse("portal_result"))
    assert page.status_code == 200
    entry = world.client.current_intake
    assert entry is not None
    return page.content.decode(), entry.assessment


def main_text(body: str) -> str:
    main = body[body.index('<main id="main">') : body.index("</main>")]
    main = re.sub(r"<sup\b.*?</sup>", "", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def test_a_client_on_warfarin_reads_the_reason_once_with_footnotes(world: World) -> None:
    body, stored = client_page(world, ANSWERS | {"medications": ["anticoagulant"]})
    text = main_text(body)
    assert stored["max_pressure"] == "light"  # the core's answer, stored as it was given
    assert text.count(BLEEDING) == 1
    assert "<strong>light pressure</strong> at most" in body
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20]
    assert [s for s, n in Counter(sentences).items() if n > 1] == []
    assert not re.search(r"\[[^\]]*\]", text)  # no [nccih-massage]
    numbers = set(re.findall(r'<a href="#note-(\d+)"', body))
    assert numbers and numbers == set(re.findall(r'<li id="note-(\d+)"', body))


def test_a_pregnant_client_at_26_weeks_gets_side_lying_and_the_midwife(world: World) -> None:
    body, stored = client_page(world, ANSWERS | {"pregnant": "on", "pregnancy_weeks": "26"})
    text = main_text(body)
    assert stored["disposition"] == "proceed_with_precautions"
    assert "lying on your side (with pillows)" in text
    assert "padded table" not in text
    assert "Check with your midwife or doctor" in text
    assert "your baby moving less than usual" in text
