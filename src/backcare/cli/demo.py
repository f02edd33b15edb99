"""`backcare demo`: a walk-through of the public example cases.

Each case's intake is assessed (and each course evaluated) by the real engine; the demo shows
the answer a therapist would see first and whether it agrees with the case's expected answer.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import IO, Any

from backcare.cli.text import DISCLAIMER
from backcare.core.assessment import assess
from backcare.core.progress import progress
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_course, parse_intake
from backcare.core.wording import NEXT_STEP, PRESSURES, STATUS, TECHNIQUES, VERDICT, label


def example_cases(kind: str = "intake") -> list[dict[str, Any]]:
    """The shipped public examples: `intake` cases or `course` cases, sorted by file name."""
    folder = files("backcare.examples")
    if kind == "course":
        folder = folder.joinpath("courses")
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".json")), key=lambda e: e.name
    )
    return [json.loads(e.read_text(encoding="utf-8")) for e in entries]


def summarise_assessment(got: dict[str, Any]) -> dict[str, Any]:
    """The fields a public case's `expect` names, read off an assessment's JSON."""
    return {
        "disposition": got["disposition"],
        "referral_urgency": (got["referral"] or {}).get("urgency"),
        "max_pressure": got["max_pressure"],
        "techniques": {t: v["verdict"] for t, v in got["techniques"].items()},
        "startback_risk": (got["measures"]["startback"] or {}).get("risk"),
        "pain_category": got["measures"]["pain_category"],
        "pain_severity": got["measures"]["pain_severity"],
        "cleared": sorted(c["rule"] for c in got["cleared"]),
        "trace_includes": sorted(set(got["trace"])),
    }


def _agrees_assessment(expect: dict[str, Any], got: dict[str, Any]) -> bool:
    have = summarise_assessment(got)
    return all(have[k] == v for k, v in expect.items())


def run_demo(out: IO[str], *, colour: bool = False) -> int:
    tables = load_tables()
    bold = (lambda s: f"\033[1m{s}\033[0m") if colour else (lambda s: s)
    out.write(bold(f"backcare demo: the public example cases (rules {tables.version})") + "\n\n")
    agree = total = 0
    for case in example_cases("intake"):
        answer = assess(parse_intake(case["intake"]))
        ok = _agrees_assessment(case["expect"], answer.to_json())
        agree += ok
        total += 1
        verdicts = ", ".join(
            f"{label(TECHNIQUES, name)}: {VERDICT[getattr(answer.techniques, name).verdict]}"
            for name, _ in TECHNIQUES
        )
        out.write(bold(f"{case['name']}") + f": {case['description']}\n")
        out.write(f"  -> {tables.dispositions[answer.disposition]['headline']}\n")
        if answer.max_pressure:
            out.write(
                f"     pressure at most {label(PRESSURES, answer.max_pressure)}; {verdicts}\n"
            )
        out.write(f"     fired: {', '.join(answer.trace)}\n")
        out.write(f"     {'agrees with' if ok else 'DISAGREES with'} the expected answer\n\n")
    for case in example_cases("course"):
        result = progress(parse_course(case["course"])).to_json()
        exp = case["expect"]
        ok = result["status"] == exp["status"] and result["next_step"] == exp["next_step"]
        agree += ok
        total += 1
        out.write(bold(f"course {case['name']}") + f": {case['description']}\n")
        alerts = ", ".join(a["rule"] for a in result["alerts"]) or "none"
        out.write(
            f"  -> {STATUS[result['status']]}; next step: {NEXT_STEP[result['next_step']]}; "
            f"alerts: {alerts}\n"
        )
        out.write(f"     {'agrees with' if ok else 'DISAGREES with'} the expected answer\n\n")
    out.write(f"{agree} of {total} example cases agree with their expected answers.\n")
    out.write("Try: backcare assess <file> | backcare rules --format markdown | backcare --help\n")
    out.write(DISCLAIMER + "\n")
    return 0 if agree == total else 1
