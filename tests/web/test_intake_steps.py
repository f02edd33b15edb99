"""The client's intake link in short steps (issue 11, point 2): a few questions a page with a
visible step count, Back without losing answers, no JavaScript needed, no clinical question
answered for the person, "None of these" an answer of its own, detail questions only when they
apply, and nothing stored as an intake before the last step."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.urls import reverse

from backcare.clinic import actions
from backcare.clinic.intake_steps import ANSWER_THIS, NONE_AND_OTHER, STEPS
from backcare.clinic.models import ClientLink, ClinicAlert, IntakeRecord
from backcare.core.measures import score_peg
from backcare.core.wording import RED_FLAG_QUESTIONS
from support.intake_link import post_step, step_url
from support.world import World, browser_for

# One person's answers, step by step (the PEG items are 4, 6, 7).
WALK: list[tuple[str, dict[str, Any]]] = [
    ("signs", {"red_flags": ["none"]}),
    ("about", {"age": "52", "sex": "female", "pregnant": "no"}),
    (
        "pain",
        {
            "pain_intensity": "6",
            "pain_duration_weeks": "14",
            "pain_regions": ["lumbar", "gluteal"],
            "pain_onset": "sudden",
            "pain_radiation": "above_knee",
        },
    ),
    (
        "pain-more",
        {
            "pain_night_pain_unrelieved": "no",
            "pain_wakes_second_half_of_night": "no",
            "pain_better_with_movement": "yes",
            "pain_eased_by_nsaids_within_48h": "no",
        },
    ),
    (
        "feel",
        {
            "findings_trigger_points": "yes",
            "findings_fascial_restriction": "no",
            "preferences_pressure": "medium",
        },
    ),
    (
        "health",
        {
            "conditions": ["muscle_strain"],
            "medications": ["nsaid"],
            "history_family_spondyloarthritis": "no",
            "history_arthritis_enthesitis_or_psoriasis": "no",
        },
    ),
    ("recent", {"had_surgery": "no", "had_injury": "yes"}),
    ("recent-details", {"recent_injury_hours_ago": "80"}),
    ("affects", {"peg_pain": "4", "peg_enjoyment": "6", "peg_activity": "7"}),
    ("startback-1", {}),
    ("startback-2", {}),
]
# The intake those answers are: every answer as given, nothing added.
EXPECTED = {
    "schema": "backcare.intake/1",
    "age": 52,
    "sex": "female",
    "pregnancy": {"pregnant": False, "weeks": None, "high_risk": False},
    "pain": {
        "intensity": 6,
        "duration_weeks": 14,
        "regions": ["lumbar", "gluteal"],
        "onset": "sudden",
        "radiation": "above_knee",
        "night_pain_unrelieved": False,
        "wakes_second_half_of_night": False,
        "better_with_movement": True,
        "eased_by_nsaids_within_48h": False,
    },
    "findings": {"muscle_tension": False, "trigger_points": True, "fascial_restriction": False},
    "red_flags": {code: False for code, _ in RED_FLAG_QUESTIONS},
    "conditions": ["muscle_strain"],
    "medications": ["nsaid"],
    "history": {"family_spondyloarthritis": False, "arthritis_enthesitis_or_psoriasis": False},
    "recent": {"surgery_weeks_ago": None, "injury_hours_ago": 80},
    "preferences": {"pressure": "medium"},
}


def _link(world: World) -> tuple[ClientLink, str]:
    return actions.create_link(by=world.therapist, client=world.client, purpose="intake")


def names_in(page: str) -> set[str]:
    form = page[page.index('class="intake intake-step"') :]
    return set(re.findall(r'name="([a-z0-9_]+)"', form)) - {"csrfmiddlewaretoken", "step", "back"}


def step_count(page: str) -> tuple[int, int]:
    found = re.search(r"Step (\d+) of (\d+)", page)
    assert found, "no step count on the page"
    return int(found[1]), int(found[2])


def test_the_link_walks_in_short_steps_and_stores_exactly_the_answers(world: World) -> None:
    link, token = _link(world)
    phone = browser_for(None)
    intakes = IntakeRecord.objects.count()
    for number, (slug, answers) in enumerate(WALK, start=1):
        page = phone.get(step_url(token, slug))
        assert page.status_code == 200
        body = page.content.decode()
        # The count grows when an answer opens a detail step ("recent" opens one).
        assert step_count(body) == (number, len(WALK) - (number <= 7)), slug
        asked = names_in(body)
        assert len(asked) <= 6 and set(answers) <= asked, (slug, asked)
        # No clinical question is answered for the person: nothing ticked or chosen.
        assert " checked" not in body and " selected>" not in body.replace(
            '<option value="" selected>', ""
        ), slug
        response = post_step(phone, token, slug, answers)
        assert response.status_code == 302, (slug, response.content.decode()[:3000])
        if number < len(WALK):
            assert IntakeRecord.objects.count() == intakes  # nothing stored before the end
            assert response["Location"] == step_url(token, WALK[number][0])
    assert response["Location"] == reverse("portal_result")
    entry = world.client.intakes.get(source="client_link")
    document = dict(entry.document)
    document.pop("clearances", None)
    document.pop("startback", None)
    expected = EXPECTED | {"findings": document["findings"]}  # the therapist's examination
    assert document == expected
    assert entry.baseline_peg == score_peg([4, 6, 7]) == Decimal("5.7")
    link.refresh_from_db()
    assert link.used_at is not None
    assert phone.get(reverse("portal_result")).status_code == 200


def test_a_new_clients_own_knots_are_stored(world: World) -> None:
    from support.world import add_client

    client = add_client(world.therapist, "New Person")
    client.intakes.all().delete()
    _, token = actions.create_link(by=world.therapist, client=client, purpose="intake")
    phone = browser_for(None)
    for slug, answers in WALK:
        assert post_step(phone, token, slug, answers).status_code == 302
    entry = client.intakes.get()
    document = {k: v for k, v in entry.document.items() if k not in ("clearances", "startback")}
    assert document == EXPECTED  # the knots are the person's own answer, as given
    assert entry.assessment["techniques"]["trigger_point"]["verdict"] == "recommended"


def test_an_unanswered_question_is_asked_again_not_read_as_no(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    for slug, answers in WALK[:3]:
        post_step(phone, token, slug, answers)
    partial = dict(WALK[3][1])
    del partial["pain_better_with_movement"]
    response = post_step(phone, token, "pain-more", partial)
    assert response.status_code == 422
    body = response.content.decode()
    assert step_count(body)[0] == 4
    error = re.search(r'id="id_pain_better_with_movement-error">([^<]*)<', body)
    assert error and error[1] == ANSWER_THIS
    assert re.search(r'value="no"[^>]*id="id_pain_night_pain_unrelieved_1"[^>]*checked', body)
    assert world.client.intakes.filter(source="client_link").count() == 0
    # Skipping ahead by address lands on the question still unanswered.
    page = phone.get(step_url(token, "affects")).content.decode()
    assert step_count(page)[0] == 4 and "pain_better_with_movement" in names_in(page)


def test_back_keeps_the_answers_of_both_pages(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    post_step(phone, token, "signs", {"red_flags": ["none"]})
    post_step(phone, token, "about", WALK[1][1])
    half = {"pain_intensity": "7", "pain_regions": ["thoracic"]}
    response = post_step(phone, token, "pain", half, back="1")
    assert response.status_code == 302 and response["Location"] == step_url(token, "about")
    about = phone.get(response["Location"]).content.decode()
    assert 'name="age" value="52"' in about
    assert re.search(r'value="female"[^>]*checked', about)
    pain = phone.get(step_url(token, "pain")).content.decode()
    assert re.search(r'name="pain_intensity" value="7"[^>]*checked', pain)
    assert re.search(r'value="thoracic"[^>]*checked', pain)
    assert not re.search(r'value="lumbar"[^>]*checked', pain)


def test_a_detail_step_only_when_its_question_says_it_applies(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    post_step(phone, token, "signs", {"red_flags": ["none"]})
    no = post_step(phone, token, "about", WALK[1][1])
    assert no["Location"] == step_url(token, "pain")
    yes = post_step(phone, token, "about", WALK[1][1] | {"pregnant": "yes"})
    assert yes["Location"] == step_url(token, "pregnancy")
    page = phone.get(yes["Location"]).content.decode()
    assert names_in(page) == {"pregnancy_weeks", "pregnancy_high_risk"}
    assert step_count(page) == (3, len(WALK))  # 10 steps and this one
    empty = post_step(phone, token, "pregnancy", {})
    assert empty.status_code == 422
    body = empty.content.decode()
    assert 'id="id_pregnancy_weeks-error"' in body and 'id="id_pregnancy_high_risk-error"' in body
    # Only the operation's detail is asked when only the operation happened.
    _, token = _link(world)
    for slug, answers in WALK[:6]:
        post_step(phone, token, slug, answers)
    asked = post_step(phone, token, "recent", {"had_surgery": "yes", "had_injury": "no"})
    assert asked["Location"] == step_url(token, "recent-details")
    details = phone.get(asked["Location"])
    assert names_in(details.content.decode()) == {"recent_surgery_weeks_ago"}
    skipped = post_step(phone, token, "recent", {"had_surgery": "no", "had_injury": "no"})
    assert skipped["Location"] == step_url(token, "affects")


def test_the_detail_is_checked_on_the_server_whatever_the_page_sent(world: World) -> None:
    _, token = _link(world)
    everything = {k: v for _, answers in WALK for k, v in answers.items()}
    phone = browser_for(None)
    # Said pregnant, no weeks given, in one POST: the pregnancy step is asked, with the error.
    response = phone.post(step_url(token), everything | {"pregnant": "yes"})
    assert response.status_code == 422
    body = response.content.decode()
    assert names_in(body) == {"pregnancy_weeks", "pregnancy_high_risk"}
    assert 'id="id_pregnancy_weeks-error"' in body
    assert world.client.intakes.filter(source="client_link").count() == 0
    # Not pregnant, a stray number of weeks: it is not the person's answer and is not stored.
    response = phone.post(step_url(token), everything | {"pregnancy_weeks": "26"})
    assert response.status_code == 302
    entry = world.client.intakes.get(source="client_link")
    assert entry.document["pregnancy"] == {"pregnant": False, "weeks": None, "high_risk": False}


def test_none_of_these_beside_another_answer_is_a_field_error(world: World) -> None:
    _, token = _link(world)
    phone = browser_for(None)
    response = post_step(phone, token, "signs", {"red_flags": ["none", "unexplained_weight_loss"]})
    assert response.status_code == 422
    assert NONE_AND_OTHER in response.content.decode().replace("&#x27;", "'")
    post_step(phone, token, "signs", {"red_flags": ["none"]})
    for slug, answers in WALK[1:5]:
        post_step(phone, token, slug, answers)
    health = WALK[5][1] | {"conditions": ["none", "osteoporosis"], "medications": []}
    response = post_step(phone, token, "health", health)
    assert response.status_code == 422
    body = response.content.decode()
    assert re.search(r'id="id_conditions-error">[^<]*None of these', body)
    assert 'id="id_medications-error"' in body  # left empty: asked again, not read as none


def test_an_emergency_sign_answers_at_once_on_the_first_step(world: World) -> None:
    link, token = _link(world)
    phone = browser_for(None)
    signs = {"red_flags": ["saddle_numbness", "new_bladder_dysfunction"]}
    response = post_step(phone, token, "signs", signs)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-advice="emergency"' in body and "have reached your clinic" in body
    alerts = ClinicAlert.objects.filter(client=world.client, checkin__isnull=True)
    assert sorted(a.rule for a in alerts) == ["RF-CES-BLADDER", "RF-CES-SADDLE"]
    # Pressing the button again tells the clinic nothing new.
    assert post_step(phone, token, "signs", signs).status_code == 200
    assert alerts.count() == 2
    assert world.client.intakes.filter(source="client_link").count() == 0
    link.refresh_from_db()
    assert link.used_at is None


def test_every_step_has_a_title_and_the_steps_ask_each_question_once() -> None:
    asked = [name for step in STEPS for name in step.fields]
    assert len(asked) == len(set(asked))
    assert all(step.title for step in STEPS)


def test_an_emergency_the_conditions_decide_answers_at_once_on_their_step(world: World) -> None:
    # Both legs is an emergency unless a known narrowing of the spinal canal explains it: not
    # known on the first step, known once the conditions are answered (core/rules/partial.py).
    _, token = _link(world)
    phone = browser_for(None)
    first = post_step(phone, token, "signs", {"red_flags": ["bilateral_leg_symptoms"]})
    assert first.status_code == 302 and first["Location"] == step_url(token, "about")
    for slug, answers in WALK[1:5]:
        assert post_step(phone, token, slug, answers).status_code == 302
    health = WALK[5][1] | {"conditions": ["none"]}
    response = post_step(phone, token, "health", health)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-advice="emergency"' in body and "have reached your clinic" in body
    assert ClinicAlert.objects.filter(client=world.client, checkin__isnull=True).exists()
    assert world.client.intakes.filter(source="client_link").count() == 0
