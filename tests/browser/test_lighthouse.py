"""Measured in a real browser (issue 11, point 6): Lighthouse 12.2.3 (npm, tests/browser) drives
Debian's Chromium with its default mobile emulation and simulated throttling over the public and
client pages a person in pain uses on a phone. Targets: accessibility 100, best practices 95,
performance 95, SEO 90 on each page (on the private intake link, which is noindex on purpose,
SEO without the crawlability audit); axe-core finds nothing serious or critical on them either.

The pages that answer a POST are measured as a Lighthouse user-flow step started by the submit
button (tests/browser/lighthouse.mjs says why). Performance alone is noisy under load: a page
below its target is measured twice more and the median counts. The JSON and HTML reports go to
test-artifacts/ with the screenshots; benchmarks/README.md has the scores and the command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from backcare.clinic import actions

from .conftest import ARTIFACTS, _chromium, axe_violations

HERE = Path(__file__).parent
RUNNER = HERE / "lighthouse.mjs"
TARGETS = {"accessibility": 100, "best-practices": 95, "performance": 95, "seo": 90}

# The answers a person gives: the same selectors the other browser tests use.
EMERGENCY = {
    "check": [
        "input[name=red_flags][value=saddle_numbness]",
        "input[name=red_flags][value=new_bladder_dysfunction]",
    ],
    "submit": "p.signs-first button",
    "expect": "[data-advice=emergency] #now-h",
    "expect_text": "Get medical help now",
}
FULL_ANSWER = {
    "check": [
        "input[name=red_flags][value=none]",
        "input[name=conditions][value=none]",
        "input[name=medications][value=none]",
        "input[name=pain_intensity][value='5']",
        "input[name=pain_regions][value=lumbar]",
    ],
    "fill": {"#id_age": "52", "#id_pain_duration_weeks": "40"},
    "submit": "main form > button[type=submit]",
    "expect": "h1#now-h",
    "expect_text": "safe to book a massage",
}


def _pages(base: str, intake_link: str) -> list[dict[str, Any]]:
    return [
        {"name": "self-check", "url": f"{base}/self-check/"},
        {"name": "emergency-answer", "url": f"{base}/self-check/", **EMERGENCY},
        {"name": "full-answer", "url": f"{base}/self-check/", **FULL_ANSWER},
        {"name": "learn", "url": f"{base}/learn/"},
        {"name": "intake-link", "url": intake_link},
    ]


def _lighthouse(plan: dict[str, Any], tmp_path: Path) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "lighthouse").exists():
        pytest.fail("Lighthouse is not installed: run npm ci in tests/browser (scripts/check does)")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    done = subprocess.run(
        [node, str(RUNNER), str(plan_file)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HERE,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_lighthouse_scores_on_a_phone(
    live_server: Any, therapist: User, tmp_path: Path, phone: Any
) -> None:
    base = live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Ivy")
    _, token = actions.create_link(by=therapist, client=client, purpose="intake")
    pages = _pages(base, f"{base}/c/intake/{token}/")

    # axe-core on the same pages, in the 360 px phone of the other browser tests.
    for target in pages:
        phone.goto(target["url"])
        if "submit" in target:
            for selector in target["check"]:
                phone.check(selector)
            for selector, value in target.get("fill", {}).items():
                phone.fill(selector, value)
            with phone.expect_navigation():
                phone.click(target["submit"])
        assert not axe_violations(phone), target["name"]

    plan = {
        "chrome": _chromium(),
        "out": str(ARTIFACTS),
        "performance": TARGETS["performance"],
        "pages": pages,
    }
    scores = _lighthouse(plan, tmp_path)
    (ARTIFACTS / "lighthouse-scores.json").write_text(json.dumps(scores, indent=2))
    # The POST answers really were measured as answers, not as the form again.
    assert scores.keys() == {p["name"] for p in pages}
    # The client's intake link is private (a token to her health answers): it says noindex on
    # purpose, so Lighthouse's crawlability audit fails there and only there. Its SEO target is
    # met by everything else a search engine checks (seo_without_crawlable); the public pages
    # must be crawlable and meet the target as they are.
    for name, got in scores.items():
        assert got["crawlable"] == (name != "intake-link"), name
        if name == "intake-link":
            got["seo"] = got["seo_without_crawlable"]
    unfinished = {n: got["runtime_error"] for n, got in scores.items() if "runtime_error" in got}
    assert unfinished == {}, f"Lighthouse could not finish these runs: {unfinished}"
    below = [
        f"{name} {category} {got[category]} < {target} (failing audits: {got['failed'][category]})"
        for name, got in scores.items()
        for category, target in TARGETS.items()
        if got[category] < target
    ]
    assert below == [], below
