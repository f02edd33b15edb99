"""The answers of contracts-v1.md: `backcare.assessment/1` and `backcare.progress/1`.

Frozen dataclasses, built only by the engine. `to_json()` gives the contract's JSON shape, with
keys in the contract's order; the JSON Schema printed by `backcare schema` is generated from these
classes. backcare adds one optional field to every finding, `therapist_text` (the clinical
wording for the therapist; `text` is the plain-language sentence for the client).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from backcare.core.vocabulary import (
    Disposition,
    NextStep,
    PainCategory,
    PainSeverity,
    Pressure,
    StartBackRisk,
    Status,
    Urgency,
    Verdict,
)

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class Finding:
    """Why something was decided: the rule, a plain sentence, and the sources behind it."""

    rule: str
    text: str
    sources: tuple[str, ...]
    therapist_text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "sources": list(self.sources),
            "therapist_text": self.therapist_text,
        }


@dataclass(frozen=True, slots=True)
class ClearedFinding:
    """A referral rule that fired but that a doctor's documented review has cleared."""

    rule: str
    text: str
    sources: tuple[str, ...]
    therapist_text: str
    cleared_on: str
    cleared_by: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "sources": list(self.sources),
            "therapist_text": self.therapist_text,
            "cleared_on": self.cleared_on,
            "cleared_by": self.cleared_by,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """A progress alert: a finding plus the next step it calls for."""

    rule: str
    text: str
    sources: tuple[str, ...]
    therapist_text: str
    next_step: NextStep

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "sources": list(self.sources),
            "therapist_text": self.therapist_text,
            "next_step": self.next_step,
        }


@dataclass(frozen=True, slots=True)
class Referral:
    urgency: Urgency
    reasons: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"urgency": self.urgency, "reasons": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class TechniqueVerdict:
    verdict: Verdict
    reasons: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class Techniques:
    swedish: TechniqueVerdict
    deep_tissue: TechniqueVerdict
    trigger_point: TechniqueVerdict
    myofascial_release: TechniqueVerdict

    def to_json(self) -> dict[str, Any]:
        return {
            "swedish": self.swedish.to_json(),
            "deep_tissue": self.deep_tissue.to_json(),
            "trigger_point": self.trigger_point.to_json(),
            "myofascial_release": self.myofascial_release.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Plan:
    session_minutes: int
    sessions_per_week: int
    planned_sessions: int
    reassess_after_sessions: int
    co_treatments: tuple[Finding, ...]
    self_care: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "session_minutes": self.session_minutes,
            "sessions_per_week": self.sessions_per_week,
            "planned_sessions": self.planned_sessions,
            "reassess_after_sessions": self.reassess_after_sessions,
            "co_treatments": [f.to_json() for f in self.co_treatments],
            "self_care": [f.to_json() for f in self.self_care],
        }


@dataclass(frozen=True, slots=True)
class StartBack:
    total: int
    psychosocial: int
    risk: StartBackRisk

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "psychosocial": self.psychosocial, "risk": self.risk}


@dataclass(frozen=True, slots=True)
class Measures:
    pain_category: PainCategory
    pain_severity: PainSeverity
    startback: StartBack | None

    def to_json(self) -> dict[str, Any]:
        return {
            "pain_category": self.pain_category,
            "pain_severity": self.pain_severity,
            "startback": None if self.startback is None else self.startback.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """`backcare.assessment/1`."""

    schema: Literal["backcare.assessment/1"]
    rules_version: str
    disposition: Disposition
    referral: Referral | None
    max_pressure: Pressure | None
    techniques: Techniques
    precautions: tuple[Finding, ...]
    cleared: tuple[ClearedFinding, ...]
    plan: Plan | None
    measures: Measures
    trace: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "rules_version": self.rules_version,
            "disposition": self.disposition,
            "referral": None if self.referral is None else self.referral.to_json(),
            "max_pressure": self.max_pressure,
            "techniques": self.techniques.to_json(),
            "precautions": [f.to_json() for f in self.precautions],
            "cleared": [f.to_json() for f in self.cleared],
            "plan": None if self.plan is None else self.plan.to_json(),
            "measures": self.measures.to_json(),
            "trace": list(self.trace),
        }


def _number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: integral values as ints, others as the nearest float."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class Change:
    """One measure's change from baseline (contracts-v1 §4)."""

    baseline: Decimal
    latest: Decimal
    change_points: Decimal
    change_percent: Decimal | None
    meaningful: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": _number(self.baseline),
            "latest": _number(self.latest),
            "change_points": _number(self.change_points),
            "change_percent": None if self.change_percent is None else float(self.change_percent),
            "meaningful": self.meaningful,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """`backcare.progress/1`."""

    schema: Literal["backcare.progress/1"]
    rules_version: str
    sessions_done: int
    pain: Change
    rmdq: Change | None
    odi: Change | None
    peg: Change | None
    status: Status
    next_step: NextStep
    alerts: tuple[Alert, ...]
    trace: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "rules_version": self.rules_version,
            "sessions_done": self.sessions_done,
            "pain": self.pain.to_json(),
            "rmdq": None if self.rmdq is None else self.rmdq.to_json(),
            "odi": None if self.odi is None else self.odi.to_json(),
            "peg": None if self.peg is None else self.peg.to_json(),
            "status": self.status,
            "next_step": self.next_step,
            "alerts": [a.to_json() for a in self.alerts],
            "trace": list(self.trace),
        }


def dumps_assessment(a: Assessment) -> str:
    """`a.to_json()` as compact JSON text: the batch command's line (`backcare assess --batch`)."""
    return _encode(a.to_json())
