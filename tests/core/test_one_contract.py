"""One definition of the intake contract: the pydantic models.

Every other list of the intake's fields (the rule tables' fact list, the fast intake check's key
sets, the words for each code) is checked against the models here, so a field added in one place
only fails a test. (The web form and the FHIR questionnaire are checked against the same paths in
tests/web/test_one_contract_web.py and tests/fhir/test_fhir_questionnaire.py.)
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel

from backcare.core import wording
from backcare.core.accelerator import intake_json as fastintake
from backcare.core.models import Findings, History, Intake, Pain, Pregnancy, RedFlags
from backcare.core.rules.tables import INTAKE_FIELD_FACTS
from backcare.core.vocabulary import (
    Condition,
    Medication,
    Pressure,
    Region,
    SideEffect,
    Technique,
)


def leaf_paths(model: type[BaseModel] = Intake, prefix: str = "") -> set[str]:
    """Every leaf of the contract as a dotted path (`pain.intensity`), lists and the
    clearance objects counting as leaves, `schema` left out."""
    out = set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key == "schema":
            continue
        annotation: Any = field.annotation
        # A group (a model, or an optional one) is descended into; a list of objects is a leaf.
        group = () if get_origin(annotation) is tuple else (annotation, *get_args(annotation))
        nested = [t for t in group if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested:
            out |= leaf_paths(nested[0], f"{prefix}{key}.")
        else:
            out.add(f"{prefix}{key}")
    return out


def test_the_rule_tables_fact_list_is_the_contracts_fields() -> None:
    assert leaf_paths() == set(INTAKE_FIELD_FACTS)


def test_the_fast_intake_checks_know_exactly_the_contracts_keys() -> None:
    assert {f.alias or n for n, f in Intake.model_fields.items()} == fastintake._TOP
    assert set(Pain.model_fields) == fastintake._PAIN
    assert set(Pregnancy.model_fields) == fastintake._PREGNANCY
    assert set(fastintake._RECENT) == {"surgery_weeks_ago", "injury_hours_ago"}
    assert set(fastintake._RECENT.values()) == {p for p in leaf_paths() if p.startswith("recent.")}
    assert (
        set(Intake.model_fields["clearances"].annotation.__args__[0].model_fields)
        == fastintake._CLEARANCE
    )  # type: ignore[union-attr]


def test_every_code_has_words_and_every_word_a_code() -> None:
    pairs = {
        "RED_FLAG_QUESTIONS": set(RedFlags.model_fields),
        "CONDITIONS": set(get_args(Condition)),
        "MEDICATIONS": set(get_args(Medication)),
        "REGIONS": set(get_args(Region)),
        "SIDE_EFFECTS": set(get_args(SideEffect)),
        "TECHNIQUES": set(get_args(Technique)),
        "PRESSURES": set(get_args(Pressure)),
    }
    for table, codes in pairs.items():
        assert {code for code, _ in getattr(wording, table)} == codes, table


def test_examination_findings_are_the_findings_group() -> None:
    from backcare.core.state import EXAMINATION_FINDINGS

    assert set(EXAMINATION_FINDINGS) == set(Findings.model_fields)
    assert set(History.model_fields).isdisjoint(EXAMINATION_FINDINGS)
