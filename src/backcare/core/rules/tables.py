"""The rule tables, loaded from the TOML files in `data/` and checked as they load.

The tables are the clinical content; this module only reads them. Each row becomes a frozen
`Rule` with its condition compiled by `expression.compile_condition`. Loading refuses a table with
an unknown or missing column, a duplicate id, an unknown source id, an unknown fact name or an
effect that does not fit its section, so a mistake in a table cannot reach a client.

The files are read once, from inside the installed package (read-only data shipped with the code;
the core does no other I/O), and cached: they never change while the program runs.
"""

from __future__ import annotations

import pkgutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from backcare.core.rules.expression import Condition, compile_condition
from backcare.core.vocabulary import (
    DISPOSITION_SEVERITY,
    NEXT_STEP_SEVERITY,
    PRESSURE_ORDER,
    RED_FLAG_NAMES,
    TECHNIQUES,
    URGENCY_SEVERITY,
)

# Facts that the assessment provides besides the intake's own fields (see assessment.py).
INTAKE_DERIVED_FACTS = frozenset(
    {"category", "severity", "onset_age", "startback_risk", "max_pressure", "recommended", "fired"}
)
# Facts that progress provides to the alert table (see progress.py `_course_facts`).
COURSE_FACTS = frozenset(
    {
        "sessions_done",
        "status",
        "intake_disposition",
        "intake_referral_urgency",
        "intake_referral_need",
        "intake_fired",
        "intake_max_pressure",
        # v1.1: what visits raised and no review resolved
        "raised_rules",
        "raised_list",
        "raised_signs",
        "raised_emergency",
        "neuro_unresolved",
        "fever_unresolved",
        # v1.1: the latest session and every follow-up since
        "since.side_effects",
        "since_prolonged_soreness",
        "latest.pressure",
        "latest_pressure_exceeded",
        "latest_avoided_techniques",
    }
)
# The intake's own fields, as dotted fact names (`pain.intensity`, `red_flags.fever`, ...).
INTAKE_FIELD_FACTS = frozenset(
    {
        "age",
        "sex",
        "conditions",
        "medications",
        "startback",
        "clearances",
        "preferences.pressure",
        "pregnancy.pregnant",
        "pregnancy.weeks",
        "pregnancy.high_risk",
        "pain.intensity",
        "pain.duration_weeks",
        "pain.regions",
        "pain.onset",
        "pain.radiation",
        "pain.night_pain_unrelieved",
        "pain.wakes_second_half_of_night",
        "pain.better_with_movement",
        "pain.eased_by_nsaids_within_48h",
        "findings.muscle_tension",
        "findings.trigger_points",
        "findings.fascial_restriction",
        "history.family_spondyloarthritis",
        "history.arthritis_enthesitis_or_psoriasis",
        "recent.surgery_weeks_ago",
        "recent.injury_hours_ago",
    }
    | {f"red_flags.{name}" for name in RED_FLAG_NAMES}
)


class TableError(ValueError):
    """A rule table is malformed. Raised at load time, never while assessing."""


@dataclass(frozen=True)
class Rule:
    """One row of a rule table."""

    id: str
    section: str
    when: Condition
    sources: tuple[str, ...]
    text: str
    therapist_text: str
    # §2/§3: referral
    urgency: str | None = None
    disposition: str | None = None
    clearable: bool = False
    # §4: precautions and caps ("none", a pressure, or "preference")
    cap: str | None = None
    precaution: bool = False
    avoid: tuple[str, ...] = ()
    # §5
    technique: str | None = None
    plan_list: str | None = None
    plan_values: Mapping[str, int] = field(default_factory=dict)
    # §6
    next_step: str | None = None
    emergency_when: Condition | None = None
    # Every fact the condition reads, named predicates expanded into what they read.
    reads: frozenset[str] = frozenset()

    @property
    def reads_red_flags(self) -> bool:
        """Whether the condition reads a `red_flags` field (directly or through a predicate)."""
        return any(name.startswith("red_flags.") for name in self.reads)


