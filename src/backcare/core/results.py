"""The answers of contracts-v1.md: `backcare.assessment/1` and `backcare.progress/1`.

Frozen dataclasses, built only by the engine. `to_json()` gives the contract's JSON shape, with
keys in the contract's order; the JSON Schema printed by `backcare schema` is generated from these
classes. backcare adds one optional field to every finding, `therapist_text` (the clinical
wording for the therapist; `text` is the plain-language sentence for the client).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
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
    # The finding as compact JSON text, made once: most findings are shared constants, so
    # `dumps_assessment` can splice them in instead of re-encoding the same sentences.
    json_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "json_text", _encode(self.to_json()))

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


@dataclass(frozen=True)  # not slots: json_text is cached on the instance
class Referral:
    urgency: Urgency
    reasons: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"urgency": self.urgency, "reasons": [r.to_json() for r in self.reasons]}

    @cached_property
    def json_text(self) -> str:
        return f'{{"urgency":"{self.urgency}","reasons":{_findings_text(self.reasons)}}}'


@dataclass(frozen=True)  # not slots: json_text is cached on the instance
class TechniqueVerdict:
    verdict: Verdict
    reasons: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": [r.to_json() for r in self.reasons]}

    @cached_property
    def json_text(self) -> str:
        return f'{{"verdict":"{self.verdict}","reasons":{_findings_text(self.reasons)}}}'


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


@dataclass(frozen=True)  # not slots: json_text is cached on the instance
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

    @cached_property
    def json_text(self) -> str:
        return (
            f'{{"session_minutes":{self.session_minutes},'
            f'"sessions_per_week":{self.sessions_per_week},'
            f'"planned_sessions":{self.planned_sessions},'
            f'"reassess_after_sessions":{self.reassess_after_sessions},'
            f'"co_treatments":{_findings_text(self.co_treatments)},'
            f'"self_care":{_findings_text(self.self_care)}}}'
        )


@dataclass(frozen=True, slots=True)
class StartBack:
    total: int
    psychosocial: int
    risk: StartBackRisk

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "psychosocial": self.psychosocial, "risk": self.risk}


@dataclass(frozen=True)  # not slots: json_text is cached on the instance
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

    @cached_property
    def json_text(self) -> str:
        return _encode(self.to_json())


@dataclass(frozen=True)  # not slots: json_text is cached on the instance
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

    @cached_property
    def json_text(self) -> str:
        """Compact JSON text of `to_json()`, made once per (memoised) assessment."""
        return dumps_assessment(self)


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


def _findings_text(items: tuple[Finding, ...]) -> str:
    return "[" + ",".join(f.json_text for f in items) + "]"


findings_text = _findings_text


def dumps_assessment(a: Assessment) -> str:
    """`a.to_json()` as compact JSON text, equal to `json.dumps(a.to_json())` once parsed.

    The batch command's hot path: findings are spliced in from their cached text.
    """
    t = a.techniques
    return assessment_text(
        schema=a.schema,
        rules_version=_encode(a.rules_version),
        disposition=a.disposition,
        referral="null" if a.referral is None else a.referral.json_text,
        max_pressure=a.max_pressure,
        techniques=(
            t.swedish.json_text,
            t.deep_tissue.json_text,
            t.trigger_point.json_text,
            t.myofascial_release.json_text,
        ),
        precautions=_findings_text(a.precautions),
        cleared=cleared_text(a.cleared),
        plan="null" if a.plan is None else a.plan.json_text,
        measures=a.measures.json_text,
        trace=a.trace,
    )


def cleared_text(cleared: tuple[ClearedFinding, ...]) -> str:
    """The `cleared` list as compact JSON text."""
    return _encode([c.to_json() for c in cleared]) if cleared else "[]"


def assessment_text(
    *,
    schema: str,
    rules_version: str,
    disposition: str,
    referral: str,
    max_pressure: str | None,
    techniques: tuple[str, str, str, str],
    precautions: str,
    cleared: str,
    plan: str,
    measures: str,
    trace: tuple[str, ...],
) -> str:
    """An assessment's compact JSON text from its parts' texts (`rules_version` already as JSON,
    `techniques` the four verdicts in contract order). `dumps_assessment` writes every answer
    through here, and so does the engine's `evaluate_text` (assessment.py), which needs no
    Assessment."""
    swedish, deep_tissue, trigger_point, myofascial_release = techniques
    # Enum values and rule ids are plain ASCII words: they need no escaping.
    pressure = "null" if max_pressure is None else '"' + max_pressure + '"'
    trace_text = '["' + '","'.join(trace) + '"]' if trace else "[]"
    return (
        f'{{"schema":"{schema}","rules_version":{rules_version},'
        f'"disposition":"{disposition}","referral":{referral},'
        f'"max_pressure":{pressure},'
        f'"techniques":{{"swedish":{swedish},'
        f'"deep_tissue":{deep_tissue},'
        f'"trigger_point":{trigger_point},'
        f'"myofascial_release":{myofascial_release}}},'
        f'"precautions":{precautions},"cleared":{cleared},'
        f'"plan":{plan},"measures":{measures},"trace":{trace_text}}}'
    )
