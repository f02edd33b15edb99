"""Emergency first and friendly dead ends on a phone (issue 11): 360 px, keyboard only where a
person in trouble may have nothing else."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from backcare.clinic import actions
from backcare.clinic.models import ClientLink

from .conftest import axe_violations, screenshot
from .link_steps import fill_checkin_link

PHONE_HEIGHT = 740  # the `phone` fixture's viewport


def tab_to(page: Any, selector: str, limit: int) -> int:
    """Press Tab until the element matching `selector` has the focus; how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


def no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways on a phone ({width}px)"


def test_the_emergency_by_keyboard_from_the_first_screen(
    phone: Any, live_server: Any, db: Any, settings: Any
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "999"
    page, base = phone, live_server.url
    page.goto(f"{base}/self-check/")
    # From the top of the page: past the skip link and the menu, the first warning sign.
    assert tab_to(page, "input[name=red_flags][value=saddle_numbness]", 6) <= 6
    page.keyboard.press("Space")
    tab_to(page, "input[name=red_flags][value=new_bladder_dysfunction]", 1)
    page.keyboard.press("Space")
    tab_to(page, "p.signs-first button", 20)  # the button right after the signs
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-advice=emergency]")
    assert page.inner_text("#now-h") == "Get medical help now"
    # The number to call is on the first screen: no scrolling needed.
    assert page.evaluate("window.scrollY") == 0
    call = page.locator("a[href='tel:999']")
    box = call.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT
    assert call.inner_text() == "Call 999"
    assert "massage" not in page.inner_text("main")
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the emergency page"
    screenshot(page, "selfcheck-emergency-by-keyboard")


def test_a_referral_sign_gets_the_see_a_doctor_page(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    page.goto(f"{base}/self-check/")
    page.check("input[name=red_flags][value=unexplained_weight_loss]")
    page.check("input[name=conditions][value=none]")  # "None of these" is an answer
    page.check("input[name=medications][value=none]")
    page.fill("#id_age", "58")
    page.check("input[name=pain_intensity][value='4']")
    page.fill("#id_pain_duration_weeks", "8")
    page.check("input[name=pain_regions][value=lumbar]")
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("[data-advice=see_doctor]")
    assert page.inner_text("#now-h") == "See a doctor first, within a day or two"
    assert "Which massage" not in page.inner_text("main")
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the see-a-doctor page"
    screenshot(page, "selfcheck-see-doctor")


def test_a_used_link_shows_the_friendly_page(phone: Any, live_server: Any, therapist: User) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Uma")
    link, token = actions.create_link(by=therapist, client=client, purpose="intake")
    ClientLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    response = page.goto(f"{base}/c/intake/{token}/")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "This link has been used"
    assert "Ask your clinic for a new link." in page.inner_text("main")
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the used-link page"
    screenshot(page, "client-link-used")


def test_the_checkin_asks_the_cauda_equina_questions_when_numbness_is_ticked(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Ned")
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    assert page.is_visible("[data-not-watched]")
    # In steps (issue 11): numbness opens the cauda equina questions as the next step, asked
    # before the check-in finishes; not before (without JavaScript too).
    numb = {"red_flags": ["none"], "pain": "4", "side_effects": ["numbness"]}
    fill_checkin_link(page, numb, until="cauda-equina")
    assert page.input_value("input[name=step]") == "cauda-equina"
    page.check("input[name=cauda_equina][value=bilateral_leg_symptoms]")
    no_sideways_scrolling(page)
    assert not axe_violations(page), "the check-in's cauda equina questions"
    page.click("button:has-text('Send to my therapist')")
    page.wait_for_selector("[data-advice=emergency]")
    assert client.checkins.get().red_flags == ["bilateral_leg_symptoms"]
    no_sideways_scrolling(page)
    screenshot(page, "client-checkin-cauda-equina")


def test_the_other_dead_ends_fit_a_phone(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    for url, heading in (
        ("/no-such-page/", "Page not found"),
        ("/c/checkin/not-a-token/", "This link does not work"),
    ):
        response = page.goto(f"{base}{url}")
        assert response is not None and response.status == 404
        assert page.inner_text("h1") == heading
        no_sideways_scrolling(page)
        assert not axe_violations(page), url
