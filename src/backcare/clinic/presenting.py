"""Turning the core's answers into what a page shows: names, meanings and citations.

Nothing here decides anything clinical; it only looks up words for what the core decided.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backcare.clinic import content
from backcare.core.progress import latest_pain_entry, meaningful_line
from backcare.core.rules.tables import load_tables
from backcare.core.state import Cause, ClientState
from backcare.core.validation import parse_course
from backcare.core.vocabulary import PROCEEDING
from backcare.core.wording import (
    ALERT_NAME,
    CAUSE_PROMPT,
    CHANGED_WHAT,
    CONDITIONS,
    DISPOSITION,
    MEDICATIONS,
    NEXT_STEP,
    PRESSURES,
    RED_FLAG_QUESTIONS,
    SOURCE_NAME,
    STATUS,
    TECHNIQUES,
    VERDICT,
    label,
)
from backcare.lib import dates

TECHNIQUE_ORDER = ("swedish", "deep_tissue", "trigger_point", "myofascial_release")
EVIDENCE = {
    "summary": (
        "Massage can ease back pain for a while, most clearly in the short term. The evidence is "
        "of low quality, and massage works best alongside exercise and staying active."
    ),
    "sources": ["furlan2015", "cherkin2011", "nice-ng59"],
}


def _sources(ids: Any) -> list[dict[str, Any]]:
    table = load_tables().sources
    return [
        {
            "id": sid,
            "citation": table[sid].citation if sid in table else sid,
            "link": table[sid].link if sid in table else "",
            "policy": sid in table and table[sid].is_policy,
        }
        for sid in ids
    ]


def assessment_view(answer: dict[str, Any]) -> dict[str, Any]:
    """The stored assessment with display words added (the stored answer itself is unchanged)."""
    tables = load_tables()
    cited: dict[str, None] = {}

    def finding(f: dict[str, Any]) -> dict[str, Any]:
        for s in f["sources"]:
            cited.setdefault(s, None)
        return {**f, "source_list": _sources(f["sources"])}

    techniques = [
        {
            "key": key,
            "name": tables.technique_names[key],
            "verdict": answer["techniques"][key]["verdict"],
            "reasons": [finding(r) for r in answer["techniques"][key]["reasons"]],
        }
        for key in TECHNIQUE_ORDER
    ]
    referral = answer["referral"]
    plan = answer["plan"]
    view = {
        **answer,
        "meaning": tables.dispositions[answer["disposition"]],
        "proceeding": answer["disposition"] in ("proceed", "proceed_with_precautions"),
        "emergency": answer["disposition"] == "emergency",
        "technique_list": techniques,
        "referral_reasons": [finding(r) for r in referral["reasons"]] if referral else [],
        "precaution_list": [finding(f) for f in answer["precautions"]],
        "cleared_list": [finding(f) for f in answer["cleared"]],
        "co_treatments": [finding(f) for f in plan["co_treatments"]] if plan else [],
        "self_care": [finding(f) for f in plan["self_care"]] if plan else [],
        "evidence": {**EVIDENCE, "source_list": _sources(EVIDENCE["sources"])},
    }
    for s in EVIDENCE["sources"]:
        cited.setdefault(s, None)
    view["cited"] = _sources(list(cited))
    return view


def deciding_reasons(reasons: list[dict[str, Any]], disposition: str) -> list[dict[str, Any]]:
    """The findings that make `disposition` (issue 11): on an emergency page only the
    emergency rules', on a see-a-doctor page every one that stops massage. A referral's other
    reasons ("massage can go ahead gently meanwhile") do not belong beside them."""
    rules = load_tables().by_id

    def deciding(f: dict[str, Any]) -> bool:
        rule = rules.get(f["rule"])
        if rule is None or rule.disposition is None:
            return False
        if disposition == "emergency":
            return rule.disposition == "emergency"
        return rule.disposition not in PROCEEDING

    return [f for f in reasons if deciding(f)]


def told_in_words(red_flags: Any, conditions: Any = (), medications: Any = ()) -> list[str]:
    """What a doctor should hear, in the person's own words: the warning signs they have, then
    their conditions and medicines."""
    words = [w for code, w in RED_FLAG_QUESTIONS if code in red_flags]
    words += [w for code, w in CONDITIONS if code in conditions]
    return words + [w for code, w in MEDICATIONS if code in medications]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def progress_chart(course: dict[str, Any]) -> dict[str, Any]:
    """Data for the pain chart: sessions (before/after), check-ins and the meaningful-change line.

    The line is the core's `meaningful_line` for pain: the level meeting both thresholds of
    meaningful improvement over the baseline (clinical-rules-v1 §6, rules/data/change.toml).
    """
    baseline = Decimal(str(course["baseline"]["pain"]))
    threshold = meaningful_line("pain", course["baseline"]["pain"])
    latest = latest_pain_entry(parse_course(course))
    points: list[dict[str, Any]] = []
    for i, s in enumerate(course["sessions"]):
        points.append(
            {
                "date": s["date"],
                "kind": "session",
                "label": f"Session {s['number']}",
                "before": s["pain_before"],
                "after": s["pain_after"],
                "latest": latest == ("session", i),
            }
        )
    for i, f in enumerate(course["followups"]):
        points.append(
            {
                "date": f["date"],
                "kind": "checkin",
                "label": "Check-in",
                "pain": f["pain"],
                "latest": latest == ("followup", i),
            }
        )
    points.sort(key=lambda p: (p["date"], p["kind"] == "checkin"))
    return {
        "labels": [f"{dates.day(p['date'])} · {p['label']}" for p in points],
        # The point the progress compares with the baseline (§6 "latest value").
        "latest_index": next((i for i, p in enumerate(points) if p["latest"]), None),
        "latest_kind": next((p["kind"] for p in points if p["latest"]), None),
        "before": [p.get("before") for p in points],
        "after": [p.get("after") for p in points],
        "checkin": [p.get("pain") for p in points],
        "baseline": float(baseline),
        "threshold": None if threshold is None else float(threshold),
        "disability": [
            {
                "date": f["date"],
                "day": dates.day(f["date"]),
                "rmdq": f.get("rmdq"),
                "odi": _num(f.get("odi")),
                "peg": _num(f.get("peg")),
            }
            for f in course["followups"]
            if any(f.get(k) is not None for k in ("rmdq", "odi", "peg"))
        ],
    }


def latest_words(course: dict[str, Any]) -> str:
    """Which value "latest" is, in words (§6: the pain before the latest session, or the
    latest check-in; the baseline itself before either)."""
    latest = latest_pain_entry(parse_course(course))
    if latest is None:
        return "the baseline (no session or check-in yet)"
    kind, index = latest
    if kind == "session":
        s = course["sessions"][index]
        return f"the pain before session {s['number']} ({dates.day(s['date'])})"
    return f"the pain reported at the check-in of {dates.day(course['followups'][index]['date'])}"


def meaningful_change() -> dict[str, Any]:
    """What counts as meaningful improvement, in words, with its sources (change.toml)."""
    rules = load_tables().change
    pain = rules["pain"]
    ids = list(dict.fromkeys(sid for rule in rules.values() for sid in rule.sources))
    ids.sort(key=lambda sid: load_tables().sources[sid].is_policy)  # our own choice last
    return {
        "pain_terms": (
            f"at least {-pain.meaningful_points} points and {-pain.meaningful_percent} % lower"
        ),
        "sources": ids,
    }


def letter_sources(
    view: dict[str, Any], state: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The sources the doctor's letter cites: those of its referral reasons, the course's
    alerts and the precautions, once each, in order of first mention (as the PDF lists them)."""
    alerts = [] if state is None else state["alerts"]
    findings = view["referral_reasons"] + alerts + view["precaution_list"]
    return _sources(list(dict.fromkeys(sid for f in findings for sid in f["sources"])))


