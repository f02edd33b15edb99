"""Issue 15, points 1 and 4 in a browser at 1366 px: the admin fills in the clinic's details
and her profile, follows a client's primary action to the letter, and each page passes axe."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.core.validation import parse_intake

from .conftest import axe_violations, screenshot, sign_in

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 40,
    "pain": {"intensity": 5, "duration_weeks": 20, "regions": ["lumbar"]},
}


def _client(therapist: User, name: str, intake: dict[str, Any]) -> Any:
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name=name)
    actions.record_intake(by=therapist, client=client, intake=parse_intake(intake))
    return client


def test_details_then_the_primary_action_to_each_kind_of_letter(
    browser: Any, live_server: Any, therapist: User
) -> None:
    base = live_server.url
    emergency = _client(
        therapist, "Ed Emergency", INTAKE | {"red_flags": {"saddle_numbness": True}}
    )
    referral = _client(
        therapist, "Rhea Routine", INTAKE | {"age": 60, "red_flags": {"history_of_cancer": True}}
    )
    desk = browser.new_context(viewport={"width": 1366, "height": 900})
    page = desk.new_page()
    sign_in(page, base)
    # the clinic's details and her profile, from the staff page
    page.goto(f"{base}/staff/")
    page.click("text=The clinic's details")
    page.fill("#id_address", "12 River Lane\nRiverton RV1 2AB")
    page.fill("#id_phone", "+44 20 7946 0000")
    page.fill("#id_email", "desk@riverside.example")
    page.click("button:has-text('Save the clinic')")
    page.wait_for_selector("text=The clinic's details were saved")
    assert not axe_violations(page)  # the message list too (a list inside the status region)
    page.click("text=Your profile")
    page.fill("#id_credentials", "BSc, Dip. Sports Massage")
    page.fill("#id_registration_number", "MTR-40417")
    page.click("button:has-text('Save your profile')")
    page.wait_for_selector("text=Your profile was saved")
    assert not axe_violations(page)
    # an emergency: the primary action is the handover note
    page.goto(f"{base}/clients/{emergency.pk}/")
    primary = page.locator("[data-primary-action]")
    assert primary.count() == 1 and primary.get_attribute("data-primary-action") == "handover"
    screenshot(page, "client-page-emergency")
    assert not axe_violations(page)
    primary.click()
    page.wait_for_selector("[data-letter-kind=handover]")
    text = page.inner_text("article.letter")
    assert "Handover note for the emergency team" in text and "MTR-40417" in text
    assert "clearance" not in text.lower()
    screenshot(page, "handover-note")
    assert not axe_violations(page)
    # a routine referral: the letter asks for a named clearance
    page.goto(f"{base}/clients/{referral.pk}/")
    assert page.get_attribute("[data-primary-action]", "data-primary-action") == "clearance"
    page.click("text=Letter for the doctor")
    page.wait_for_selector("[data-letter-kind=doctor]")
    asked = page.inner_text("[data-block=asks]")
    assert "RF-CANCER-HISTORY-ROUTINE" in asked and "pressure at most" in asked
    assert "12 River Lane" in page.inner_text("[data-block=letterhead]")
    screenshot(page, "letter-for-the-doctor")
    assert not axe_violations(page)
    desk.close()
