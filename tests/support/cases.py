"""The public example cases (shipped in backcare.examples) and their comparison helpers."""

from __future__ import annotations

from backcare.cli.demo import example_cases, summarise_assessment

__all__ = ["COURSE_CASES", "INTAKE_CASES", "summarise_assessment"]

INTAKE_CASES = example_cases("intake")
COURSE_CASES = example_cases("course")