def _cause_detail(cause: Cause) -> str:
    if cause.kind == "pressure":
        proposed, limit = cause.detail
        return f"{label(PRESSURES, proposed)} proposed; the limit is {label(PRESSURES, limit)}."
    if cause.kind == "technique":
        return "To avoid: " + ", ".join(label(TECHNIQUES, t) for t in cause.detail) + "."
    return ""


def cause_json(cause: Cause) -> dict[str, Any]:
    """One §6a cause as a form prompt or an API 409 shows it: its words, rules and the reasons
    that may confirm it."""
    return {
        "kind": cause.kind,
        "prompt": CAUSE_PROMPT[cause.kind],
        "rules": [{"rule": rule, "text": text} for rule, text in cause.findings],
        "detail": list(cause.detail),
        "detail_words": _cause_detail(cause),
        "reason_kinds": list(cause.reason_kinds),
        "safety_override": cause.safety_override,
    }


def state_view(state: ClientState | None) -> dict[str, Any] | None:
    """The client's one state, with its words, as every page shows it (includes/state.html)."""
    if state is None:
        return None
    p = state.progress
    return {
        "next_step": p.next_step,
        "next_step_words": NEXT_STEP[p.next_step],
        "status": p.status,
        "status_words": STATUS[p.status],
        "sessions_done": p.sessions_done,
        "rules_version": p.rules_version,
        "emergency": p.next_step == "emergency",
        "alerts": [
            {
                **a.to_json(),
                "name": ALERT_NAME[a.rule],
                "next_step_words": NEXT_STEP[a.next_step],
                "source_list": _sources(a.sources),
            }
            for a in p.alerts
        ],
    }


