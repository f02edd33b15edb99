"""Issue 11: a person with knots, on a 360 px phone, gets trigger point therapy recommended by
the self-check, as the core recommends it for the same answers (not a list of our own)."""

from __future__ import annotations

from typing import Any

from backcare.core.assessment import assess
from backcare.core.rules.tables import load_tables
from backcare.selfcheck.views import SelfCheckForm

from .conftest import axe_violations, screenshot
from .test_selfcheck import basics, start


def test_a_person_with_knots_gets_trigger_point_therapy(
    phone: Any, live_server: Any, db: Any
) -> None:
    page, base = phone, live_server.url
    start(page, base)
    basics(page, "44", "5", "20")
    region = page.locator("input[name=pain_regions]").first
    region.check()
    where = region.get_attribute("value")
    page.check("#id_findings_trigger_points")  # "I can feel knots or tight bands"
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("#ask-h")
    asked = page.inner_text("section:has(#ask-h) >> xpath=.")
    form = SelfCheckForm(
        {
            "red_flags": ["none"],
            "conditions": ["none"],
            "medications": ["none"],
            "age": "44",
            "sex": "unspecified",
            "pain_intensity": "5",
            "pain_duration_weeks": "20",
            "pain_regions": [where],
            "pain_onset": "gradual",
            "pain_radiation": "none",
            "findings_trigger_points": "on",
        }
    )
    assert form.is_valid(), form.errors
    assert form.intake is not None
    techniques = assess(form.intake).to_json()["techniques"]
    assert techniques["trigger_point"]["verdict"] == "recommended"
    names = load_tables().technique_names
    for key, verdict in techniques.items():
        if verdict["verdict"] == "recommended":
            assert names[key] in asked, names[key]
    assert page.locator("#ask-h ~ h3", has_text=names["trigger_point"]).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not axe_violations(page), "the answer page"
    screenshot(page, "selfcheck-knots")