@dataclass(frozen=True)
class Predicate:
    name: str
    meaning: str
    when: Condition


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    link: str
    is_policy: bool


@dataclass(frozen=True)
class ChangeRule:
    """§6: how large a change in one measure must be (a row of change.toml)."""

    measure: str
    name: str
    meaningful_points: Decimal  # at most this many points (negative: lower is better) ...
    meaningful_percent: Decimal  # ... and at most this rounded percent
    worsening_points: Decimal | None  # at least this many points; None: never worsening
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Tables:
    version: str
    predicates: tuple[Predicate, ...]
    referral: tuple[Rule, ...]  # §2
    contraindications: tuple[Rule, ...]  # §3
    precautions: tuple[Rule, ...]  # §4, PREF-PRESSURE included
    techniques: tuple[Rule, ...]  # §5 fit rules
    plan: tuple[Rule, ...]  # §5 plan, co-treatments, self-care
    alerts: tuple[Rule, ...]  # §6
    change: Mapping[str, ChangeRule]  # §6 thresholds, by measure, in the spec's order
    sources: Mapping[str, Source]
    dispositions: Mapping[str, Mapping[str, str]]
    technique_minimum: Mapping[str, str]
    technique_names: Mapping[str, str]

    # Derived, in trace order (filled in by __post_init__).
    referral_rules: tuple[Rule, ...] = ()  # §2 then §3: every rule that can refer
    assessment_rules: tuple[Rule, ...] = ()  # every rule of §2-§5
    by_id: Mapping[str, Rule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "referral_rules", self.referral + self.contraindications)
        object.__setattr__(
            self,
            "assessment_rules",
            self.referral_rules + self.precautions + self.techniques + self.plan,
        )
        object.__setattr__(self, "by_id", {r.id: r for r in self.assessment_rules + self.alerts})

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        return self.by_id[rule_id]


def _read(name: str) -> dict[str, Any]:
    # pkgutil rather than importlib.resources: the same package data, ~10 ms less to start.
    data = pkgutil.get_data("backcare.core.rules", f"data/{name}")
    if data is None:
        raise TableError(f"cannot read the table {name}")
    return tomllib.loads(data.decode("utf-8"))


_COMMON = {"id", "when", "sources", "text", "therapist_text"}
# Each section's own columns: those every row must give, and those a row may leave out.
_REQUIRED = {
    "referral": _COMMON | {"urgency", "disposition"},
    "contraindication": _COMMON | {"urgency", "disposition"},
    "precaution": _COMMON | {"cap", "precaution"},
    "technique": _COMMON | {"technique"},
    "plan": _COMMON | {"list"},
    "alert": _COMMON | {"next_step"},
}
_OPTIONAL = {
    "referral": {"clearable"},
    "contraindication": {"clearable"},
    "precaution": {"avoid"},
    "technique": set(),
    "plan": {"set"},
    "alert": {"emergency_when"},
}


def _check_row(
    label: str,
    row: Mapping[str, Any],
    columns: set[str],
    required: set[str],
    sources: Mapping[str, Source],
) -> None:
    """A row has only known columns, every required one, and at least one known source."""
    extra, missing = set(row) - columns, required - set(row)
    if extra or missing:
        raise TableError(f"{label}: unknown {sorted(extra)} / missing {sorted(missing)}")
    unknown_sources = [s for s in row["sources"] if s not in sources]
    if unknown_sources or not row["sources"]:
        raise TableError(f"{label}: unknown or no sources {unknown_sources}")


def _expand(names: frozenset[str], predicates: Mapping[str, Predicate]) -> frozenset[str]:
    out = set(names)
    for name in names:
        if name in predicates:
            out |= _expand(predicates[name].when.names, predicates)
    return frozenset(out)


