"""The session form in a real browser at 1366 px (issue 15, point 2): it starts from the plan,
shows the §6a check once while the plan is broken, shows the last note, the body map is large
and works by keyboard, "Save and sign" stores a signed session, and the amendment (folded, with
the body map) names who amended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import state_of
from backcare.clinic.models import Session
from support.v11 import LIGHT_INTAKE
from support.world import SESSION_VALUES, add_client

from .conftest import axe_violations, screenshot, sign_in


@pytest.fixture
def laptop(browser: Any) -> Iterator[Any]:
    """A therapist's laptop screen: 1366 x 768."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def test_a_session_from_the_plan_signed_from_the_form_then_amended(
    laptop: Any, live_server: Any, therapist: User
) -> None:
    page, base = laptop, live_server.url
    client = add_client(therapist, "Lena Light", LIGHT_INTAKE)  # light pressure at most
    first = actions.record_session(
        by=therapist,
        client=client,
        when=dt.date(2026, 1, 5),
        values=SESSION_VALUES | {"pressure": "light", "techniques": ["swedish"]},
    )
    actions.sign_session(by=therapist, session=first)
    assessment = state_of(client).assessment
    recommended = sorted(
        k for k, v in assessment.techniques.to_json().items() if v["verdict"] == "recommended"
    )
    sign_in(page, base)
    page.goto(f"{base}/clients/{client.pk}/sessions/new/")

    # The form starts from the plan: its pressure limit and the techniques it recommends.
    assert page.input_value("#id_pressure") == assessment.max_pressure == "light"
    checked = page.eval_on_selector_all(
        "input[name=techniques]:checked", "els => els.map(e => e.value).sort()"
    )
    assert checked == recommended
    # The last note is on screen beside the form.
    assert page.is_visible("[data-previous-note]")
    assert SESSION_VALUES["subjective"] in page.inner_text("[data-previous-note]")
    assert not axe_violations(page)

    # §6a live: breaking the plan shows the check once, beside the pressure; undoing clears it.
    page.select_option("#id_pressure", "firm")
    page.wait_for_selector("[data-cause=pressure]")
    assert page.locator("[data-cause]").count() == 1
    page.select_option("#id_pressure", "light")
    page.wait_for_selector("[data-cause]", state="detached")

    # The body map: large, labelled in words, a real checkbox worked by keyboard.
    box = page.locator(".body-map").bounding_box()
    assert box is not None and box["height"] >= 300
    lower_left = page.get_by_label("Lower back, left")
    lower_left.focus()
    page.keyboard.press("Space")
    assert lower_left.is_checked()
    ring = page.evaluate(
        "() => getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )
    assert ring != "none"  # the focused place is visibly marked
    cells = page.locator(".body-map .body-map-cell")
    for i in range(cells.count()):
        cell = cells.nth(i).bounding_box()
        assert cell is not None and cell["height"] >= 44 and cell["width"] >= 44
    assert not axe_violations(page)

    page.select_option("#id_pain_before", "5")
    page.select_option("#id_pain_after", "3")
    page.fill("#id_subjective", "Slept through the night.")
    page.fill("#id_plan_note", "Same again next week.")
    screenshot(page, "session-form-from-the-plan")
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=saved, signed and locked")
    session = Session.objects.get(client=client, number=2)
    assert session.signed and session.signed_by == therapist
    assert session.regions == ["lumbar-left"]
    assert session.pressure == "light" and sorted(session.techniques) == recommended
    assert list(
        AuditEvent.objects.filter(
            object_id=str(session.pk), action__in=["session.create", "session.sign"]
        )
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["session.create", "session.sign"]
    assert "Alice Ng" in page.inner_text("[data-signed-by]")
    assert not axe_violations(page)

    # The amendment form is folded; open, it has the body map.
    assert not page.is_visible("details[data-amend] .body-map")
    page.click("details[data-amend] > summary")
    page.get_by_label("Buttocks, right").check()
    page.fill("#id_reason", "The right buttock was worked on too.")
    page.click("button:has-text('Save amendment')")
    page.wait_for_selector("[data-amended-by]")
    assert "Alice Ng" in page.inner_text("[data-amended-by]")
    session.refresh_from_db()
    assert session.current_values()["regions"] == ["lumbar-left", "gluteal-right"]
    assert session.regions == ["lumbar-left"]  # the original is kept
    screenshot(page, "session-page-grouped")
    assert page.console_errors == []  # type: ignore[attr-defined]
