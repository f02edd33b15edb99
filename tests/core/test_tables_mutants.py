"""Rule-table loading behaviours that mutation testing found unpinned (docs/mutation.md).

`load_tables()` is cached, so most tests read the tables once, at import: a change to the
loading code shows only in a test that loads them again. `fresh()` does, bypassing the cache,
and the tests below check what it gives against the TOML files and the spec.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backcare.core.rules.expression import compile_condition
from backcare.core.rules.tables import (
    ChangeRule,
    Predicate,
    TableError,
    Tables,
    _change_rules,
    _expand,
    _read,
    _rule,
    load_tables,
)
from backcare.core.vocabulary import TECHNIQUES

SECTION_FILES = {
    "referral": "referral.toml",
    "contraindication": "contraindications.toml",
    "precaution": "precautions.toml",
    "technique": "techniques.toml",
    "plan": "plan.toml",
    "alert": "alerts.toml",
}


def fresh() -> Tables:
    """The tables read, checked and compiled again (not the cached copy)."""
    return load_tables.__wrapped__()  # type: ignore[attr-defined, no-any-return]


# --- what a fresh load gives -----------------------------------------------------------------


def test_every_rule_carries_its_rows_columns() -> None:
    tables = fresh()
    for section, file in SECTION_FILES.items():
        for row in _read(file)["rule"]:
            rule = tables.rule(row["id"])
            assert rule.section == section, rule.id
            assert rule.sources == tuple(row["sources"]), rule.id
            assert (rule.text, rule.therapist_text) == (row["text"], row["therapist_text"])
            assert rule.when.names <= rule.reads, rule.id
            if section in ("referral", "contraindication"):
                assert (rule.urgency, rule.disposition) == (row["urgency"], row["disposition"])
            if section == "precaution":
                assert (rule.cap, rule.precaution) == (row["cap"], row["precaution"]), rule.id
                assert rule.avoid == tuple(row.get("avoid", ())), rule.id
            if section == "technique":
                assert rule.technique == row["technique"]
            if section == "plan":
                assert rule.plan_list == row["list"], rule.id
                assert dict(rule.plan_values) == row.get("set", {}), rule.id
            if section == "alert":
                assert rule.next_step == row["next_step"], rule.id
                assert (rule.emergency_when is None) == ("emergency_when" not in row), rule.id


def test_a_sample_of_effects_read_off_the_tables_by_hand() -> None:
    tables = fresh()
    assert tables.rule("PR-ACUTE-INJURY").avoid == ("myofascial_release",)
    assert tables.rule("PR-RECENT-SURGERY").cap == "none"
    pref = tables.rule("PREF-PRESSURE")
    assert pref.cap == "preference" and pref.precaution is False
    assert tables.rule("PR-BLEEDING").precaution is True
    assert dict(tables.rule("PL-REASSESS").plan_values) == {"reassess_after_sessions": 5}
    assert tables.rule("CT-EXERCISE").plan_list == "co_treatments"
    assert tables.rule("SC-HEAT").plan_list == "self_care"
    escalate = tables.rule("AL-NEW-RED-FLAG").emergency_when
    assert escalate is not None
    assert escalate({"raised_emergency": True}) is True
    assert escalate({"raised_emergency": False}) is False


def test_emergency_rules_can_never_be_cleared_and_a_row_may_refuse() -> None:
    tables = fresh()
    emergency = [r for r in tables.referral_rules if r.urgency == "emergency"]
    assert emergency and not any(r.clearable for r in emergency)
    assert tables.rule("RF-FEVER").urgency == "urgent" and not tables.rule("RF-FEVER").clearable
    # Rows without the column: clearable unless emergency (§3a).
    for rid in ("RF-WEIGHT-LOSS", "RF-INFLAMMATORY", "RF-CANCER-HISTORY-ROUTINE"):
        assert tables.rule(rid).clearable, rid
    assert all(r.clearable for r in tables.contraindications)


def test_the_derived_lists_are_in_trace_order_and_by_id_finds_every_rule() -> None:
    tables = fresh()
    assert tables.referral_rules == tables.referral + tables.contraindications
    assert (
        tables.assessment_rules
        == (tables.referral + tables.contraindications + tables.precautions + tables.techniques)
        + tables.plan
    )
    every = tables.assessment_rules + tables.alerts
    assert list(tables.by_id) == [r.id for r in every]
    assert all(tables.by_id[r.id] is r for r in every)
    assert [r.id for r in tables.assessment_rules[:1]] == ["RF-CES-SADDLE"]
    assert tables.rule("AL-FEVER").section == "alert"
    assert tables.rule("SC-AFTERCARE").section == "plan"


def test_a_rule_reads_what_its_predicates_read() -> None:
    tables = fresh()
    assert tables.rule("RF-MSCC").reads == {
        "red_flags.history_of_cancer",
        "pain.radiation",
        "diagnosed_disc_or_stenosis",
        "conditions",  # through diagnosed_disc_or_stenosis
    }
    assert tables.rule("RF-FRAGILITY-FRACTURE").reads == {
        "bone_fragility",
        "age",
        "pain.onset",
        "conditions",  # through bone_fragility
        "medications",
    }
    assert tables.rule("RF-CANCER-HISTORY").reads_red_flags
    assert not tables.rule("RF-FRAGILITY-FRACTURE").reads_red_flags


def test_expand_follows_predicates_through_predicates() -> None:
    known = {"a", "b", "c", "inner", "outer"}.__contains__
    inner = Predicate("inner", "", compile_condition("a or b", known))
    outer = Predicate("outer", "", compile_condition("inner and c", known))
    predicates = {"inner": inner, "outer": outer}
    assert _expand(frozenset({"outer"}), predicates) == {"outer", "inner", "a", "b", "c"}
    assert _expand(frozenset({"c"}), predicates) == {"c"}


# --- a bad row is refused, and the message names it ------------------------------------------


def _first_row(section: str, **changes: Any) -> dict[str, Any]:
    row = dict(_read(SECTION_FILES[section])["rule"][0])
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def _load_row(row: dict[str, Any], section: str) -> Any:
    predicates = {p.name: p for p in load_tables().predicates}
    return _rule(row, section, lambda name: True, load_tables().sources, predicates)


@pytest.mark.parametrize(
    ("section", "changes", "message"),
    [
        ("referral", {"urgency": "soon"}, "RF-CES-SADDLE: bad urgency or disposition"),
        ("referral", {"disposition": "later"}, "RF-CES-SADDLE: bad urgency or disposition"),
        ("precaution", {"cap": "heavy"}, "PR-BLEEDING: bad cap 'heavy'"),
        ("precaution", {"avoid": ["cupping"]}, "PR-BLEEDING: bad avoid ('cupping',)"),
        ("technique", {"technique": "cupping"}, "TQ-SWEDISH-FIT: bad technique"),
        ("plan", {"list": "extras"}, "PL-COURSE: bad list"),
        ("alert", {"next_step": "wait"}, "AL-NEW-RED-FLAG: bad next_step"),
        ("referral", {"id": None}, "referral rule ?: unknown [] / missing ['id']"),
    ],
)
def test_a_bad_row_is_refused_with_a_message_naming_it(
    section: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TableError) as caught:
        _load_row(_first_row(section, **changes), section)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("section", "changes"),
    [
        ("precaution", {"cap": "none"}),
        ("precaution", {"cap": "preference"}),
        ("precaution", {"cap": "firm"}),
        ("precaution", {"avoid": list(TECHNIQUES)}),  # every technique may be avoided
        ("plan", {"list": "co_treatments"}),
        ("plan", {"list": "self_care"}),
        ("alert", {"next_step": "continue"}),
    ],
)
def test_every_allowed_value_loads(section: str, changes: dict[str, Any]) -> None:
    rule = _load_row(_first_row(section, **changes), section)
    for column, value in changes.items():
        attribute = {"list": "plan_list"}.get(column, column)
        got = getattr(rule, attribute)
        assert got == (tuple(value) if isinstance(value, list) else value)


# --- the change thresholds (change.toml) ----------------------------------------------------

GOOD_ROW = {
    "name": "Pain",
    "meaningful_points": -2,
    "meaningful_percent": -30,
    "sources": ["policy"],
}


def _change_table(**pain: object) -> dict[str, Any]:
    rows = {m: dict(GOOD_ROW) for m in ("pain", "rmdq", "odi", "peg")}
    rows["pain"].update(pain)
    return {"measure": rows}


@pytest.mark.parametrize(
    ("pain", "message"),
    [
        # A zero threshold would count "no change at all" as improvement or worsening.
        ({"meaningful_points": 0}, "change pain: meaningful thresholds < 0, worsening > 0"),
        ({"meaningful_percent": 0}, "change pain: meaningful thresholds < 0, worsening > 0"),
        ({"worsening_points": 0}, "change pain: meaningful thresholds < 0, worsening > 0"),
        ({"worsening_points": "2"}, "change pain: thresholds must be numbers"),
        ({"typo": 1}, "change pain: unknown ['typo'] / missing []"),
    ],
)
def test_a_bad_threshold_is_refused_naming_its_measure(pain: dict[str, Any], message: str) -> None:
    sources = load_tables().sources
    with pytest.raises(TableError) as caught:
        _change_rules(_change_table(**pain), sources)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "pain",
    [
        {"meaningful_points": -0.5},
        {"meaningful_percent": -0.5},
        {"worsening_points": 0.5},  # a fractional PEG step
        {"worsening_points": 1},
    ],
)
def test_small_thresholds_of_the_right_sign_load(pain: dict[str, Any]) -> None:
    got = _change_rules(_change_table(**pain), load_tables().sources)["pain"]
    for column, value in pain.items():
        assert getattr(got, column) == Decimal(str(value))


def test_a_change_row_becomes_its_rule_with_exact_decimals() -> None:
    table = _change_table(name="Pain (NRS)", meaningful_points=-0.1, worsening_points=2)
    got = _change_rules(table, load_tables().sources)
    assert got["pain"] == ChangeRule(
        measure="pain",
        name="Pain (NRS)",
        meaningful_points=Decimal("-0.1"),  # not 0.1000000000000000055...
        meaningful_percent=Decimal("-30"),
        worsening_points=Decimal("2"),
        sources=("policy",),
    )
    assert got["rmdq"].measure == "rmdq" and got["rmdq"].worsening_points is None


def test_a_fresh_load_has_the_specs_thresholds() -> None:
    got = {
        m: (c.meaningful_points, c.meaningful_percent, c.worsening_points)
        for m, c in fresh().change.items()
    }
    assert got == {
        "pain": (Decimal(-2), Decimal(-30), Decimal(2)),
        "rmdq": (Decimal(-5), Decimal(-30), Decimal(5)),
        "odi": (Decimal(-10), Decimal(-30), Decimal(10)),
        "peg": (Decimal(-1), Decimal(-30), Decimal(1)),
    }
