"""The client's check-in link in short steps (issue 11, point 2; clinical-rules §6b): the warning
signs first with "None of these", an emergency at once, pain now, PEG's three items, the
after-effects with their own "None of these", the cauda equina questions only when they apply,
Back without losing answers, no question answered for the person, and nothing stored before the
last step; the stored check-in is the core's reading of the answers given."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from backcare.clinic import actions, limits
from backcare.clinic.checkin_steps import STEPS
from backcare.clinic.intake_steps import ANSWER_THIS, NONE_AND_OTHER
from backcare.clinic.models import CheckIn, ClientLink, ClinicAlert
from backcare.core.measures import score_peg
from backcare.core.models import Followup
from backcare.core.validation import validate
from support.checkin_link import checkin_url, post_checkin_step
from support.v11 import values_of
from support.world import World, browser_for
from support.zones import zone_on_another_day

# One person's check-in, step by step (no cauda equina step: no numbness, weakness or leg).
WALK: list[tuple[str, dict[str, Any]]] = [
    ("signs", {"red_flags": ["none"]}),
    ("pain", {"pain": "6"}),
    ("affects", {"peg_pain": "4", "peg_enjoyment": "6", "peg_activity": "7"}),
    (
        "after",
        {"side_effects": ["soreness", "bruising"], "side_effect_hours": "12", "leg_symptoms": "no"},
    ),
]


def _link(world: World) -> tuple[ClientLink, str]:
    return actions.create_link(by=world.therapist, client=world.client, purpose="checkin")


def names_in(page: str) -> set[str]:
    form = page[page.index('class="intake intake-step"') :]
    return set(re.findall(r'name="([a-z0-9_]+)"', form)) - {"csrfmiddlewaretoken", "step", "back"}


def step_count(page: str) -> tuple[int, int]:
    found = re.search(r"Step (\d+) of (\d+)", page)
    assert found, "no step count on the page"
    return int(found[1]), int(found[2])


def _walk_to(phone: Any, token: str, slug: str) -> None:
    for at, answers in WALK:
        if at == slug:
            return
        assert post_checkin_step(phone, token, at, answers).status_code == 302, at


def test_the_checkin_walks_in_steps_and_stores_exactly_the_answers(world: World) -> None:
    link, token = _link(world)
    phone = browser_for(None)
    assert [s.slug for s in STEPS][: len(WALK)] == [slug for slug, _ in WALK]
    for number, (slug, answers) in enumerate(WALK, start=1):
        page = phone.get(checkin_url(token, slug))
        assert page.status_code == 200
        body = page.content.decode()
        assert step_count(body) == (number, len(WALK)), slug
        assert "data-not-watched" in body  # §6b, on every step
        assert set(answers) <= names_in(body) and len(names_in(body)) <= 5, slug
        assert " checked" not in body, slug  # nothing answered for the person
        response = post_checkin_step(phone, token, slug, answers)
        if number < len(WALK):
            assert response.status_code == 302, (slug, response.content.decode()[:2000])
            assert response["Location"] == checkin_url(token, WALK[number][0])
            assert not CheckIn.objects.filter(client=world.client).exists()
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    stored = CheckIn.objects.get(client=world.client)
    # The core's reading of the same answers, field by field.
    core = validate(
        Followup,
        {
            "date": timezone.localdate().isoformat(),
            "pain": 6,
            "peg": float(score_peg([4, 6, 7])),
            "side_effects": ["soreness", "bruising"],
            "side_effect_hours": 12,
            "new_red_flags": {},
        },
    )
    assert stored.date == core.date and stored.pain == core.pain
    assert stored.peg == Decimal("5.7") == Decimal(str(core.peg))
    assert stored.side_effects == list(core.side_effects)
    assert stored.side_effect_hours == Decimal(str(core.side_effect_hours))
    assert stored.red_flags == list(core.new_red_flags.raised()) == []
    assert (stored.rmdq, stored.odi, stored.source) == (None, None, "client_link")
    link.refresh_from_db()
    assert link.used_at is not None
    assert phone.get(checkin_url(token)).status_code == 404  # used


def test_an_emergency_sign_answers_at_once_on_the_first_step(world: World) -> None:
    link, token = _link(world)
    phone = browser_for(None)
    response = post_checkin_step(phone, token, "signs", {"red_flags": ["saddle_numbness"]})
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
    body = response.content.decode()
    assert "Do not have a massage." in body and "have reached your clinic" in body
    # §6b: the clinic is told at once, though no check-in is stored without its pain.
    alert = ClinicAlert.objects.get(client=world.client)
    assert (alert.checkin, alert.rule, alert.next_step) == (None, "RF-CES-SADDLE", "emergency")
    assert not CheckIn.objects.filter(client=world.client).exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_the_signs_need_an_answer_and_none_of_these_is_one(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    empty = post_checkin_step(phone, token, "signs", {})
    assert empty.status_code == 422
    assert 'id="id_red_flags-error"' in empty.content.decode()
    both = post_checkin_step(phone, token, "signs", {"red_flags": ["none", "fever"]})
    assert both.status_code == 422
    assert NONE_AND_OTHER in both.content.decode().replace("&#x27;", "'")
    ok = post_checkin_step(phone, token, "signs", {"red_flags": ["none"]})
    assert ok.status_code == 302 and ok["Location"] == checkin_url(token, "pain")
    assert not CheckIn.objects.filter(client=world.client).exists()


def test_after_effects_are_a_required_choice_not_read_as_none(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    response = post_checkin_step(phone, token, "after", {"leg_symptoms": "no"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_side_effects-error"' in body and step_count(body)[0] == 4
    assert not CheckIn.objects.filter(client=world.client).exists()
    both = post_checkin_step(
        phone, token, "after", {"side_effects": ["none", "fever"], "leg_symptoms": "no"}
    )
    assert both.status_code == 422
    assert re.search(r'id="id_side_effects-error">[^<]*None of these', both.content.decode())
    done = post_checkin_step(
        phone, token, "after", {"side_effects": ["none"], "leg_symptoms": "no"}
    )
    assert done.status_code == 200
    stored = CheckIn.objects.get(client=world.client)
    assert stored.side_effects == [] and stored.side_effect_hours is None


def test_an_unanswered_question_is_asked_again_with_a_field_error(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "pain")
    response = post_checkin_step(phone, token, "pain", {})
    assert response.status_code == 422
    error = re.search(r'id="id_pain-error">([^<]*)<', response.content.decode())
    assert error and error[1] == ANSWER_THIS
    post_checkin_step(phone, token, "pain", {"pain": "3"})
    partial = {"peg_pain": "4", "peg_activity": "7"}
    response = post_checkin_step(phone, token, "affects", partial)
    assert response.status_code == 422
    body = response.content.decode()
    error = re.search(r'id="id_peg_enjoyment-error">([^<]*)<', body)
    assert error and error[1] == ANSWER_THIS
    assert re.search(r'name="peg_pain" value="4"[^>]*checked', body)  # kept
    # Skipping ahead by address lands on the step still unanswered; nothing is stored.
    page = phone.get(checkin_url(token, "after")).content.decode()
    assert "peg_enjoyment" in names_in(page)
    leg = post_checkin_step(phone, token, "after", {"side_effects": ["none"]})
    assert leg.status_code == 422  # the step posted: the leg question is asked again
    assert 'id="id_leg_symptoms-error"' in leg.content.decode()
    assert not CheckIn.objects.filter(client=world.client).exists()


def test_back_keeps_the_answers_of_both_pages(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "affects")
    half = {"peg_pain": "8"}
    response = post_checkin_step(phone, token, "affects", half | {"back": "1"})
    assert response.status_code == 302 and response["Location"] == checkin_url(token, "pain")
    pain = phone.get(response["Location"]).content.decode()
    assert re.search(r'name="pain" value="6"[^>]*checked', pain)
    affects = phone.get(checkin_url(token, "affects")).content.decode()
    assert re.search(r'name="peg_pain" value="8"[^>]*checked', affects)
    assert not re.search(r'name="peg_enjoyment"[^>]*checked', affects)
    assert not CheckIn.objects.filter(client=world.client).exists()


def test_the_cauda_equina_step_only_when_numbness_weakness_or_a_leg_opens_it(
    world: World,
) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    for opened in (
        {"side_effects": ["numbness"], "leg_symptoms": "no"},
        {"side_effects": ["weakness"], "leg_symptoms": "no"},
        {"side_effects": ["none"], "leg_symptoms": "yes"},
    ):
        response = post_checkin_step(phone, token, "after", opened)
        assert response.status_code == 302, opened
        assert response["Location"] == checkin_url(token, "cauda-equina")
        page = phone.get(response["Location"]).content.decode()
        assert names_in(page) == {"cauda_equina"} and step_count(page) == (5, 5)
        assert " checked" not in page
    empty = post_checkin_step(phone, token, "cauda-equina", {})
    assert empty.status_code == 422
    assert 'id="id_cauda_equina-error"' in empty.content.decode()
    assert not CheckIn.objects.filter(client=world.client).exists()
    # "None of these": sent, with the leg answer opening it not stored (no contract field).
    response = post_checkin_step(phone, token, "cauda-equina", {"cauda_equina": ["none"]})
    assert response.status_code == 200 and values_of(response.content, "data-advice") != [
        "emergency"
    ]
    stored = CheckIn.objects.get(client=world.client)
    assert stored.red_flags == [] and stored.side_effects == []


def test_no_cauda_equina_step_without_a_trigger(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    page = phone.get(checkin_url(token, "after")).content.decode()
    assert step_count(page) == (4, 4) and "Send to my therapist" in page
    response = post_checkin_step(phone, token, "after", WALK[-1][1])
    assert response.status_code == 200
    assert CheckIn.objects.filter(client=world.client).count() == 1


def test_a_cauda_equina_sign_on_the_last_step_is_the_emergency_and_reaches_the_clinic(
    world: World,
) -> None:
    link, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    post_checkin_step(phone, token, "after", {"side_effects": ["numbness"], "leg_symptoms": "no"})
    response = post_checkin_step(
        phone, token, "cauda-equina", {"cauda_equina": ["bilateral_leg_symptoms"]}
    )
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
    assert "have reached your clinic" in response.content.decode()
    stored = CheckIn.objects.get(client=world.client)
    assert stored.red_flags == ["bilateral_leg_symptoms"] and stored.side_effects == ["numbness"]
    assert stored.clinic_alerts.filter(next_step="emergency").exists()
    link.refresh_from_db()
    assert link.used_at is not None


def test_the_answers_wait_in_the_session_not_in_the_page(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    page = phone.get(checkin_url(token, "after")).content.decode()
    form = page[page.index("<form") :]
    hidden = re.findall(r'type="hidden" name="([a-z_]+)"', form)
    assert set(hidden) <= {"csrfmiddlewaretoken", "step"}
    # Another phone (another session) starts from the first step.
    other = browser_for(None).get(checkin_url(token)).content.decode()
    assert step_count(other)[0] == 1 and names_in(other) == {"red_flags"}


def test_anything_else_for_the_therapist_is_stored_and_shown_to_them(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    words = "The stretches <b>helped</b>; I sleep better."
    response = post_checkin_step(phone, token, "after", WALK[-1][1] | {"note": words})
    assert response.status_code == 200
    assert CheckIn.objects.get(client=world.client).note == words
    page = browser_for(world.therapist).get(reverse("client_detail", args=[world.client.pk]))
    assert "They wrote: “The stretches &lt;b&gt;helped&lt;/b&gt;; I sleep better.”" in (
        page.content.decode()
    )


def test_a_note_beyond_its_bound_is_asked_again_and_nothing_is_stored(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    _walk_to(phone, token, "after")
    long = "x" * (limits.CHECKIN_NOTE + 1)
    response = post_checkin_step(phone, token, "after", WALK[-1][1] | {"note": long})
    assert response.status_code == 422
    assert 'id="id_note-error"' in response.content.decode()
    assert not CheckIn.objects.filter(client=world.client).exists()
    with pytest.raises(actions.ActionError):
        actions.record_checkin(
            by=world.therapist, client=world.client, when=timezone.localdate(), pain=3, note=long
        )
    assert not CheckIn.objects.filter(client=world.client).exists()


def _checkin_on_another_day(world: World) -> tuple[zoneinfo.ZoneInfo, Any]:
    """The clinic put in a zone on another calendar day than UTC, then a check-in sent through
    its link: the zone and the last step's answer."""
    zone = zoneinfo.ZoneInfo(zone_on_another_day())
    clinic = world.client.clinic
    clinic.time_zone = zone.key
    clinic.save()
    _, token = _link(world)
    phone = browser_for(None)
    for slug, answers in WALK:
        response = post_checkin_step(phone, token, slug, answers)
    assert response.status_code == 200
    return zone, response


def test_the_checkin_is_dated_by_the_clinics_calendar_not_utcs(world: World) -> None:
    utc_day = timezone.localdate(timezone=dt.UTC)
    zone, _ = _checkin_on_another_day(world)
    stored = CheckIn.objects.get(client=world.client)
    assert stored.date == timezone.localdate(timezone=zone) != utc_day


def test_the_link_pages_show_times_in_the_clinics_zone_not_utcs(world: World) -> None:
    """A client on a link is not signed in: the page that thanks them still says when their
    answers were sent by the clinic's clock (clinic/portal.py::_link_pages), here on another
    calendar day than UTC's."""
    zone, response = _checkin_on_another_day(world)
    sent = CheckIn.objects.get(client=world.client).created_at
    local, utc = sent.astimezone(zone), sent.astimezone(dt.UTC)
    assert local.date() != utc.date()
    shown = re.findall(r"<p data-sent>(.*?)</p>", response.content.decode())
    assert shown == [f"Sent on {local.day} {local:%b %Y, %H:%M}."]
    # The zone was the page's only: the next request (no link) is back in the site's zone.
    assert timezone.get_current_timezone_name() == "UTC"
