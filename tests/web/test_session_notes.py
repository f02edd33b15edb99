"""Notes that are quick to write (issue 15, point 2): the session form starts from the plan,
shows the §6a check once beside the fields it checks, shows the last note, saves and signs in
one go; the body map has left and right; the session page says who signed and amended."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import state_of
from backcare.clinic.models import BODY_REGIONS, Session
from backcare.core.wording import REGIONS
from backcare.selfcheck.views import SelfCheckForm
from support.v11 import light_client, tags, values_of
from support.world import SESSION_VALUES, World, browser_for


def _form(**given: Any) -> dict[str, Any]:
    return {
        "date": "2026-01-12",
        "pain_before": "5",
        "pain_after": "3",
        "techniques": ["swedish"],
        "pressure": "light",
        "regions": ["lumbar-left"],
        "subjective": "Slept better.",
        "objective": "Less guarding on the left.",
        "assessment_note": "Improving.",
        "plan_note": "Same again next week.",
    } | given


def _checked(html: bytes, name: str) -> list[str]:
    return [a["value"] for a in tags(html, "name") if a["name"] == name and "checked" in a]


def test_the_form_starts_from_the_plan_of_the_clients_assessment(world: World) -> None:
    assessment = state_of(world.client).assessment  # the core's answer for this client
    recommended = [
        key
        for key, verdict in assessment.techniques.to_json().items()
        if verdict["verdict"] == "recommended"
    ]
    assert recommended and assessment.max_pressure  # the plan gives something to start from
    page = browser_for(world.therapist).get(reverse("session_new", args=[world.client.pk]))
    assert page.status_code == 200
    assert sorted(_checked(page.content, "techniques")) == sorted(recommended)
    selected = [a["value"] for a in tags(page.content, "selected") if "value" in a]
    assert assessment.max_pressure in selected
    assert values_of(page.content, "data-plan-pressure") == [""]  # the limit is shown once
    (minutes,) = [a for a in tags(page.content, "name") if a["name"] == "minutes"]
    assert assessment.plan is not None
    assert minutes["value"] == str(assessment.plan.session_minutes)  # the plan's length
    assert values_of(page.content, "data-cause") == []  # the plan breaks nothing
    assert values_of(page.content, "data-override") == []  # so no confirmation is asked


def test_a_client_who_may_have_light_pressure_only_starts_at_light(world: World) -> None:
    client = light_client(world)
    assessment = state_of(client).assessment
    assert assessment.max_pressure == "light"
    page = browser_for(world.therapist).get(reverse("session_new", args=[client.pk]))
    selected = [a["value"] for a in tags(page.content, "selected") if "value" in a]
    assert "light" in selected and "firm" not in selected
    avoided = {k for k, v in assessment.techniques.to_json().items() if v["verdict"] == "avoid"}
    assert not avoided & set(_checked(page.content, "techniques"))


def test_a_breach_of_the_plan_shows_the_check_once_beside_the_pressure(world: World) -> None:
    client = light_client(world)
    browser = browser_for(world.therapist)
    response = browser.post(reverse("session_new", args=[client.pk]), _form(pressure="firm"))
    assert response.status_code == 422  # without JavaScript: the submit shows the check
    html = response.content.decode()
    assert values_of(html, "data-cause") == ["pressure"]
    assert html.count('id="session-check"') == 1
    # beside the field it checks: after the pressure, before the body map and the note
    assert html.index('name="pressure"') < html.index('id="session-check"')
    assert html.index('id="session-check"') < html.index('class="body-map"')
    assert html.index('id="session-check"') < html.index('name="subjective"')
    assert not Session.objects.filter(client=client).exists()
    # the live check (htmx) answers the same, once
    live = browser.post(reverse("session_check", args=[client.pk]), {"pressure": "firm"})
    assert values_of(live.content, "data-cause") == ["pressure"]
    # ... with the confirmation it asks for, once, after the prompt, keeping what was typed
    for page in (html, live.content.decode()):
        assert page.count("data-override") == 1
        assert page.index('data-cause="pressure"') < page.index("data-override")
    typed = browser.post(
        reverse("session_check", args=[client.pk]),
        {"pressure": "firm", "override_reason": "Client asked for firmer work."},
    ).content.decode()
    assert "Client asked for firmer work." in typed
    # back within the plan: the prompt and its confirmation go together
    within = browser.post(reverse("session_check", args=[client.pk]), {"pressure": "light"})
    assert values_of(within.content, "data-cause") == []
    assert "data-override" not in within.content.decode()


def test_save_and_sign_stores_a_signed_session_with_its_audit_rows(world: World) -> None:
    browser = browser_for(world.therapist)
    c = world.client.pk
    response = browser.post(reverse("session_new", args=[c]), _form(sign="1", minutes="45"))
    session = Session.objects.get(client=world.client, number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("session_detail", args=[c, session.pk])
    assert session.signed and session.signed_by == world.therapist
    assert session.plan_note == "Same again next week."
    assert session.minutes == 45
    actions_written = list(
        AuditEvent.objects.filter(object_id=str(session.pk), action__startswith="session.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions_written == ["session.create", "session.sign"]
    page = browser.get(response["Location"])
    assert b"saved, signed and locked" in page.content


def test_a_refused_save_and_sign_leaves_no_session_and_no_audit_row(world: World) -> None:
    client = light_client(world)
    before = AuditEvent.objects.filter(action__in=["session.create", "session.sign"]).count()
    browser = browser_for(world.therapist)
    response = browser.post(
        reverse("session_new", args=[client.pk]), _form(pressure="firm", sign="1")
    )
    assert response.status_code == 422
    assert not Session.objects.filter(client=client).exists()
    after = AuditEvent.objects.filter(action__in=["session.create", "session.sign"]).count()
    assert after == before


def test_the_previous_note_is_shown_beside_the_form(world: World) -> None:
    actions.amend_session(
        by=world.therapist,
        session=actions.sign_session(by=world.therapist, session=world.session),
        changes={"plan_note": "Add hip mobility next time."},
        reason="Forgot the plan",
    )
    page = browser_for(world.therapist).get(reverse("session_new", args=[world.client.pk]))
    html = page.content.decode()
    (shown,) = tags(html, "data-previous-note")
    assert shown is not None
    note = html[html.index("data-previous-note") : html.index("</aside>")]
    assert SESSION_VALUES["subjective"] in note
    assert "Add hip mobility next time." in note  # the note as amended
    assert html.index("data-previous-note") < html.index('<form method="post" class="session"')


def test_the_body_map_has_left_and_right_in_words_and_stores_the_side(world: World) -> None:
    browser = browser_for(world.therapist)
    page = browser.get(reverse("session_new", args=[world.client.pk])).content.decode()
    cells = tags(page, "data-side")
    assert {(a["data-region"], a["data-side"]) for a in cells} == {
        (code, code.partition("-")[2]) for code, _ in BODY_REGIONS
    }
    for words in dict(REGIONS).values():
        assert f"{words}, </span>Left" in page and f"{words}, </span>Right" in page
    browser.post(reverse("session_new", args=[world.client.pk]), _form(regions=["lumbar-left"]))
    assert Session.objects.get(client=world.client, number=2).regions == ["lumbar-left"]


def test_the_session_page_says_who_signed_and_who_amended_and_folds_amendments(
    world: World,
) -> None:
    session = actions.sign_session(by=world.therapist, session=world.session)
    actions.amend_session(
        by=world.therapist, session=session, changes={"pain_after": 3}, reason="Typo in pain"
    )
    page = browser_for(world.therapist).get(
        reverse("session_detail", args=[world.client.pk, session.pk])
    )
    html = page.content.decode()
    name = world.therapist.therapist.display_name
    signed = html[html.index("data-signed-by") : html.index("</dd>", html.index("data-signed-by"))]
    assert name in signed
    amended = html[
        html.index("data-amended-by") : html.index("</dd>", html.index("data-amended-by"))
    ]
    assert name in amended
    assert "<details data-amendments>" in html and "Typo in pain" in html
    assert "<details data-amend>" in html  # the amendment form is folded, with the body map
    amend_form = html[html.index("<details data-amend>") :]
    assert 'class="body-map"' in amend_form
    headings = [h for h in ("What was done", "How it went", "Note (SOAP)") if h in html]
    assert headings == ["What was done", "How it went", "Note (SOAP)"]


def test_an_amendment_can_change_the_side_on_the_map(world: World) -> None:
    session = actions.sign_session(by=world.therapist, session=world.session)
    browser = browser_for(world.therapist)
    values = session.current_values() | {"regions": ["gluteal-right"]}
    form = {k: ("" if v is None else v) for k, v in values.items()} | {"reason": "Wrong side"}
    response = browser.post(reverse("session_amend", args=[world.client.pk, session.pk]), form)
    assert response.status_code == 302
    assert session.current_values()["regions"] == ["gluteal-right"]


def test_the_self_check_map_has_sides_and_sends_the_contracts_regions(db: Any) -> None:
    browser = browser_for(None)
    page = browser.get(reverse("self_check")).content.decode()
    sides = {(a["data-region"], a["data-side"]) for a in tags(page, "data-side")}
    assert ("lumbar-left", "left") in sides and ("lumbar", "none") in sides
    assert ("gluteal-right", "right") in sides
    answers = {
        "red_flags": ["none"],
        "conditions": ["none"],
        "medications": ["none"],
        "age": "40",
        "sex": "female",
        "pain_intensity": "5",
        "pain_duration_weeks": "8",
        "pain_regions": ["lumbar-left", "gluteal-right", "lumbar-right"],
        "pain_onset": "gradual",
        "pain_radiation": "none",
    }
    form = SelfCheckForm(answers)
    assert form.is_valid(), form.errors
    assert form.intake is not None
    assert list(form.intake.pain.regions) == ["lumbar", "gluteal"]  # the contract's regions
    assert form.pain_sides == ["lumbar-left", "gluteal-right", "lumbar-right"]
    assert not Session.objects.exists()


def test_the_self_check_answer_tells_back_the_sides(db: Any) -> None:
    answers = {
        "red_flags": ["none"],
        "conditions": ["none"],
        "medications": ["none"],
        "age": "40",
        "sex": "female",
        "pain_intensity": "5",
        "pain_duration_weeks": "8",
        "pain_regions": ["lumbar-left", "gluteal-right"],
        "pain_onset": "gradual",
        "pain_radiation": "none",
    }
    response = browser_for(None).post(reverse("self_check"), answers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "where it hurts: lower back on the left, buttocks on the right" in html


def test_minutes_out_of_bounds_are_refused_beside_the_field(world: World) -> None:
    browser = browser_for(world.therapist)
    response = browser.post(reverse("session_new", args=[world.client.pk]), _form(minutes="0"))
    assert response.status_code == 422
    assert 'id="id_minutes-error"' in response.content.decode()
    assert not Session.objects.filter(client=world.client, number=2).exists()
    with pytest.raises(actions.ActionError):
        actions.record_session(
            by=world.therapist,
            client=world.client,
            when=dt.date(2026, 1, 12),
            values=dict(SESSION_VALUES, minutes=10_000),
        )
