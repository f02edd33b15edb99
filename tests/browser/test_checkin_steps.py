"""The client's check-in link in steps, on a 360 px phone (issue 11, point 2; clinical-rules
§6b): a step count, Back keeping the answers, a question left unanswered asked again, the
check-in stored only at the end with exactly the answers given, and the emergency reached from
the first step by keyboard alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.intake_steps import ANSWER_THIS
from backcare.core.measures import score_peg

from .conftest import axe_violations, screenshot
from .link_steps import answer_page, fill_checkin_link
from .test_emergency_first import PHONE_HEIGHT, no_sideways_scrolling, tab_to


def next_page(page: Any) -> None:
    with page.expect_navigation():
        page.click("[data-next]")


def step_count(page: Any) -> str:
    return str(page.inner_text("[data-step-count]"))


def test_a_client_checks_in_in_steps_goes_back_and_is_asked_again(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Cai")
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    assert "Step 1 of 4" in step_count(page)
    assert page.is_visible("[data-not-watched]")
    assert not axe_violations(page), "the check-in's first step"
    no_sideways_scrolling(page)
    answer_page(page, {"red_flags": ["none"]})
    next_page(page)
    assert "Step 2 of 4" in step_count(page)
    answer_page(page, {"pain": "6"})
    next_page(page)
    # PEG with one item left unanswered: asked again, the others kept.
    assert "Step 3 of 4" in step_count(page)
    answer_page(page, {"peg_pain": "4", "peg_activity": "7"})
    next_page(page)
    assert "Step 3 of 4" in step_count(page)
    assert page.inner_text("#id_peg_enjoyment-error") == ANSWER_THIS
    assert page.is_checked("input[name=peg_pain][value='4']")
    assert not axe_violations(page), "a check-in step asked again"
    no_sideways_scrolling(page)
    screenshot(page, "checkin-step-asked-again")
    # Back keeps this page's answer and the page before's.
    answer_page(page, {"peg_enjoyment": "6"})
    with page.expect_navigation():
        page.click("[data-back]")
    assert "Step 2 of 4" in step_count(page)
    assert page.is_checked("input[name=pain][value='6']")
    next_page(page)
    assert page.is_checked("input[name=peg_enjoyment][value='6']")
    next_page(page)
    # After-effects: numbness opens the cauda equina step (§6b), counted.
    assert "Step 4 of 4" in step_count(page)
    answer_page(
        page, {"side_effects": ["numbness"], "side_effect_hours": "5", "leg_symptoms": "no"}
    )
    next_page(page)
    assert "Step 5 of 5" in step_count(page)
    assert not client.checkins.exists()  # nothing stored before the last step
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the cauda equina step"
    answer_page(page, {"cauda_equina": ["none"]})
    next_page(page)
    page.wait_for_selector("text=Thank you")
    no_sideways_scrolling(page)
    screenshot(page, "checkin-steps-done")
    stored = client.checkins.get()
    assert (stored.pain, stored.side_effects, stored.red_flags) == (6, ["numbness"], [])
    assert stored.peg == score_peg([4, 6, 7]) and stored.side_effect_hours == Decimal("5")


def test_the_checkin_emergency_in_one_step_by_keyboard(
    phone: Any, live_server: Any, therapist: User, settings: Any
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "999"
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Dov")
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    tab_to(page, "input[name=red_flags][value=saddle_numbness]", 12)
    page.keyboard.press("Space")
    tab_to(page, "[data-next]", 20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("[data-advice=emergency]")
    assert page.inner_text("#now-h") == "Get medical help now"
    call = page.locator("a[href='tel:999']")
    box = call.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE_HEIGHT
    main = page.inner_text("main")
    assert "Do not have a massage." in main and "have reached your clinic" in main
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the check-in's emergency page"
    screenshot(page, "checkin-emergency-by-keyboard")
    assert not client.checkins.exists()
    assert [a.rule for a in client.clinic_alerts.all()] == ["RF-CES-SADDLE"]  # told at once


def test_a_quiet_checkin_fills_in_with_none_of_these(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Eli")
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    fill_checkin_link(page, {"red_flags": ["none"], "pain": "2"})
    page.wait_for_selector("text=Thank you")
    stored = client.checkins.get()
    assert (stored.pain, stored.side_effects, stored.red_flags) == (2, [], [])