def _referral_effect(rid: str, row: Mapping[str, Any], known: Any) -> dict[str, Any]:
    urgency, disposition = row["urgency"], row["disposition"]
    if urgency not in URGENCY_SEVERITY or disposition not in DISPOSITION_SEVERITY:
        raise TableError(f"{rid}: bad urgency or disposition")
    # §3a: emergency rules can never be cleared; a row may further refuse (RF-FEVER).
    clearable = bool(row.get("clearable", True)) and urgency != "emergency"
    return {"urgency": urgency, "disposition": disposition, "clearable": clearable}


def _precaution_effect(rid: str, row: Mapping[str, Any], known: Any) -> dict[str, Any]:
    cap = row["cap"]
    if cap not in PRESSURE_ORDER and cap not in ("none", "preference"):
        raise TableError(f"{rid}: bad cap {cap!r}")
    avoid = tuple(row.get("avoid", ()))
    if not set(avoid) <= set(TECHNIQUES):
        raise TableError(f"{rid}: bad avoid {avoid}")
    return {"cap": cap, "precaution": bool(row["precaution"]), "avoid": avoid}


def _technique_effect(rid: str, row: Mapping[str, Any], known: Any) -> dict[str, Any]:
    if row["technique"] not in TECHNIQUES:
        raise TableError(f"{rid}: bad technique")
    return {"technique": row["technique"]}


def _plan_effect(rid: str, row: Mapping[str, Any], known: Any) -> dict[str, Any]:
    if row["list"] not in ("none", "co_treatments", "self_care"):
        raise TableError(f"{rid}: bad list")
    return {"plan_list": row["list"], "plan_values": dict(row.get("set", {}))}


def _alert_effect(rid: str, row: Mapping[str, Any], known: Any) -> dict[str, Any]:
    if row["next_step"] not in NEXT_STEP_SEVERITY:
        raise TableError(f"{rid}: bad next_step")
    escalate = row.get("emergency_when")
    return {
        "next_step": row["next_step"],
        "emergency_when": None if escalate is None else compile_condition(escalate, known),
    }


# What each section's row sets besides its condition, checked as it is read.
_EFFECTS = {
    "referral": _referral_effect,
    "contraindication": _referral_effect,
    "precaution": _precaution_effect,
    "technique": _technique_effect,
    "plan": _plan_effect,
    "alert": _alert_effect,
}


def _rule(
    row: dict[str, Any],
    section: str,
    known: Any,
    sources: Mapping[str, Source],
    predicates: Mapping[str, Predicate],
) -> Rule:
    rid = row.get("id", "?")
    required = _REQUIRED[section]
    _check_row(f"{section} rule {rid}", row, required | _OPTIONAL[section], required, sources)
    effect = _EFFECTS[section](rid, row, known)
    when = compile_condition(row["when"], known)
    return Rule(
        id=rid,
        section=section,
        when=when,
        reads=_expand(when.names, predicates),
        sources=tuple(row["sources"]),
        text=row["text"],
        therapist_text=row["therapist_text"],
        **effect,
    )


