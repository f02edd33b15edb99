"""The therapist's path and the client's path, in a real browser."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.models import Client, Session
from backcare.core.rules.tables import load_tables
from backcare.core.wording import PRESSURES, STATUS, label

from .conftest import axe_violations, screenshot, sign_in
from .link_steps import fill_checkin_link, fill_intake_link


def test_therapist_path(desktop: Any, live_server: Any, therapist: User) -> None:
    page, base = desktop, live_server.url
    sign_in(page, base)
    page.click("text=New client")
    page.fill("#id_full_name", "Carol Client")
    page.click("text=Create and start the intake")
    # the intake
    page.fill("#id_age", "52")
    page.check("input[name=pain_intensity][value='6']")
    page.fill("#id_pain_duration_weeks", "20")
    page.check("input[name=pain_regions][value=lumbar]")
    page.check("#id_findings_trigger_points")
    page.check("input[name=medications][value=nsaid]")
    # the warning signs and conditions are answered too: "None of these" is an answer
    page.check("input[name=red_flags][value=none]")
    page.check("input[name=conditions][value=none]")
    page.click("button:has-text('Assess')")
    page.wait_for_selector("section.banner-proceed")
    meaning = load_tables().dispositions["proceed"]
    assert meaning["therapist_headline"] in page.inner_text("section.banner-proceed")
    assert "Trigger point therapy: Recommended" in page.inner_text(".techniques")
    screenshot(page, "therapist-assessment")
    client = Client.objects.get(full_name="Carol Client")
    # three sessions, each marked on the body map and signed
    for number, (date, before, after) in enumerate(
        [("2026-01-05", 6, 4), ("2026-01-12", 5, 3), ("2026-01-19", 4, 2)], start=1
    ):
        page.goto(f"{base}/clients/{client.pk}/")
        page.click("text=Record a session")
        page.fill("#id_date", date)
        page.select_option("#id_pain_before", str(before))
        page.select_option("#id_pain_after", str(after))
        page.check("input[name=techniques][value=trigger_point]")
        page.select_option("#id_pressure", "medium")
        page.click(".body-map label[data-region=lumbar-left]")
        page.keyboard.press("Tab")
        page.click("button:has-text('Save session')")
        page.wait_for_selector(f"h1:has-text('Session {number}')")
        page.click("button:has-text('Sign and lock this session')")
        page.wait_for_selector("text=signed and locked")
    sessions = list(Session.objects.filter(client=client).order_by("number"))
    assert [s.pain_before for s in sessions] == [6, 5, 4]
    assert all(s.signed for s in sessions)
    assert sessions[0].regions == ["lumbar-left"]  # chosen on the map
    # the progress chart shows them
    page.goto(f"{base}/clients/{client.pk}/progress/")
    page.wait_for_selector("canvas#pain-chart[data-ready=true]")
    assert page.get_attribute("canvas#pain-chart", "data-points") == "3"
    assert page.get_attribute("section.banner", "data-next-step") == "continue"
    assert STATUS["meaningful_improvement"] in page.inner_text("section.banner")
    screenshot(page, "therapist-progress")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_client_path_on_a_phone(phone: Any, live_server: Any, therapist: User) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(
        by=therapist, therapist=therapist.therapist, full_name="Dora Phone"
    )
    _, token = actions.create_link(by=therapist, client=client, purpose="intake")
    page.goto(f"{base}/c/intake/{token}/")
    assert not axe_violations(page), "the intake form has serious accessibility problems"
    fill_intake_link(  # in steps (clinic/intake_steps.py); "None of these" is an answer
        page,
        {
            "red_flags": ["none"],
            "age": "34",
            "sex": "female",
            "pain_intensity": "4",
            "pain_duration_weeks": "3",
            "pain_regions": ["lumbar"],
            "pain_onset": "gradual",
            "pain_radiation": "none",
            "medications": ["anticoagulant"],
        },
    )
    page.wait_for_selector("section.banner")
    assert "with precautions" in page.inner_text("section.banner")
    # the pressure limit, in the answer's lay words (includes/lay_answer.html)
    limit = label(PRESSURES, "light").lower()
    assert f"<strong>{limit} pressure</strong> at most" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "client-assessment-phone")
    assert not axe_violations(page), "the client's assessment has serious accessibility problems"
    # a check-in from the phone
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    answers = {"red_flags": ["none"], "pain": "3", "side_effects": ["soreness"]}
    fill_checkin_link(page, answers | {"side_effect_hours": "20"}, until="after")
    assert not axe_violations(page), "the check-in form has serious accessibility problems"
    fill_checkin_link(page, answers | {"side_effect_hours": "20"})
    page.wait_for_selector("text=Thank you")
    screenshot(page, "client-checkin-phone")
    assert client.checkins.get().pain == 3
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_an_emergency_at_check_in_is_said_first(
    phone: Any, live_server: Any, therapist: User
) -> None:
    page, base = phone, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Eve")
    from backcare.core.validation import parse_intake

    actions.record_intake(
        by=therapist,
        client=client,
        intake=parse_intake(
            {
                "schema": "backcare.intake/1",
                "age": 40,
                "pain": {"intensity": 4, "duration_weeks": 10, "regions": ["lumbar"]},
            }
        ),
    )
    _, token = actions.create_link(by=therapist, client=client, purpose="checkin")
    page.goto(f"{base}/c/checkin/{token}/")
    page.check("input[name=red_flags][value=saddle_numbness]")  # the first step: said at once
    page.click("[data-next]")
    page.wait_for_selector("[data-advice=emergency]")
    heading = page.wait_for_selector("h1")
    assert heading.inner_text() == "Get medical help now"
    assert not axe_violations(page)
    screenshot(page, "client-checkin-emergency")


def test_therapist_pages_are_accessible_and_the_body_map_works_by_keyboard(
    desktop: Any, live_server: Any, therapist: User
) -> None:
    from backcare.core.validation import parse_intake

    page, base = desktop, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Kay")
    actions.record_intake(
        by=therapist,
        client=client,
        intake=parse_intake(
            {
                "schema": "backcare.intake/1",
                "age": 40,
                "pain": {"intensity": 5, "duration_weeks": 20, "regions": ["lumbar"]},
                "medications": ["anticoagulant"],
            }
        ),
    )
    import datetime as dt
    from decimal import Decimal

    client.intakes.update(baseline_rmdq=12)
    actions.record_checkin(
        by=therapist, client=client, when=dt.date(2026, 2, 1), pain=4, rmdq=8,
        peg=Decimal("4.3"), source="therapist",
    )  # fmt: skip
    sign_in(page, base)
    page.goto(f"{base}/clients/{client.pk}/progress/")
    page.wait_for_selector("canvas#disability-chart[data-ready=true]")
    for path in (
        "/",
        "/clients/needs-attention/",
        f"/clients/{client.pk}/",
        f"/clients/{client.pk}/intakes/new/",
        f"/clients/{client.pk}/intakes/{client.current_intake.pk}/",
        f"/clients/{client.pk}/progress/",
    ):
        page.goto(base + path)
        assert not axe_violations(page), path
    # the body map, by keyboard only: its boxes are real checkboxes, Space marks one
    page.goto(f"{base}/clients/{client.pk}/sessions/new/")
    assert not axe_violations(page)
    page.focus("input[name=regions][value=sacral-right]")
    page.keyboard.press("Space")
    assert page.is_checked("input[name=regions][value=sacral-right]")
    page.keyboard.press("Space")
    assert not page.is_checked("input[name=regions][value=sacral-right]")
    assert page.console_errors == []  # type: ignore[attr-defined]
