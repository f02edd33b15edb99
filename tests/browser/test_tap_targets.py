"""Phone-grade controls (issue 11, point 3): on every client and public page at 360 px, every
tap target is at least 44 x 44 CSS px, nothing scrolls sideways, and the 0-10 pain scale is a
block of large buttons with its ends in words."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.checkin_steps import STEPS as CHECKIN_STEPS
from support.checkin_link import CHECKIN_ANSWERS
from support.intake_link import LINK_ANSWERS

from .conftest import screenshot
from .link_steps import answer_page, fill_intake_link
from .test_selfcheck import basics, start

# A person's answers to the intake link's questions (tests/support/intake_link.py adds the rest).
BASICS = {
    "red_flags": ["none"],
    "age": "45",
    "sex": "female",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
}

# Every interactive element's tap target, measured in the page. A checkbox or radio is measured
# by its label when the label is what a finger taps. A link inside a sentence (a footnote
# number, a link in running text) is exempt, as WCAG 2.5.8 exempts inline targets: making it
# 44 px tall would break the line.
OFFENDERS = """() => {
  const out = [], seen = new Set();
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : '')
    + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  const inSentence = (el) => {
    if (el.tagName !== 'A' || !getComputedStyle(el).display.startsWith('inline')) return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    return !!block && block.textContent.trim().length > el.textContent.trim().length + 2;
  };
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"]), [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const byFor = el.id && document.querySelector(`label[for="${el.id}"]`);
      target = el.closest('label') || byFor || el;
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= 0) continue;  // not shown
    if (getComputedStyle(target).visibility === 'hidden' || inSentence(el)) continue;
    if (box.width < 43.5 || box.height < 43.5) {
      out.push(`${name(target)}: ${Math.round(box.width)} x ${Math.round(box.height)}`);
    }
  }
  return out;
}"""


WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > 360.5)
  .slice(0, 8)
  .map((el) => [el.tagName, el.className, el.textContent.trim().slice(0, 20),
    Math.round(el.getBoundingClientRect().right)].join(' '))"""


def check_phone_grade(page: Any, what: str) -> None:
    offenders = page.evaluate(OFFENDERS)
    assert offenders == [], f"{what}: tap targets under 44 x 44 px: {offenders}"
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_THAN_THE_SCREEN) if width > 360 else []
    assert width <= 360, f"{what} scrolls sideways on a phone ({width}px): {wide}"
    # Focus rings: a focused control draws a visible outline.
    control = page.locator("main :is(button, .button, input[type=checkbox], summary)").first
    control.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] != "none" and ring[1] >= 2, f"{what}: no clear focus ring ({ring})"


def test_the_self_check_its_answer_and_learn_are_phone_grade(
    phone: Any, live_server: Any, db: Any
) -> None:
    page, base = phone, live_server.url
    start(page, base)
    check_phone_grade(page, "the self-check")
    # The pain scale: 11 large buttons in at most two even rows, its ends in words.
    steps = page.locator(".pain-scale .scale-step")
    assert steps.count() == 11
    tops = {round(steps.nth(i).bounding_box()["y"]) for i in range(11)}
    assert len(tops) <= 2, f"the pain scale wraps into {len(tops)} rows"
    anchors = page.inner_text(".pain-scale .scale-anchors")
    assert "no pain" in anchors and "worst pain imaginable" in anchors
    page.locator(".pain-scale .scale-step").nth(7).click()  # the label is the tap target
    assert page.is_checked("input[name=pain_intensity][value='7']")
    basics(page, "52", "5", "40")
    page.check("input[name=pain_regions][value=lumbar]")
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("#now-h")
    for summary in page.locator("main details > summary").all():
        summary.click()  # what is folded must be tappable too once open
    check_phone_grade(page, "the answer page")
    screenshot(page, "phone-grade-answer")
    page.goto(f"{base}/learn/")
    check_phone_grade(page, "/learn/")


def test_the_clients_link_pages_are_phone_grade(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Ida")
    for purpose in ("intake", "checkin"):
        _, token = actions.create_link(by=therapist, client=client, purpose=purpose)
        page.goto(f"{base}/c/{purpose}/{token}/")
        check_phone_grade(page, f"the {purpose} link")
        screenshot(page, f"phone-grade-{purpose}")
    # Every step of the intake link, the detail steps too (pregnant, an operation, a strain).
    _, token = actions.create_link(by=therapist, client=client, purpose="intake")
    page.goto(f"{base}/c/intake/{token}/")
    answers = LINK_ANSWERS | BASICS | {"pregnant": "yes", "had_surgery": "yes", "had_injury": "yes"}
    answers |= {"pregnancy_weeks": "20", "pregnancy_high_risk": "no"}
    answers |= {"recent_surgery_weeks_ago": "30", "recent_injury_hours_ago": "100"}
    seen = []
    while page.locator("form.intake-step").count():
        step = page.input_value("input[name=step]")
        seen.append(step)
        check_phone_grade(page, f"the intake link's step {step}")
        answer_page(page, answers)
        with page.expect_navigation():
            page.click("[data-next]")
        assert len(seen) < 20, seen
    assert "pregnancy" in seen and "recent-details" in seen and len(seen) == 12
    # Every step of the check-in link, the cauda equina step too (a leg opens it).
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    answers = CHECKIN_ANSWERS | {"red_flags": ["none"], "pain": "4", "leg_symptoms": "yes"}
    answers |= {"cauda_equina": ["none"]}
    seen = []
    while page.locator("form.intake-step").count():
        step = page.input_value("input[name=step]")
        seen.append(step)
        check_phone_grade(page, f"the check-in link's step {step}")
        answer_page(page, answers)
        with page.expect_navigation():
            page.click("[data-next]")
        assert len(seen) < 10, seen
    assert seen == [step.slug for step in CHECKIN_STEPS]
    assert client.checkins.count() == 1


def test_the_emergency_and_see_a_doctor_answers_are_phone_grade(
    phone: Any, live_server: Any, db: Any
) -> None:
    page, base = phone, live_server.url
    for sign, advice in (
        ("saddle_numbness", "emergency"),
        ("unexplained_weight_loss", "see_doctor"),
    ):
        page.goto(f"{base}/self-check/")
        page.check(f"input[name=red_flags][value={sign}]")
        page.check("input[name=conditions][value=none]")
        page.check("input[name=medications][value=none]")
        page.fill("#id_age", "58")
        page.check("input[name=pain_intensity][value='4']")
        page.fill("#id_pain_duration_weeks", "8")
        page.check("input[name=pain_regions][value=lumbar]")
        page.click("button:has-text('See my answer')")
        page.wait_for_selector(f"[data-advice={advice}]")
        check_phone_grade(page, f"the {advice} answer")


def test_the_clients_answer_page_is_phone_grade(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Ola")
    _, token = actions.create_link(by=therapist, client=client, purpose="intake")
    page.goto(f"{base}/c/intake/{token}/")
    fill_intake_link(page, BASICS | {"age": "41", "medications": ["anticoagulant"]})
    page.wait_for_selector("#do-h")
    for summary in page.locator("main details > summary").all():
        summary.click()
    check_phone_grade(page, "the client's answer page")
    screenshot(page, "phone-grade-client-answer")
