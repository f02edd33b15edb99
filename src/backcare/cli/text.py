"""Plain-text summaries of an assessment and of progress, for a person at a terminal.

The order puts safety first: the disposition (and, for an emergency, what to do now) comes
before anything else. Colour is optional and only marks what the words already say.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from backcare.core.results import Assessment, ClearedFinding, Finding, Progress
from backcare.core.rules.tables import load_tables
from backcare.core.wording import ALERT_NAME, NEXT_STEP, STATUS

DISCLAIMER = (
    "backcare is decision support for trained massage therapists, not a diagnosis. "
    "If in doubt, refer. In an emergency call your local emergency number."
)

_COLOURS = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2"}
_DISPOSITION_COLOUR = {
    "emergency": "red",
    "urgent_referral": "red",
    "clearance_first": "yellow",
    "proceed_with_precautions": "yellow",
    "proceed": "green",
}
_STEP_COLOUR = {
    "emergency": "red",
    "see_doctor": "red",
    "reassess": "yellow",
    "adjust": "yellow",
    "continue": "green",
}


class _Out:
    def __init__(self, colour: bool, width: int = 88) -> None:
        self.lines: list[str] = []
        self.colour = colour
        self.width = width

    def paint(self, text: str, colour: str) -> str:
        return f"\033[{_COLOURS[colour]}m{text}\033[0m" if self.colour else text

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def para(self, text: str, indent: str = "  ", first: str | None = None) -> None:
        self.lines.extend(
            textwrap.wrap(
                text,
                self.width,
                initial_indent=indent if first is None else first,
                subsequent_indent=indent + ("  " if first is not None else ""),
            )
        )

    def heading(self, text: str) -> None:
        self.line()
        self.line(self.paint(text, "bold"))

    def findings(self, items: Iterable[Finding | ClearedFinding], audience: str) -> None:
        for f in items:
            text = f.therapist_text if audience == "therapist" else f.text
            extra = ""
            if isinstance(f, ClearedFinding):
                extra = f" Cleared on {f.cleared_on} by {f.cleared_by}."
                if f.note:
                    extra += f" Note: {f.note}"
            self.para(f"{text}{extra} [{f.rule}; {', '.join(f.sources)}]", first="  - ")


def _sources_used(items: Iterable[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for f in items:
        for s in f.sources:
            seen.setdefault(s, None)
    return list(seen)


def _cited(out: _Out, ids: list[str]) -> None:
    sources = load_tables().sources
    out.heading("Sources")
    for sid in ids:
        s = sources[sid]
        label = "backcare's own policy (no source sets this)" if s.is_policy else s.citation
        out.para(f"{sid}: {label}", first="  - ")


def assessment_text(a: Assessment, *, colour: bool = False, audience: str = "therapist") -> str:
    tables = load_tables()
    out = _Out(colour)
    meaning = tables.dispositions[a.disposition]
    out.line(out.paint(meaning["headline"], _DISPOSITION_COLOUR[a.disposition]))
    out.para(meaning["text"], indent="")
    all_findings: list[Any] = []
    if a.referral is not None:
        out.heading(f"Referral ({a.referral.urgency})")
        out.findings(a.referral.reasons, audience)
        all_findings += a.referral.reasons

    out.heading(
        "Techniques"
        + (f" (pressure: {a.max_pressure} at most)" if a.max_pressure else " (no massage now)")
    )
    for name in ("swedish", "deep_tissue", "trigger_point", "myofascial_release"):
        v = getattr(a.techniques, name)
        label = f"{tables.technique_names[name]}: {v.verdict}"
        shade = {"recommended": "green", "suitable": "dim", "avoid": "red"}[v.verdict]
        out.line("  " + out.paint(label, shade))
        if a.max_pressure is not None:  # with no massage the reasons are the referral's
            for f in v.reasons:
                text = f.therapist_text if audience == "therapist" else f.text
                out.para(f"{text} [{f.rule}]", indent="      ")
        all_findings += v.reasons

    if a.precautions:
        out.heading("Precautions")
        out.findings(a.precautions, audience)
        all_findings += a.precautions
    if a.cleared:
        out.heading("Cleared by a doctor's review")
        out.findings(a.cleared, audience)
        all_findings += a.cleared
    if a.plan is not None:
        p = a.plan
        out.heading("Plan")
        often = "once a week" if p.sessions_per_week == 1 else f"{p.sessions_per_week} a week"
        out.para(
            f"{p.planned_sessions} sessions of {p.session_minutes} minutes, {often}; "
            f"review progress after {p.reassess_after_sessions}."
        )
        out.line("  Alongside massage:")
        out.findings(p.co_treatments, audience)
        out.line("  Self-care:")
        out.findings(p.self_care, audience)
        all_findings += p.co_treatments + p.self_care

    m = a.measures
    out.heading("Measures")
    out.para(f"Pain: {m.pain_category}, {m.pain_severity}.")
    if m.startback is not None:
        sb = m.startback
        out.para(
            f"STarT Back: total {sb.total}/9, psychosocial {sb.psychosocial}/5, {sb.risk} risk "
            "(Keele STarT Back Screening Tool © Keele University)."
        )
    _cited(out, _sources_used(all_findings))
    out.heading("Rules that fired")
    out.para(", ".join(a.trace) or "none")
    out.para(f"Rule tables: {a.rules_version}")
    out.line()
    out.para(DISCLAIMER, indent="")
    return "\n".join(out.lines) + "\n"


def _change_line(name: str, c: Any) -> str:
    if c is None:
        return f"{name}: not measured"
    pct = "n/a" if c.change_percent is None else f"{c.change_percent:+}%"
    flag = " (meaningful improvement)" if c.meaningful else ""
    return f"{name}: {c.baseline} -> {c.latest} ({c.change_points:+} points, {pct}){flag}"


def progress_text(p: Progress, *, colour: bool = False, audience: str = "therapist") -> str:
    out = _Out(colour)
    out.line(
        out.paint(f"Next step: {NEXT_STEP[p.next_step]}", _STEP_COLOUR[p.next_step])
        + f"   Status: {STATUS[p.status]}   Sessions: {p.sessions_done}"
    )
    out.heading("Change since baseline")
    for name, c in (
        ("Pain (0-10)", p.pain),
        ("Roland-Morris", p.rmdq),
        ("Oswestry", p.odi),
        ("PEG", p.peg),
    ):
        out.para(_change_line(name, c))
    if p.alerts:
        out.heading("Alerts")
        for a in p.alerts:
            text = a.therapist_text if audience == "therapist" else a.text
            out.para(
                f"{out.paint(ALERT_NAME[a.rule], _STEP_COLOUR[a.next_step])} "
                f"({NEXT_STEP[a.next_step]}): {text} [{a.rule}; {', '.join(a.sources)}]",
                first="  - ",
            )
        _cited(out, _sources_used(p.alerts))
    out.line()
    out.para(f"Rule tables: {p.rules_version}", indent="")
    out.para(DISCLAIMER, indent="")
    return "\n".join(out.lines) + "\n"
