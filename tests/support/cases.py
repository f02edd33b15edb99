"""The public example cases (shipped in backcare.examples) and their comparison helpers."""

from __future__ import annotations

from typing import Any

from backcare.demo import example_cases


def summarise_assessment(got: dict[str, Any]) -> dict[str, Any]:
    """The fields a vignette's `expect` names, read off an assessment's JSON."""
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


INTAKE_CASES = example_cases("intake")
COURSE_CASES = example_cases("course")
