"""Three people take the self-check on a phone (360 px), one by keyboard only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from .conftest import axe_violations, screenshot


def start(page: Any, base: str) -> list[str]:
    """Open the self-check; return the list that will hold every host the page contacts."""
    hosts: list[str] = []
    page.on(
        "request",
        lambda r: hosts.append(urlparse(r.url).netloc) if r.url.startswith("http") else None,
    )
    page.goto(f"{base}/self-check/")
    return hosts


def basics(page: Any, age: str, pain: str, weeks: str, medicine: str = "none") -> None:
    page.check("input[name=red_flags][value=none]")  # an explicit answer (issue 11)
    page.check("input[name=conditions][value=none]")  # so are these two: a blank is asked again
    page.check(f"input[name=medications][value={medicine}]")
    page.fill("#id_age", age)
    page.check(f"input[name=pain_intensity][value='{pain}']")
    page.fill("#id_pain_duration_weeks", weeks)


def test_chronic_ache_and_knots_gets_a_plan(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    hosts = start(page, base)
    assert not axe_violations(page), "the self-check form"
    assert page.is_hidden("#id_pregnancy_weeks")  # asked only when pregnant
    page.check("#id_pregnant")
    assert page.is_visible("#id_pregnancy_weeks")
    page.uncheck("#id_pregnant")
    basics(page, "52", "5", "40")
    page.click(".body-map label[data-region=lumbar-left]")  # a place on the map, with its side
    assert page.is_checked("input[name=pain_regions][value=lumbar-left]")
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("#now-h")
    assert "safe to book a massage" in page.inner_text("#now-h")
    assert "What to ask for" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not axe_violations(page), "the answer page"
    screenshot(page, "selfcheck-plan")
    assert set(hosts) == {urlparse(base).netloc}, f"third-party requests: {set(hosts)}"


def test_anticoagulant_gets_light_pressure_only(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    hosts = start(page, base)
    basics(page, "70", "4", "30", medicine="anticoagulant")
    page.check("input[name=pain_regions][value=lumbar]")
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("#now-h")
    body = page.inner_text("main")
    assert "with light pressure at most." in body
    assert "Blood thinners or a bleeding disorder make bruising easier" in body
    screenshot(page, "selfcheck-anticoagulant")
    # Folded details are printed open: a printed answer is complete.
    assert page.locator("main details:not([open])").count() >= 3
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("main details:not([open])").count() == 0
    assert set(hosts) == {urlparse(base).netloc}


def test_new_bladder_problems_get_the_emergency_first_by_keyboard_only(
    phone: Any, live_server: Any, db: Any
) -> None:
    page, base = phone, live_server.url
    start(page, base)
    # Keyboard only: focus moves with Tab, boxes tick with Space, text is typed.
    page.focus("#id_age")
    page.keyboard.type("38")
    page.focus("input[name=pain_intensity][value='6']")
    page.keyboard.press("Space")
    page.focus("#id_pain_duration_weeks")
    page.keyboard.type("1")
    page.focus(".body-map input[name=pain_regions][value=lumbar]")
    page.keyboard.press("Space")
    page.focus("input[name=red_flags][value=new_bladder_dysfunction]")
    page.keyboard.press("Space")
    # Conditions and medicines unanswered: the emergency does not wait for them.
    page.focus("button:has-text('See my answer')")
    page.keyboard.press("Enter")
    heading = page.wait_for_selector("#now-h")
    assert heading.inner_text() == "Get medical help now"
    first = page.evaluate("document.querySelector('main').firstElementChild.innerText")
    assert first.startswith("Get medical help now")
    assert "What to ask for" not in page.content()
    assert not axe_violations(page), "the emergency answer"
    screenshot(page, "selfcheck-emergency")


def test_learn_page_is_accessible(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    page.goto(f"{base}/learn/")
    assert not axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_detail_questions_open_only_when_they_matter(phone: Any, live_server: Any, db: Any) -> None:
    page, base = phone, live_server.url
    start(page, base)
    for trigger, detail in (
        ("#id_pregnant", "#id_pregnancy_weeks"),
        ("#id_had_surgery", "#id_recent_surgery_weeks_ago"),
        ("#id_had_injury", "#id_recent_injury_hours_ago"),
    ):
        assert page.is_hidden(detail)
        page.check(trigger)
        assert page.is_visible(detail)
    page.fill("#id_recent_injury_hours_ago", "30")
    page.uncheck("#id_had_injury")
    assert page.is_visible("#id_recent_injury_hours_ago")  # an answer given is never hidden