@cache
def load_tables() -> Tables:
    """Read, check and compile every table. Cached: the tables are constant."""
    meta = _read("meta.toml")
    sources = {
        sid: Source(
            id=sid,
            citation=s["citation"],
            link=s.get("link", ""),
            is_policy=bool(s.get("is_policy", sid == "policy")),
        )
        for sid, s in _read("sources.toml")["source"].items()
    }

    predicates: list[Predicate] = []
    predicate_names: set[str] = set()

    def known_intake(name: str) -> bool:
        return name in INTAKE_FIELD_FACTS or name in INTAKE_DERIVED_FACTS or name in predicate_names

    def known_course(name: str) -> bool:
        return name in COURSE_FACTS

    for pname, p in _read("predicates.toml")["predicate"].items():
        # A predicate may use the ones defined above it, never below (no cycles).
        predicates.append(
            Predicate(pname, p["meaning"], compile_condition(p["when"], known_intake))
        )
        predicate_names.add(pname)

    def table(file: str, section: str, known: Any) -> tuple[Rule, ...]:
        by_name = {p.name: p for p in predicates}
        return tuple(_rule(row, section, known, sources, by_name) for row in _read(file)["rule"])

    tables = Tables(
        version=meta["version"],
        predicates=tuple(predicates),
        referral=table("referral.toml", "referral", known_intake),
        contraindications=table("contraindications.toml", "contraindication", known_intake),
        precautions=table("precautions.toml", "precaution", known_intake),
        techniques=table("techniques.toml", "technique", known_intake),
        plan=table("plan.toml", "plan", known_intake),
        alerts=table("alerts.toml", "alert", known_course),
        change=_change_rules(_read("change.toml"), sources),
        sources=sources,
        dispositions=meta["disposition"],
        technique_minimum=meta["technique_minimum_pressure"],
        technique_names=meta["technique_name"],
    )
    ids = [r.id for r in tables.assessment_rules + tables.alerts]
    if len(ids) != len(set(ids)):
        raise TableError("duplicate rule ids")
    return tables


_MEASURES = ("pain", "rmdq", "odi", "peg")  # the measures of contracts-v1 §4
_CHANGE_COLUMNS = {"name", "meaningful_points", "meaningful_percent", "worsening_points", "sources"}


def _check_thresholds(label: str, row: Mapping[str, Any]) -> None:
    numbers = [row["meaningful_points"], row["meaningful_percent"]]
    numbers += [row["worsening_points"]] if "worsening_points" in row else []
    if any(type(n) not in (int, float) for n in numbers):
        raise TableError(f"{label}: thresholds must be numbers")
    # Improvement is a fall and worsening a rise: a sign slip would invert the verdicts.
    if not numbers[0] < 0 or not numbers[1] < 0 or (len(numbers) == 3 and not numbers[2] > 0):
        raise TableError(f"{label}: meaningful thresholds < 0, worsening > 0")


def _change_rules(data: Mapping[str, Any], sources: Mapping[str, Source]) -> dict[str, ChangeRule]:
    rows = data.get("measure", {})
    if set(data) != {"measure"} or tuple(rows) != _MEASURES:
        raise TableError(f"change.toml: needs exactly the measures {_MEASURES}, in that order")
    out = {}
    for measure, row in rows.items():
        label = f"change {measure}"
        _check_row(label, row, _CHANGE_COLUMNS, _CHANGE_COLUMNS - {"worsening_points"}, sources)
        _check_thresholds(label, row)
        worsening = row.get("worsening_points")
        out[measure] = ChangeRule(
            measure=measure,
            name=row["name"],
            meaningful_points=Decimal(str(row["meaningful_points"])),
            meaningful_percent=Decimal(str(row["meaningful_percent"])),
            worsening_points=None if worsening is None else Decimal(str(worsening)),
            sources=tuple(row["sources"]),
        )
    return out


@cache
def clearable_rule_ids() -> frozenset[str]:
    """Ids a doctor's clearance may name (clinical-rules-v1 §3a)."""
    t = load_tables()
    return frozenset(r.id for r in t.referral + t.contraindications if r.clearable)


# What a medical review can resolve besides the rules that read a warning sign (§6, v1.1).
REVIEWABLE_ALERTS = ("AL-NEURO-SYMPTOMS", "AL-FEVER")


@cache
def reviewable_ids() -> tuple[str, ...]:
    """Ids a review may list (contracts-v1 §3 `reviews[].rules`): the §2 rules that read a
    `red_flags` field, in table order, then AL-NEURO-SYMPTOMS and AL-FEVER."""
    return tuple(r.id for r in load_tables().referral if r.reads_red_flags) + REVIEWABLE_ALERTS
