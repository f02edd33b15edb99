"""The rule tables as data: complete, sourced, consistent with the spec, and safely compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backcare.core.rules.expression import ExpressionError, compile_condition
from backcare.core.rules.tables import (
    COURSE_FACTS,
    INTAKE_DERIVED_FACTS,
    INTAKE_FIELD_FACTS,
    TableError,
    _change_rules,
    _read,
    _rule,
    clearable_rule_ids,
    load_tables,
)
from backcare.core.rules.text import PLACEHOLDER

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec"
TABLES = load_tables()
ALL_RULES = TABLES.assessment_rules + TABLES.alerts


def test_every_source_a_rule_cites_exists() -> None:
    for rule in ALL_RULES:
        assert rule.sources, rule.id
        for source in rule.sources:
            assert source in TABLES.sources, f"{rule.id} cites unknown source {source}"


def test_every_policy_finding_says_it_is_backcares_own_choice() -> None:
    for rule in ALL_RULES:
        if "policy" in rule.sources:
            assert re.search(r"backcare's (own|policy)", rule.therapist_text), rule.id
    assert TABLES.sources["policy"].is_policy
    assert [s for s in TABLES.sources.values() if s.is_policy] == [TABLES.sources["policy"]]


def test_every_rule_has_both_texts() -> None:
    for rule in ALL_RULES:
        assert len(rule.text) > 20 and len(rule.therapist_text) > 10, rule.id


def test_placeholders_name_facts_of_their_context() -> None:
    intake_facts = INTAKE_FIELD_FACTS | INTAKE_DERIVED_FACTS
    for rule in ALL_RULES:
        known = COURSE_FACTS if rule in TABLES.alerts else intake_facts
        for text in (rule.text, rule.therapist_text):
            for name in PLACEHOLDER.findall(text):
                assert name in known, f"{rule.id}: unknown placeholder {name}"


def test_rule_ids_are_unique_and_in_spec_order_within_sections() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(not SPEC.is_dir(), reason="../shared/spec is not beside the project")
def test_tables_hold_exactly_the_spec_rules_in_spec_order() -> None:
    text = (SPEC / "clinical-rules-v1.md").read_text()
    spec_ids = list(
        dict.fromkeys(re.findall(r"^\| ((?:RF|CI|PR|PREF|TQ|AL)-[A-Z0-9-]+) \|", text, re.M))
    )
    plan_ids = list(dict.fromkeys(re.findall(r"\b((?:PL|CT|SC)-[A-Z-]+[A-Z])\b", text)))
    ours = [r.id for r in ALL_RULES if not r.id.startswith(("PL-", "CT-", "SC-"))]
    assert ours == spec_ids
    assert sorted(r.id for r in TABLES.plan) == sorted(plan_ids)


@pytest.mark.skipif(not SPEC.is_dir(), reason="../shared/spec is not beside the project")
def test_sources_table_matches_the_spec() -> None:
    text = (SPEC / "sources.md").read_text()
    spec_ids = set(re.findall(r"^\| ([a-z0-9-]+) \| ", text, re.M)) - {"id"}
    assert spec_ids == set(TABLES.sources)


def test_spec_sources_per_rule_for_a_sample() -> None:
    # The sources of a few rules, read off the spec by hand.
    assert TABLES.rule("RF-CES-SADDLE").sources == ("bmj-ces", "finucane2020")
    assert TABLES.rule("PR-ACUTE-INJURY").sources == ("werner1998", "policy")
    assert TABLES.rule("AL-PROLONGED-SORENESS").sources == ("cambron2007",)


def test_clearable_rules() -> None:
    ids = clearable_rule_ids()
    assert "RF-FEVER" not in ids
    assert all(r.id not in ids for r in TABLES.referral if r.urgency == "emergency")
    assert {r.id for r in TABLES.contraindications} <= ids
    assert {"RF-CANCER-HISTORY-ROUTINE", "RF-INFLAMMATORY", "RF-WEIGHT-LOSS"} <= ids


def test_red_flag_reading_rules_include_those_reading_through_predicates() -> None:
    reads = {r.id for r in TABLES.referral if r.reads_red_flags}
    assert "RF-CANCER-HISTORY" in reads and "RF-BILATERAL-STENOSIS" in reads
    assert "RF-AAA-KNOWN" not in reads and "RF-UNDER-16" not in reads


KNOWN = {"a", "b", "n", "items", "red_flags.fever"}.__contains__


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("a and b", {"a": True, "b": False}, False),
        ("a or b", {"a": False, "b": True}, True),
        ("not a", {"a": False}, True),
        ("n >= 7", {"n": 7}, True),
        ("n >= 7", {"n": 6}, False),
        ("3 < n <= 5", {"n": 5}, True),
        ('"x" in items', {"items": ("x", "y")}, True),
        ('"z" not in items', {"items": ("x",)}, True),
        ("n in {1, 2}", {"n": 2}, True),
        ("n is None", {"n": None}, True),
        ("n is not None and n < 12", {"n": None}, False),
        ("count(a, b, n > 1) >= 2", {"a": True, "b": False, "n": 2}, True),
        ("red_flags.fever", {"red_flags.fever": True}, True),
        ("a and b and n and items", {"a": 1, "b": 1, "n": 1, "items": ()}, False),
    ],
)
def test_condition_language(source: str, facts: dict[str, object], expected: bool) -> None:
    assert compile_condition(source, KNOWN)(facts) is expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "open('x')",
        "a.__class__",
        "items[0]",
        "lambda: 1",
        "a + b",
        "unknown_fact",
        "red_flags.sadle_numbness",
        "n is 3",
        "[x for x in items]",
        "a if b else n",
        "(",
    ],
)
def test_condition_language_refuses(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_condition(source, KNOWN)


def test_condition_names_are_recorded() -> None:
    c = compile_condition("a and (red_flags.fever or n > 2)", KNOWN)
    assert c.names == {"a", "red_flags.fever", "n"}


# --- §6 change thresholds (change.toml) ------------------------------------------------------


def test_change_thresholds_are_the_specs() -> None:
    # clinical-rules-v1 §6, transcribed: (points, percent) for meaningful improvement; points
    # for worsening (none for PEG).
    spec = {
        "pain": ("-2", "-30", "2"),
        "rmdq": ("-5", "-30", "5"),
        "odi": ("-10", "-30", "10"),
        "peg": ("-1", "-30", "1"),  # v1.1: PEG can show worsening
    }
    got = {
        m: (
            str(c.meaningful_points),
            str(c.meaningful_percent),
            None if c.worsening_points is None else str(c.worsening_points),
        )
        for m, c in TABLES.change.items()
    }
    assert got == spec
    assert list(TABLES.change) == list(spec)  # worsening is checked in the spec's order


def test_every_change_threshold_cites_known_sources_and_says_both_is_policy() -> None:
    for c in TABLES.change.values():
        assert c.sources and set(c.sources) <= set(TABLES.sources), c.measure
        assert "policy" in c.sources, c.measure  # requiring both thresholds is our choice
    assert "reed2024" in TABLES.change["peg"].sources


GOOD_ROW = {"name": "x", "meaningful_points": -2, "meaningful_percent": -30, "sources": ["policy"]}


def _change_table(**pain: object) -> dict[str, object]:
    rows = {m: dict(GOOD_ROW) for m in ("pain", "rmdq", "odi", "peg")}
    rows["pain"].update(pain)
    return {"measure": rows}


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        (_change_table(meaningful_points=2), "meaningful thresholds < 0"),  # a sign slip
        (_change_table(meaningful_percent=30), "meaningful thresholds < 0"),
        (_change_table(worsening_points=-2), "worsening > 0"),
        (_change_table(worsening_points="2"), "must be numbers"),
        (_change_table(meaningfull_points=-2), "unknown ['meaningfull_points']"),
        (_change_table(sources=["nobody2020"]), "unknown or no sources"),
        (_change_table(sources=[]), "unknown or no sources"),
        ({"measure": {"pain": GOOD_ROW}}, "needs exactly the measures"),
        ({"measure": dict(reversed(_change_table()["measure"].items()))}, "in that order"),  # type: ignore[attr-defined]
    ],
)
def test_a_bad_change_table_is_refused_at_load(table: dict[str, object], fragment: str) -> None:
    with pytest.raises(TableError) as caught:
        _change_rules(table, TABLES.sources)
    assert fragment in str(caught.value)


def test_a_good_change_table_loads() -> None:
    assert (
        _change_rules(_change_table(worsening_points=2), TABLES.sources)["pain"].worsening_points
        == 2
    )


# A real row of each section's table (the first), to take columns away from.
SECTION_FILES = {
    "referral": "referral.toml",
    "contraindication": "contraindications.toml",
    "precaution": "precautions.toml",
    "technique": "techniques.toml",
    "plan": "plan.toml",
    "alert": "alerts.toml",
}
SECTION_COLUMNS = {
    "referral": ["urgency", "disposition"],
    "contraindication": ["urgency", "disposition"],
    "precaution": ["cap", "precaution"],
    "technique": ["technique"],
    "plan": ["list"],
    "alert": ["next_step"],
}
OPTIONAL_COLUMNS = {"clearable", "avoid", "set", "emergency_when"}


def _row_of(section: str) -> dict[str, object]:
    return dict(_read(SECTION_FILES[section])["rule"][0])


def _compile_row(row: dict[str, object], section: str) -> object:
    predicates = {p.name: p for p in TABLES.predicates}
    return _rule(row, section, lambda name: True, TABLES.sources, predicates)


@pytest.mark.parametrize(
    ("section", "column"),
    [
        (section, column)
        for section, columns in SECTION_COLUMNS.items()
        for column in [*columns, "when", "sources", "text", "therapist_text"]
    ],
)
def test_a_row_without_a_required_column_is_refused_naming_the_rule(
    section: str, column: str
) -> None:
    row = _row_of(section)
    rid = row["id"]
    del row[column]
    with pytest.raises(TableError) as caught:  # not a KeyError from deep inside the loader
        _compile_row(row, section)
    assert f"{section} rule {rid}: unknown [] / missing [{column!r}]" == str(caught.value)


@pytest.mark.parametrize("section", list(SECTION_FILES))
def test_a_row_without_its_optional_columns_loads(section: str) -> None:
    row = {k: v for k, v in _row_of(section).items() if k not in OPTIONAL_COLUMNS}
    assert _compile_row(row, section).id == row["id"]  # type: ignore[attr-defined]