def change_view(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An intake's stored assessment changes (core.state.assessment_changes), in words."""
    tables = {"disposition": DISPOSITION, "max_pressure": dict(PRESSURES)}

    def words(what: str, value: str | None) -> str:
        if what == "max_pressure" and value is None:
            return "no massage"
        return label(tables.get(what, VERDICT), value)

    return [
        {
            **c,
            "what_words": CHANGED_WHAT[c["what"]],
            "before_words": words(c["what"], c["before"]),
            "after_words": words(c["what"], c["after"]),
        }
        for c in changes
    ]


class Footnotes:
    """A page's sources as plain numbered footnotes, numbered in the order the page first cites
    them: `cite` gives a statement its numbers (with the source's readable name, from
    wording.SOURCE_NAME), `listing` the full list for the end of the page."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def cite(self, ids: Any) -> list[dict[str, Any]]:
        notes = []
        for sid in dict.fromkeys(ids):
            n = self._numbers.setdefault(sid, len(self._numbers) + 1)
            notes.append({"n": n, "name": SOURCE_NAME.get(sid, sid)})
        return notes

    def listing(self) -> list[dict[str, Any]]:
        return [
            {**source, "n": n, "name": SOURCE_NAME.get(source["id"], source["id"])}
            for n, source in zip(self._numbers.values(), _sources(self._numbers), strict=True)
        ]


def lay_answer(answer: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """An answer where massage may go ahead, as a lay person reads it (the self-check's answer
    and the client's own page): shortest useful first (what to do, what to ask for, what to
    avoid, why), the rest for folding. Every sentence once (a reason two techniques share is
    said once, for both); sources as numbered footnotes; advice matched to the person (in
    pregnancy: side-lying, the midwife, pregnancy's warning signs). Only the presentation: the
    core's answer is used as given."""
    a = assessment_view(answer)
    pregnant = bool(document["pregnancy"]["pregnant"])
    notes = Footnotes()
    shown: set[str] = set()

    def once(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh = [f for f in findings if f["text"] not in shown]
        shown.update(f["text"] for f in fresh)
        return [{**f, "notes": notes.cite(f["sources"])} for f in fresh]

    def cited(statements: list[content.Statement]) -> list[dict[str, Any]]:
        return [{**st, "notes": notes.cite(st["sources"])} for st in statements]

    tell = [label(CONDITIONS, c) for c in document["conditions"]]
    tell += [label(MEDICATIONS, m) for m in document["medications"]]
    if pregnant:
        weeks = document["pregnancy"]["weeks"]
        tell.append(f"Pregnant{f' ({weeks} weeks)' if weeks else ''}")
    techniques = a["technique_list"]
    referral = once(a["referral_reasons"])
    recommended = [
        {**t, "said": once(t["reasons"])} for t in techniques if t["verdict"] == "recommended"
    ]
    avoided: dict[tuple[str, ...], dict[str, Any]] = {}
    for t in techniques:
        if t["verdict"] == "avoid":
            key = tuple(f["text"] for f in t["reasons"])
            avoided.setdefault(key, {"names": [], "reasons": t["reasons"]})["names"].append(
                t["name"]
            )
    avoid_groups = [{**g, "said": once(g["reasons"])} for g in avoided.values()]
    return {
        "a": a,
        "audience": "client",
        "pregnant": pregnant,
        "referral": referral,
        "recommended": recommended,
        "suitable": [t for t in techniques if t["verdict"] == "suitable"],
        "avoid_groups": avoid_groups,
        "tell": tell,
        "why": once(a["precaution_list"]),
        "co_treatments": once(a["co_treatments"]),
        "pregnancy": cited(content.PREGNANCY) if pregnant else [],
        "warning_signs": cited(content.WARNING_SIGNS),
        "session": cited(content.SESSION_PREGNANT if pregnant else content.SESSION),
        "normal": cited(content.AFTER_EFFECTS_NORMAL),
        "stop": cited(content.AFTER_EFFECTS_STOP),
        "evidence": cited(content.EVIDENCE),
        "how_long": cited(content.HOW_LONG),
        "other_care": cited(content.OTHER_CARE),
        "footnotes": notes.listing(),
    }
