"""Filling the client's intake or check-in link in a real browser, one step a page
(clinic/intake_steps.py, checkin_steps.py): each page's questions answered from a dict, then
"Next", as a person on a phone does."""

from __future__ import annotations

from typing import Any

from support.checkin_link import CHECKIN_ANSWERS
from support.intake_link import LINK_ANSWERS

FIELDS = """() => [...new Set([...document.querySelectorAll('form.intake-step [name]')]
  .map((el) => el.name))].filter((n) => !['csrfmiddlewaretoken', 'step', 'back'].includes(n))"""


def answer_page(page: Any, answers: dict[str, Any]) -> list[str]:
    """Answer the questions of the step on screen that `answers` has; return those asked."""
    asked: list[str] = page.evaluate(FIELDS)
    for name in asked:
        if name not in answers:
            continue
        value = answers[name]
        first = page.locator(f"[name={name}]").first
        kind = first.get_attribute("type") or first.evaluate("el => el.tagName.toLowerCase()")
        if kind in ("checkbox", "radio"):
            for v in value if isinstance(value, list) else [value]:
                page.check(f"input[name={name}][value='{v}']")
        elif kind == "select":
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    return asked


def fill_intake_link(page: Any, answers: dict[str, Any]) -> None:
    """Every step, answered from `answers` over LINK_ANSWERS (nothing is answered for the
    person: a question neither dict answers is left for the page to ask again), to the last
    "Send to my therapist"; stops on a page that is not a step (the answer, or an emergency)."""
    fill_link(page, LINK_ANSWERS | answers)


def fill_checkin_link(page: Any, answers: dict[str, Any], *, until: str | None = None) -> None:
    """The check-in link's steps as fill_intake_link does the intake's, over CHECKIN_ANSWERS;
    with `until`, it stops on that step, unanswered."""
    fill_link(page, CHECKIN_ANSWERS | answers, until)


def fill_link(page: Any, everything: dict[str, Any], until: str | None = None) -> None:
    for _ in range(20):
        if not page.locator("form.intake-step").count():
            return
        step = page.input_value("input[name=step]")
        if step == until:
            return
        answer_page(page, everything)
        with page.expect_navigation():
            page.click("[data-next]")
        again = page.locator("input[name=step]")
        if again.count() and again.input_value() == step:
            raise AssertionError(f"step {step} was asked again: {page.inner_text('main')[:500]}")
    raise AssertionError("the link never ended")
