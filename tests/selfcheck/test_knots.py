"""Issue 11: "I can feel knots / tight bands" and "it feels stuck" can be said in the self-check,
as the findings `trigger_points` and `fascial_restriction`, so the self-check recommends trigger
point therapy or myofascial release when the rules say they fit. What is recommended is the
core's answer for the same document, never a list of our own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from backcare.core.assessment import assess
from backcare.core.rules.tables import load_tables
from backcare.core.wording import CLIENT_QUESTION
from backcare.selfcheck.views import SelfCheckForm

BASE = {
    "age": "40",
    "sex": "unspecified",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],
    "conditions": ["none"],  # "None of these" is an answer, a blank is asked again
    "medications": ["none"],
}
KNOTS = BASE | {"findings_trigger_points": "on"}
STUCK = BASE | {"findings_fascial_restriction": "on"}


def what_to_ask_for(page: str) -> str:
    part = page[page.index('id="ask-h"') :]
    return part[: part.index("</section>")]


def recommended_names(answers: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document the form makes of `answers` and the names the core recommends for it."""
    form = SelfCheckForm(answers)
    assert form.is_valid(), form.errors
    assert form.intake is not None
    techniques = assess(form.intake).to_json()["techniques"]
    names = load_tables().technique_names
    return form.document(), [
        names[k] for k, v in techniques.items() if v["verdict"] == "recommended"
    ]


def test_the_self_check_asks_about_knots_and_stiffness_in_plain_words(db: Any) -> None:
    page = Browser().get(reverse("self_check")).content.decode()
    for name, path in (
        ("findings_trigger_points", "findings.trigger_points"),
        ("findings_fascial_restriction", "findings.fascial_restriction"),
    ):
        assert f'name="{name}"' in page
        assert CLIENT_QUESTION[path].replace("'", "&#x27;") in page
    assert "Tight, guarded muscles" not in page  # only palpation finds that


@pytest.mark.parametrize(
    ("answers", "path", "technique"),
    [
        (KNOTS, "trigger_points", "Trigger point therapy"),
        (STUCK, "fascial_restriction", "Myofascial release"),
    ],
)
def test_knots_or_stiffness_get_the_technique_the_core_recommends(
    db: Any, answers: dict[str, Any], path: str, technique: str
) -> None:
    document, recommended = recommended_names(answers)
    assert document["findings"][path] is True  # the answer reaches the contract's field
    _, without = recommended_names(BASE)
    assert technique in recommended and technique not in without  # the core's own answer
    response = Browser().post(reverse("self_check"), answers)
    assert response.status_code == 200
    asked = what_to_ask_for(response.content.decode())
    for name in recommended:
        assert f"<h3>{name}</h3>" in asked
    plain = what_to_ask_for(Browser().post(reverse("self_check"), BASE).content.decode())
    assert f"<h3>{technique}</h3>" not in plain
