"""The intake Questionnaire and QuestionnaireResponse ↔ backcare.intake/1.

The Questionnaire is checked against the contract model (every path is one item), responses are
validated with fhir.resources' R4B models, round trips are exact (vignettes and Hypothesis), and
bad responses get the core's own path-level errors, or FHIR paths for what only FHIR can get wrong.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel

from backcare.cli.demo import example_cases
from backcare.core.models import Intake
from backcare.core.validation import InvalidInput, parse_intake
from backcare.fhir import codes
from backcare.fhir.questionnaire import (
    QUESTIONNAIRE_URL,
    intake_from_response,
    intake_questionnaire,
    intake_response,
)
from support.strategies import intakes
from support.world import INTAKE


def _contract_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        if not prefix and key == "schema":
            continue
        path = f"{prefix}{key}"
        found.add(path)
        nested = field.annotation
        args = getattr(nested, "__args__", ()) or ()
        candidates = [nested, *args]
        for c in candidates:
            inner = getattr(c, "__args__", ()) or ()
            for t in (c, *inner):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    found |= _contract_paths(t, path + ".")
    return found


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_items(item.get("item", [])))
    return out


def _problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        intake_from_response(data)
    return [(p.path, p.message) for p in caught.value.problems]


def _core_problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_intake(document)
    return [(p.path, p.message) for p in caught.value.problems]


def _response(document: dict[str, Any] = INTAKE) -> dict[str, Any]:
    return intake_response(parse_intake(document).to_json())


def _find(response: dict[str, Any], link: str) -> dict[str, Any]:
    return next(i for i in _items(response["item"]) if i["linkId"] == link)


def test_the_questionnaire_is_valid_r4_and_covers_every_contract_path() -> None:
    questionnaire = intake_questionnaire()
    Questionnaire.model_validate(questionnaire)
    items = _items(questionnaire["item"])
    links = [i["linkId"] for i in items]
    assert len(links) == len(set(links)), "linkIds are unique"
    startback = {f"startback.{n}" for n in range(1, 10)}
    assert set(links) - startback == _contract_paths(Intake)
    required = {i["linkId"] for i in items if i.get("required")} - startback
    assert required == {
        "age",
        "pain",
        "pain.intensity",
        "pain.duration_weeks",
        "pain.regions",
        # within each (optional) clearance
        "clearances.rule",
        "clearances.date",
        "clearances.by",
    }
    assert all(i.get("text") for i in items), "every item has a question text"
    pain = next(i for i in items if i["linkId"] == "pain.intensity")
    assert pain["type"] == "integer" and pain["code"][0]["code"] == "72514-3"
    flags = next(i for i in items if i["linkId"] == "red_flags")
    assert len(flags["item"]) == 15 and all(i["type"] == "boolean" for i in flags["item"])
    clearances = next(i for i in items if i["linkId"] == "clearances")
    assert clearances["type"] == "group" and clearances["repeats"] is True
    assert "Keele" in questionnaire["description"]


@pytest.mark.parametrize("case", example_cases("intake"), ids=lambda c: c["name"])
def test_every_public_case_round_trips(case: dict[str, Any]) -> None:
    document = parse_intake(case["intake"]).to_json()
    response = intake_response(
        document, subject={"reference": "Patient/1"}, authored="2026-11-25T10:00:00+00:00"
    )
    QuestionnaireResponse.model_validate(response)
    assert response["questionnaire"] == f"{QUESTIONNAIRE_URL}|1"
    assert intake_from_response(json.dumps(response)).to_json() == document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes())
def test_any_valid_intake_round_trips(document: dict[str, Any]) -> None:
    exact = parse_intake(document).to_json()
    response = intake_response(exact)
    QuestionnaireResponse.model_validate(response)
    for clearance in exact["clearances"]:  # FHIR has no blank strings: a blank note is left out
        if not clearance["note"].strip():
            clearance["note"] = ""
    assert intake_from_response(response).to_json() == exact


def test_answers_carry_codes_and_displays() -> None:
    response = _response(INTAKE | {"conditions": ["herniated_disc"], "startback": [1] * 8 + [3]})
    regions = _find(response, "pain.regions")["answer"]
    assert regions == [
        {
            "valueCoding": {
                "system": codes.answer_system("pain.regions"),
                "code": "lumbar",
                "display": "Lower back",
            }
        }
    ]
    assert _find(response, "startback.9")["answer"][0]["valueCoding"]["display"] == "Very much"
    assert _find(response, "pain.intensity")["answer"] == [{"valueInteger": 6}]


def test_contract_errors_are_the_cores_own() -> None:
    # The same bad intake, sent as JSON or as a QuestionnaireResponse, gets the same problems.
    for bad in (
        {"age": 121},
        {"pain": {**INTAKE["pain"], "intensity": 11}},
        {"pregnancy": {"pregnant": False, "weeks": 12}},
        {"conditions": ["muscle_strain", "broken_toe"]},
    ):
        document = INTAKE | bad
        response = intake_response(document)
        assert _problems(response) == _core_problems(document), bad


def test_a_misspelled_question_is_an_error_with_its_contract_path() -> None:
    response = _response()
    _find(response, "red_flags")["item"].append(
        {"linkId": "red_flags.sadle_numbness", "answer": [{"valueBoolean": True}]}
    )
    problems = _problems(response)
    assert problems[0][0] == "red_flags.sadle_numbness"
    assert "saddle_numbness" in problems[0][1]  # did you mean


def test_a_missing_required_answer_is_reported_at_its_path() -> None:
    response = _response()
    pain = _find(response, "pain")
    pain["item"] = [i for i in pain["item"] if i["linkId"] != "pain.intensity"]
    assert [p for p, _ in _problems(response)] == ["pain.intensity"]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda r: r.update(resourceType="Patient"), "resourceType", "QuestionnaireResponse"),
        (lambda r: r.update(questionnaire="http://x.org/Q|1"), "questionnaire", "backcare"),
        (lambda r: r.update(questionnaire=QUESTIONNAIRE_URL + "|2"), "questionnaire", "version"),
        (lambda r: r.update(status="in-progress"), "status", "completed"),
        (lambda r: r.update(item={"linkId": "age"}), "item", ""),
    ],
)
def test_fhir_level_errors_name_the_fhir_element(change: Any, path: str, words: str) -> None:
    response = _response()
    change(response)
    problems = _problems(response)
    assert problems and problems[0][0].startswith(path), problems
    assert words in problems[0][1]


def test_a_wrong_answer_type_is_reported_at_the_answer() -> None:
    response = _response()
    age = _find(response, "age")
    age["answer"] = [{"valueString": "45"}]
    index = response["item"].index(age)
    [(path, message)] = _problems(response)
    assert path == f"item[{index}].answer[0]"
    assert "valueInteger" in message and "valueString" in message


def test_answered_twice_or_with_two_answers_is_refused() -> None:
    response = _response()
    age = _find(response, "age")
    response["item"].append(copy.deepcopy(age))
    assert "twice" in _problems(response)[0][1]
    response = _response()
    _find(response, "age")["answer"].append({"valueInteger": 50})
    assert "one answer" in _problems(response)[0][1]


def test_an_item_outside_its_group_is_refused() -> None:
    response = _response()
    response["item"].append(
        {"linkId": "pain.night_pain_unrelieved", "answer": [{"valueBoolean": True}]}
    )
    [(path, message)] = _problems(response)
    assert path.endswith(".linkId") and "'pain'" in message


def test_a_coding_from_another_system_is_refused() -> None:
    response = _response()
    _find(response, "pain.regions")["answer"][0]["valueCoding"]["system"] = "http://snomed.info/sct"
    [(path, _)] = _problems(response)
    assert path.endswith("valueCoding.system")


def test_startback_needs_all_nine_items_or_none() -> None:
    response = _response(INTAKE | {"startback": [0, 1, 0, 1, 0, 1, 0, 1, 2]})
    group = _find(response, "startback")
    group["item"] = group["item"][:8]
    [(path, message)] = _problems(response)
    assert path == "startback[8]" and "unanswered" in message


def test_duplicate_json_keys_are_refused() -> None:
    text = json.dumps(_response())[:-1] + ', "status": "completed"}'
    [(path, message)] = _problems(text)
    assert path == "" and "twice" in message


def test_the_documented_example_answers_the_documented_intake() -> None:
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    example = json.loads((docs / "questionnaire-response.json").read_text())
    QuestionnaireResponse.model_validate(example)
    intake = json.loads((docs / "intake.json").read_text())
    assert intake_from_response(example).to_json() == parse_intake(intake).to_json()
