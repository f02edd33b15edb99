"""Issue 15, point 1: the client page leads with one primary action that follows from the
client's one state; the rest is grouped and quieter; erasing is apart and confirmed; every
save says it was saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from backcare.clinic import actions
from backcare.clinic.next_action import primary_action
from support.states import STATES, build
from support.world import INTAKE, World, browser_for, make_therapist

PRIMARY = re.compile(r"<a ([^>]*\bdata-primary-action=[^>]*)>")
ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def state(step: str, *alerts: tuple[str, str]) -> dict[str, Any]:
    return {"next_step": step, "alerts": [{"rule": r, "next_step": s} for r, s in alerts]}


# (state, intake id) -> (key, address, style): the table the function is.
TABLE = [
    (None, None, ("intake", "/clients/7/intakes/new/", "")),
    (
        state("emergency", ("AL-NEW-RED-FLAG", "emergency")),
        3,
        ("handover", "/clients/7/referral-letter/", "urgent"),
    ),
    (
        state("see_doctor", ("AL-UNRESOLVED-REFERRAL", "see_doctor")),
        3,
        ("clearance", "/clients/7/intakes/3/#clearance", "urgent"),
    ),
    (
        state("see_doctor", ("AL-UNRESOLVED-REFERRAL", "see_doctor"), ("AL-FEVER", "see_doctor")),
        3,
        ("review", "/clients/7/#review", "urgent"),
    ),
    (
        state("see_doctor", ("AL-WORSENING", "see_doctor")),
        3,
        ("review", "/clients/7/#review", "urgent"),
    ),
    (state("reassess", ("AL-PLATEAU", "reassess")), 3, ("reassess", "/clients/7/intakes/new/", "")),
    (state("adjust", ("AL-BRUISING", "adjust")), 3, ("session", "/clients/7/sessions/new/", "")),
    (state("continue"), 3, ("session", "/clients/7/sessions/new/", "")),
]


@pytest.mark.parametrize(("given", "intake", "want"), TABLE)
def test_the_primary_action_follows_the_next_step(
    given: dict[str, Any] | None, intake: int | None, want: tuple[str, str, str]
) -> None:
    got = primary_action(given, 7, intake)
    assert (got["key"], got["url"], got["style"]) == want


# Each built state's expected primary action: (key, URL name and its suffix, urgent?).
BY_STATE = {
    "emergency_at_intake": ("handover", "referral_letter", "", True),
    "urgent_referral": ("clearance", "intake_detail", "#clearance", True),
    "cleared": ("session", "session_new", "", False),
    "warning_at_session": ("review", "client_detail", "#review", True),
    "warning_at_checkin": ("handover", "referral_letter", "", True),
    "reviewed": ("session", "session_new", "", False),
    "worsening": ("review", "client_detail", "#review", True),
    "plateau": ("reassess", "intake_new", "", False),
    "fine": ("session", "session_new", "", False),
}


def primary_of(html: str) -> dict[str, str]:
    (found,) = PRIMARY.findall(html)  # exactly one primary action
    assert html.count("button primary") == 1
    return dict(ATTR.findall(found))


def test_every_built_state_is_in_the_table() -> None:
    assert set(BY_STATE) == set(STATES)


@pytest.mark.parametrize("key", STATES)
def test_the_client_page_leads_with_its_states_action(world: World, key: str) -> None:
    built = build(key, world.therapist)
    client = built.client
    action, name, suffix, urgent = BY_STATE[key]
    args = [client.pk] if name != "intake_detail" else [client.pk, client.current_intake.pk]
    html = browser_for(world.therapist).get(reverse("client_detail", args=[client.pk]))
    assert html.status_code == 200
    got = primary_of(html.content.decode())
    assert got["data-primary-action"] == action
    assert got["href"] == reverse(name, args=args) + suffix
    assert got["class"] == "button primary" + (" urgent" if urgent else "")
    if action == "review":  # the review form is open where the action points
        assert '<details id="review" open>' in html.content.decode()


def test_a_client_without_an_intake_starts_with_the_intake(world: World) -> None:
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="Nina New"
    )
    html = browser_for(world.therapist).get(reverse("client_detail", args=[client.pk]))
    got = primary_of(html.content.decode())
    assert got["href"] == reverse("intake_new", args=[client.pk])
    assert got["class"] == "button primary"


def erase_section(user: User, client_id: int) -> str:
    html = browser_for(user).get(reverse("client_detail", args=[client_id])).content.decode()
    return html.split('data-danger="erase"', 1)[1] if 'data-danger="erase"' in html else ""


def test_erasing_is_apart_red_and_confirmed_and_for_admins_only(world: World) -> None:
    section = erase_section(world.therapist, world.client.pk)
    assert 'name="confirm_name"' in section  # the confirmation step: type the name
    assert '<button type="submit" class="danger">Erase the record</button>' in section
    html = browser_for(world.therapist).get(reverse("client_detail", args=[world.client.pk]))
    page = html.content.decode()
    assert page.index('data-danger="erase"') > page.index("Intake history")  # last
    plain = make_therapist("paul", world.therapist.therapist.clinic)
    assert erase_section(plain, world.client.pk) == ""


def test_adding_a_client_and_saving_an_intake_say_so(world: World) -> None:
    browser = browser_for(world.therapist)
    response = browser.post(reverse("client_new"), {"full_name": "Mia Message"}, follow=True)
    assert "Mia Message was added: now the intake." in response.content.decode()
    (client_id,) = response.redirect_chain[-1][0].split("/")[2:3]
    form = {
        "age": str(INTAKE["age"]),
        "sex": "female",
        "pain_intensity": "6",
        "pain_duration_weeks": "20",
        "pain_regions": ["lumbar"],
        "pain_onset": "gradual",
        "pain_radiation": "none",
        "red_flags": ["none"],
        "conditions": ["none"],
        "medications": ["none"],
    }
    response = browser.post(reverse("intake_new", args=[int(client_id)]), form, follow=True)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "Intake saved and assessed." in response.content.decode()
