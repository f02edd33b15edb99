"""The client's intake link in steps, on a 360 px phone (issue 11, point 2): a step count, a
question left unanswered asked again, Back keeping the answers, a detail step only when it
applies, and the intake stored only at the end with exactly the answers given."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.intake_steps import ANSWER_THIS
from backcare.clinic.portal import LINK_GONE
from backcare.core.measures import score_peg

from .conftest import axe_violations, screenshot
from .link_steps import answer_page, fill_intake_link
from .test_emergency_first import no_sideways_scrolling


def next_page(page: Any) -> None:
    with page.expect_navigation():
        page.click("[data-next]")


def test_a_client_fills_the_link_in_steps_goes_back_and_is_asked_again(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Pia")
    _, token = actions.create_link(by=therapist, client=client, purpose="intake")
    page.goto(f"{base}/c/intake/{token}/")
    assert "Step 1 of 10" in page.inner_text("[data-step-count]")
    assert not axe_violations(page), "the first step"
    answer_page(page, {"red_flags": ["none"]})
    next_page(page)
    assert "Step 2 of 10" in page.inner_text("[data-step-count]")
    answer_page(page, {"age": "38", "sex": "female", "pregnant": "yes"})
    next_page(page)
    # Pregnant: the pregnancy's own step, counted.
    assert "Step 3 of 11" in page.inner_text("[data-step-count]")
    answer_page(page, {"pregnancy_weeks": "26", "pregnancy_high_risk": "no"})
    next_page(page)
    # The pain, with how it started left unanswered: asked again, not read as "Gradually".
    answer_page(
        page,
        {
            "pain_intensity": "5",
            "pain_duration_weeks": "8",
            "pain_regions": ["lumbar"],
            "pain_radiation": "none",
        },
    )
    next_page(page)
    assert "Step 4 of 11" in page.inner_text("[data-step-count]")
    assert page.inner_text("#id_pain_onset-error") == ANSWER_THIS
    assert page.is_checked("input[name=pain_intensity][value='5']")  # kept
    assert not axe_violations(page), "a step asked again"
    no_sideways_scrolling(page)
    screenshot(page, "intake-step-asked-again")
    answer_page(page, {"pain_onset": "gradual"})
    next_page(page)
    # Back keeps the answers of the page left and of the page before.
    answer_page(page, {"pain_night_pain_unrelieved": "no"})
    with page.expect_navigation():
        page.click("[data-back]")
    assert "Step 4 of 11" in page.inner_text("[data-step-count]")
    assert page.is_checked("input[name=pain_onset][value=gradual]")
    next_page(page)
    assert page.is_checked("input[name=pain_night_pain_unrelieved][value=no]")
    # The rest, with knots; then the answer.
    fill_intake_link(page, {"findings_trigger_points": "yes", "peg_pain": "3"})
    page.wait_for_selector("#do-h")
    no_sideways_scrolling(page)
    screenshot(page, "intake-steps-answer")
    # Pregnant at 26 weeks: the answer is hers (side-lying, her midwife), not the generic one.
    main = page.inner_text("main")
    assert "lying on your side (with pillows)" in main and "padded table" not in main
    assert "Check with your midwife or doctor" in main
    entry = client.intakes.get()
    doc = entry.document
    assert doc["pregnancy"] == {"pregnant": True, "weeks": 26, "high_risk": False}
    assert doc["pain"]["onset"] == "gradual" and doc["findings"]["trigger_points"] is True
    assert entry.baseline_peg == score_peg([3, 5, 6])
    assert entry.assessment["techniques"]["trigger_point"]["verdict"] == "recommended"
    # The link has done its work: opened again, it says so, sized for the phone.
    page.goto(f"{base}/c/intake/{token}/")
    assert page.inner_text("h1") == LINK_GONE["used"][0]
    assert "Ask your clinic for a new link." in page.inner_text("main")
    no_sideways_scrolling(page)
    assert not axe_violations(page), "a used link"
    screenshot(page, "intake-link-used")
