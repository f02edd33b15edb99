"""The intake as FHIR R4: a Questionnaire, and QuestionnaireResponse ↔ `backcare.intake/1`.

The Questionnaire is generated from the contract model's JSON Schema, so it cannot drift from
`backcare.intake/1`: every contract path is one item whose `linkId` *is* that path
(`pain.intensity`, `red_flags.saddle_numbness`), groups mirror the contract's objects, and the
question texts are the intake form's plain-language labels.

Import turns a QuestionnaireResponse back into the contract's JSON and hands it to the core's own
validation, so a bad answer gets exactly the error the CLI and the API give for the same intake
(`red_flags.sadle_numbness` is an unknown field, with a "did you mean"). Only what is specific to
FHIR (the resource type, the questionnaire it answers, the answer's value type, an answer given
twice) is checked here, with the FHIR path of the offending element.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from backcare.core import wording
from backcare.core.measures.startback import COPYRIGHT as STARTBACK_COPYRIGHT
from backcare.core.models import Intake
from backcare.core.validation import InvalidInput, Problem, parse_intake, parse_json
from backcare.fhir import codes

QUESTIONNAIRE_URL = codes.BASE + ":Questionnaire:intake"
QUESTIONNAIRE_VERSION = "1"  # backcare.intake/1
STARTBACK_ITEMS = 9

# FHIR item type -> the only answer value[x] that type takes.
ANSWER_KEY = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "date": "valueDate",
    "string": "valueString",
    "text": "valueString",
    "choice": "valueCoding",
}

_GROUP_TEXT = {
    "pregnancy": "Pregnancy",
    "pain": "The back pain",
    "findings": "The therapist's findings",
    "red_flags": "Warning signs: any of these, new or present in this episode?",
    "history": "History",
    "recent": "Recent surgery or injury",
    "clearances": "A doctor's documented review of a referral rule",
    "preferences": "Preferences",
    "startback": "Keele STarT Back Screening Tool (optional)",
}
_CLEARANCE_TEXT = {
    "clearances.rule": "Referral rule reviewed",
    "clearances.date": "Date of the review",
    "clearances.by": "Who cleared it",
    "clearances.note": "Note",
}


def _labels() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Question texts and answer displays, from core/wording.py (the words the web form and the
    self-check use too)."""
    texts: dict[str, str] = {**wording.INTAKE_QUESTION, **_CLEARANCE_TEXT}
    displays: dict[str, dict[str, str]] = {
        "sex": dict(wording.SEX),
        "pain.regions": dict(wording.REGIONS),
        "pain.onset": dict(wording.ONSET),
        "pain.radiation": dict(wording.RADIATION),
        "conditions": dict(wording.CONDITIONS),
        "medications": dict(wording.MEDICATIONS),
        "preferences.pressure": dict(wording.PRESSURES),
        "pain.intensity": {str(i): str(i) for i in range(11)},
    }
    for name, text in wording.RED_FLAG_QUESTIONS:
        texts[f"red_flags.{name}"] = text
    for i, text in enumerate(wording.STARTBACK_ITEMS, start=1):
        texts[f"startback.{i}"] = text
        displays[f"startback.{i}"] = dict(
            wording.STARTBACK_BOTHER if i == STARTBACK_ITEMS else wording.STARTBACK_AGREE
        )
    return texts, displays


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema with a $ref followed and `anyOf [X, null]` unwrapped; and whether null is ok."""
    nullable = False
    while "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(schema["anyOf"])
        if len(options) == 1:
            schema = {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
        elif {o.get("type") for o in options} == {"integer", "number"}:
            schema = {"type": "number"}  # a JSON number that may be written as an integer
        else:  # pragma: no cover - a new contract type must be mapped deliberately
            raise TypeError(f"no FHIR item type for {schema}")
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return schema, nullable


def _coding(path: str, code: str, displays: dict[str, dict[str, str]]) -> dict[str, Any]:
    coding = {"system": codes.answer_system(path), "code": code}
    display = displays.get(path, {}).get(code)
    if display:
        coding["display"] = display
    return coding


def _items(
    schema: dict[str, Any],
    defs: dict[str, Any],
    prefix: str,
    labels: tuple[dict[str, str], dict[str, dict[str, str]]],
) -> list[dict[str, Any]]:
    texts, displays = labels
    required = set(schema.get("required", ()))
    items: list[dict[str, Any]] = []
    for name, raw in schema["properties"].items():
        if not prefix and name == "schema":
            continue  # the questionnaire itself says which contract this is
        path = f"{prefix}{name}"
        prop, _ = _resolve(raw, defs)
        item: dict[str, Any] = {"linkId": path, "text": texts.get(path, _GROUP_TEXT.get(path))}
        kind = prop.get("type")
        if kind == "object":
            item["type"] = "group"
            item["item"] = _items(prop, defs, path + ".", labels)
        elif kind == "array":
            member, _ = _resolve(prop["items"], defs)
            if member.get("type") == "object":  # clearances: a repeating group
                item.update(type="group", repeats=True)
                item["item"] = _items(member, defs, path + ".", labels)
            elif member.get("type") == "integer":  # STarT Back: exactly nine answers
                item["type"] = "group"
                item["item"] = [
                    {
                        "linkId": f"{path}.{i}",
                        "text": texts[f"{path}.{i}"],
                        "type": "choice",
                        "required": True,
                        "answerOption": [
                            {"valueCoding": _coding(f"{path}.{i}", str(v), displays)}
                            for v in range(5 if i == STARTBACK_ITEMS else 2)
                        ],
                    }
                    for i in range(1, prop["minItems"] + 1)
                ]
            else:  # a list of codes
                item.update(type="choice", repeats=True)
                item["answerOption"] = [
                    {"valueCoding": _coding(path, code, displays)} for code in member["enum"]
                ]
        elif "enum" in prop:
            item["type"] = "choice"
            item["answerOption"] = [
                {"valueCoding": _coding(path, code, displays)} for code in prop["enum"]
            ]
        elif kind == "boolean":
            item["type"] = "boolean"
        elif kind == "integer":
            item["type"] = "integer"
        elif kind == "number":
            item["type"] = "decimal"
        elif kind == "string" and prop.get("format") == "date":
            item["type"] = "date"
        elif kind == "string":
            item["type"] = "text" if prop.get("maxLength", 0) > 200 else "string"
            if "maxLength" in prop:
                item["maxLength"] = prop["maxLength"]
        else:  # pragma: no cover - a new contract type must be mapped deliberately
            raise TypeError(f"no FHIR item type for {path}: {prop}")
        if path in codes.ITEM_CODES:
            item["code"] = [codes.ITEM_CODES[path]]
        if name in required:
            item["required"] = True
        if item["text"] is None:
            del item["text"]
        items.append(item)
    return items


@cache
def intake_questionnaire() -> dict[str, Any]:
    """The Questionnaire resource for `backcare.intake/1` (FHIR R4)."""
    schema = Intake.model_json_schema(by_alias=True, mode="validation")
    return {
        "resourceType": "Questionnaire",
        "id": "backcare-intake-1",
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "BackcareIntake",
        "title": "backcare intake: back pain before massage therapy",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "The backcare.intake/1 contract as a questionnaire. Each item's linkId is the "
            "contract path it answers. The STarT Back items are the Keele STarT Back "
            "Screening Tool: " + STARTBACK_COPYRIGHT
        ),
        "item": _items(schema, schema.get("$defs", {}), "", _labels()),
    }


@cache
def _index() -> dict[str, dict[str, Any]]:
    """Every item of the questionnaire by linkId."""
    found: dict[str, dict[str, Any]] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            found[item["linkId"]] = item
            walk(item.get("item", []))

    walk(intake_questionnaire()["item"])
    return found


# -- export: intake document -> QuestionnaireResponse ------------------------------------------


def _answer(item: dict[str, Any], value: Any) -> dict[str, Any]:
    if item["type"] == "choice":
        return {"valueCoding": _coding(item["linkId"], str(value), _labels()[1])}
    return {ANSWER_KEY[item["type"]]: value}


def _response_items(
    items: list[dict[str, Any]], document: dict[str, Any], prefix: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        name = item["linkId"][len(prefix) :]
        value = document.get(name)
        if value is None or value in ([], ()) or (isinstance(value, str) and not value.strip()):
            # Unanswered: the contract's default (null, an empty list, an empty note) applies.
            # FHIR strings must hold more than whitespace, so a blank note is not sent.
            continue
        entry: dict[str, Any] = {"linkId": item["linkId"]}
        if "text" in item:
            entry["text"] = item["text"]
        if item["type"] == "group" and item.get("repeats"):  # clearances
            for member in value:
                out.append(
                    {**entry, "item": _response_items(item["item"], member, item["linkId"] + ".")}
                )
            continue
        if item["type"] == "group" and name == "startback":
            entry["item"] = [
                {"linkId": child["linkId"], "answer": [_answer(child, answer)]}
                for child, answer in zip(item["item"], value, strict=True)
            ]
        elif item["type"] == "group":
            entry["item"] = _response_items(item["item"], value, item["linkId"] + ".")
            if not entry["item"]:
                continue
        elif item.get("repeats"):
            entry["answer"] = [_answer(item, v) for v in value]
        else:
            entry["answer"] = [_answer(item, value)]
        out.append(entry)
    return out


def intake_response(
    document: dict[str, Any], *, subject: dict[str, Any] | None = None, authored: str | None = None
) -> dict[str, Any]:
    """A completed QuestionnaireResponse for one `backcare.intake/1` document.

    Every answer the document gives is written, defaults included (a therapist reading the
    response sees "no" as an answer); null and empty lists are left unanswered.
    """
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
    }
    if subject is not None:
        response["subject"] = subject
    if authored is not None:
        response["authored"] = authored
    response["item"] = _response_items(intake_questionnaire()["item"], document, "")
    return response


# -- import: QuestionnaireResponse -> intake ---------------------------------------------------


def _fhir_problems(error: Any) -> list[Problem]:
    """fhir.resources' (pydantic's) errors with FHIR-style paths (`item[0].answer[1]`)."""
    found = []
    for e in error.errors():
        path = ""
        for part in e.get("loc", ()):
            if isinstance(part, int):
                path += f"[{part}]"
            elif not str(part).startswith("function-") and part != "__root__":
                path += ("." if path else "") + str(part)
        found.append(Problem(path, str(e.get("msg", "is not valid FHIR"))))
    return found or [Problem("", "is not a valid FHIR R4 QuestionnaireResponse")]


def _check_structure(data: Any) -> None:
    if not isinstance(data, dict):
        raise InvalidInput([Problem("", "must be a JSON object (a FHIR QuestionnaireResponse)")])
    if data.get("resourceType") != "QuestionnaireResponse":
        raise InvalidInput([Problem("resourceType", "must be QuestionnaireResponse")])
    import pydantic
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    try:
        QuestionnaireResponse.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InvalidInput(_fhir_problems(exc)) from None
    problems = []
    canonical, _, version = str(data.get("questionnaire", "")).partition("|")
    if canonical != QUESTIONNAIRE_URL:
        problems.append(
            Problem(
                "questionnaire",
                f"must be {QUESTIONNAIRE_URL} (the backcare intake questionnaire); got "
                f"{data.get('questionnaire')!r}",
            )
        )
    elif version and version != QUESTIONNAIRE_VERSION:
        problems.append(
            Problem("questionnaire", f"version {version!r} is not known: only version 1 is")
        )
    if data.get("status") not in ("completed", "amended"):
        problems.append(
            Problem(
                "status",
                f"must be completed or amended (got {data.get('status')!r}): an unfinished "
                "intake cannot be assessed",
            )
        )
    if problems:
        raise InvalidInput(problems)


def _value(
    item: dict[str, Any] | None, answer: dict[str, Any], at: str, problems: list[Problem]
) -> Any:
    """The contract value of one answer; a wrong value[x] is reported at its FHIR path."""
    # A null is no value (FHIR's JSON has no nulls; the library reading it lets them through).
    given = [k for k in answer if k.startswith("value") and answer[k] is not None]
    if item is None:  # an unknown question: the core names it (with a "did you mean")
        return answer[given[0]] if given else None
    expected = ANSWER_KEY[item["type"]]
    if given != [expected]:
        problems.append(
            Problem(
                at,
                f"answers a {item['type']} question ({item['linkId']}), so it needs "
                f"{expected} (got {', '.join(given) or 'no value'})",
            )
        )
        return None
    value = answer[expected]
    if expected != "valueCoding":
        return value
    system = value.get("system")
    if system is not None and system != codes.answer_system(item["linkId"]):
        problems.append(
            Problem(
                f"{at}.valueCoding.system",
                f"must be {codes.answer_system(item['linkId'])} for {item['linkId']} "
                f"(got {system!r})",
            )
        )
        return None
    code = value.get("code")
    if item["linkId"].startswith("startback.") and isinstance(code, str) and code.isdigit():
        return int(code)  # STarT Back answers are the contract's integers
    return code


def _fill(
    items: list[dict[str, Any]],
    at: str,
    target: dict[str, Any],
    prefix: str,
    problems: list[Problem],
) -> None:
    index = _index()
    seen: set[str] = set()
    for i, entry in enumerate(items):
        where = f"{at}item[{i}]"
        link = entry.get("linkId", "")
        # Items nest as the contract's objects do: `pain.intensity` belongs in the group `pain`.
        parent = link.rsplit(".", 1)[0] + "." if "." in link else ""
        if not link.startswith(prefix) or (link in index and parent != prefix):
            inside = f"the group {parent[:-1]!r}" if parent else "the top level"
            problems.append(Problem(f"{where}.linkId", f"{link!r} belongs in {inside}"))
            continue
        name = link[len(prefix) :]
        item = index.get(link)
        repeating_group = item is not None and item["type"] == "group" and item.get("repeats")
        if link in seen and not repeating_group:
            problems.append(Problem(f"{where}.linkId", f"{link} is answered twice"))
            continue
        seen.add(link)
        if item is not None and item["type"] == "group":
            if entry.get("answer"):
                problems.append(Problem(f"{where}.answer", f"{link} is a group: it has no answer"))
                continue
            children = entry.get("item") or []
            if repeating_group:
                member: dict[str, Any] = {}
                _fill(children, f"{where}.", member, link + ".", problems)
                target.setdefault(name, []).append(member)
            elif name == "startback":
                target[name] = _startback(children, where, problems)
            else:
                nested: dict[str, Any] = target.setdefault(name, {})
                _fill(children, f"{where}.", nested, link + ".", problems)
            continue
        answers = entry.get("answer") or []
        if entry.get("item"):
            problems.append(Problem(f"{where}.item", f"{link} is a question, not a group"))
            continue
        if item is not None and item.get("repeats"):
            target[name] = [
                _value(item, a, f"{where}.answer[{j}]", problems) for j, a in enumerate(answers)
            ]
        elif len(answers) > 1:
            problems.append(Problem(f"{where}.answer", f"{link} takes one answer, not several"))
        elif answers:
            target[name] = _value(item, answers[0], f"{where}.answer[0]", problems)
        # An item without an answer is unanswered: the contract's default applies.


def _startback(children: list[dict[str, Any]], at: str, problems: list[Problem]) -> list[Any]:
    index = _index()
    answers: dict[int, Any] = {}
    for i, entry in enumerate(children):
        link = entry.get("linkId", "")
        where = f"{at}.item[{i}]"
        number = link.removeprefix("startback.")
        if link not in index or not number.isdigit():
            problems.append(Problem(f"{where}.linkId", f"{link!r} is not a STarT Back item"))
            continue
        if int(number) in answers:
            problems.append(Problem(f"{where}.linkId", f"{link} is answered twice"))
            continue
        given = entry.get("answer") or []
        if len(given) != 1:
            problems.append(Problem(f"{where}.answer", f"{link} needs exactly one answer"))
            continue
        answers[int(number)] = _value(index[link], given[0], f"{where}.answer[0]", problems)
    for n in range(1, STARTBACK_ITEMS + 1):
        if n not in answers and not any(p.path.startswith(at) for p in problems):
            problems.append(
                Problem(
                    f"startback[{n - 1}]",
                    f"item {n} is unanswered: answer all {STARTBACK_ITEMS} STarT Back items or "
                    "leave the whole group out",
                )
            )
    return [answers.get(n) for n in range(1, STARTBACK_ITEMS + 1)]


def intake_from_response(data: Any) -> Intake:
    """The intake a QuestionnaireResponse answers; `InvalidInput` with every problem otherwise.

    `data` is parsed JSON or JSON text (text is parsed refusing duplicate keys, as everywhere).
    """
    if isinstance(data, str | bytes):
        data = parse_json(data)
    _check_structure(data)
    problems: list[Problem] = []
    document: dict[str, Any] = {"schema": "backcare.intake/1"}
    _fill(data.get("item") or [], "", document, "", problems)
    if problems:
        raise InvalidInput(problems)
    return parse_intake(document)
