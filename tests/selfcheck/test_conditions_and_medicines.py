"""The self-check asks the diagnosed conditions and the medicines as it asks the warning signs:
"None of these" is an answer, and a question left blank is asked again, never read as "none"
(a person on a blood thinner who skipped it was told firm pressure fits). The emergency the
signs decide still comes at once, whatever is unanswered."""

from __future__ import annotations

from typing import Any

from django.test import Client as Browser
from django.urls import reverse

from backcare.core.assessment import assess
from backcare.core.wording import CLIENT_QUESTION, PRESSURES
from backcare.selfcheck.views import SelfCheckForm
from support.v11 import tags, values_of

BLANK = "Tick each one you have, or “None of these”."
ANSWERED = {
    "age": "52",
    "sex": "female",
    "pain_intensity": "6",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar", "thoracic"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],
}
NONE_OF_THESE = {"conditions": ["none"], "medications": ["none"]}


def post(answers: dict[str, Any]) -> Any:
    return Browser().post(reverse("self_check"), answers)


def core_answer(answers: dict[str, Any]) -> dict[str, Any]:
    """The core's answer for what the form makes of `answers`."""
    form = SelfCheckForm(answers)
    assert form.is_valid(), form.errors
    assert form.intake is not None
    return assess(form.intake).to_json()


def pressure_line(answer: dict[str, Any]) -> str:
    """How the answer page names the core's pressure limit (includes/lay_answer.html)."""
    return f"<strong>{dict(PRESSURES)[answer['max_pressure']].lower()} pressure</strong> at most"


def checked(page: bytes, name: str) -> list[str]:
    return [t["value"] for t in tags(page, "checked") if t.get("name") == name]


def test_conditions_and_medicines_left_blank_are_asked_again_with_the_answers_kept(
    db: Any,
) -> None:
    response = post(ANSWERED)
    assert response.status_code == 422
    page = response.content.decode()
    for name in ("conditions", "medications"):
        error = page[page.index(f'id="id_{name}-error"') :]
        assert error[error.index(">") + 1 : error.index("</p>")] == BLANK
        assert CLIENT_QUESTION[name] in page  # asked in the person's words
    assert values_of(response.content, "data-advice") == []  # no answer page, no emergency
    # Nothing else is lost: the form comes back with every other answer as given.
    assert sorted(checked(response.content, "pain_regions")) == ["lumbar", "thoracic"]
    assert checked(response.content, "red_flags") == ["none"]
    assert checked(response.content, "pain_intensity") == ["6"]
    age = next(t for t in tags(page, "name") if t["name"] == "age")
    assert age["value"] == "52"
    assert 'id="id_sex-error"' not in page and 'id="id_red_flags-error"' not in page


def test_one_of_them_left_blank_is_asked_again_alone(db: Any) -> None:
    response = post(ANSWERED | {"conditions": ["none"]})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_medications-error"' in page and 'id="id_conditions-error"' not in page
    assert checked(response.content, "conditions") == ["none"]


def test_none_of_these_on_both_gives_the_answer_page(db: Any) -> None:
    answers = ANSWERED | NONE_OF_THESE
    answer = core_answer(answers)
    assert answer["precautions"] == [] and answer["max_pressure"] == "firm"
    response = post(answers)
    assert response.status_code == 200
    page = response.content.decode()
    assert "It looks safe to book a massage." in page
    assert pressure_line(answer) in page
    assert 'value="none"' not in page  # "none" is an answer, not a condition to tell back


def test_an_anticoagulant_gives_the_bleeding_precaution_and_its_pressure_limit(db: Any) -> None:
    answers = ANSWERED | {"conditions": ["none"], "medications": ["anticoagulant"]}
    answer = core_answer(answers)
    bleeding = next(p for p in answer["precautions"] if p["rule"] == "PR-BLEEDING")
    assert answer["max_pressure"] == "light"
    response = post(answers)
    assert response.status_code == 200
    page = response.content.decode()
    assert pressure_line(answer) in page
    assert pressure_line(core_answer(ANSWERED | NONE_OF_THESE)) not in page  # not firm
    assert bleeding["text"].split(":")[0] in page  # why, in the core's words


def test_a_medicine_ticked_beside_none_of_these_counts(db: Any) -> None:
    # The safer reading on the one-page self-check: more precautions, never fewer.
    answers = ANSWERED | {"conditions": ["none"], "medications": ["none", "anticoagulant"]}
    form = SelfCheckForm(answers)
    assert form.is_valid(), form.errors
    assert form.document()["medications"] == ["anticoagulant"]
    answer = core_answer(answers)
    assert answer["max_pressure"] == "light"
    response = post(answers)
    assert response.status_code == 200
    assert pressure_line(answer) in response.content.decode()


def test_an_emergency_sign_with_the_rest_blank_gives_the_emergency_page_at_once(
    db: Any,
) -> None:
    for answers in (
        {"red_flags": ["saddle_numbness"]},  # nothing else answered
        ANSWERED | {"red_flags": ["new_bladder_dysfunction"]},  # all but conditions, medicines
    ):
        response = post(answers)
        assert response.status_code == 200
        assert values_of(response.content, "data-advice") == ["emergency"]
        assert 'id="id_conditions-error"' not in response.content.decode()


def test_both_legs_with_the_conditions_unanswered_is_an_emergency_at_once(db: Any) -> None:
    # Only a diagnosed spinal stenosis explains both legs away; an unanswered question does
    # not hold the emergency up (the safer side: ClientIntakeForm.emergencies).
    response = post({"red_flags": ["bilateral_leg_symptoms"]})
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
