"""Emergency first (issue 11): the self-check, the client's intake link and the check-in ask the
warning signs before anything else; an emergency sign answers at once, with no other field, on
a page that says what to do now, the number to call and what to tell them, and nothing about
massage, sending to a clinic or booking."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions, content
from backcare.clinic.models import CheckIn, ClientLink, ClinicAlert, IntakeRecord
from backcare.core.wording import ADVICE_WHEN, EMERGENCY_NUMBER, RED_FLAG_QUESTIONS
from support.checkin_link import post_checkin
from support.intake_link import link_answers
from support.v11 import tags, values_of
from support.world import INTAKE, World, add_client, browser_for

CES = ["saddle_numbness", "new_bladder_dysfunction"]  # the example
BASE = {
    "age": "45",
    "sex": "unspecified",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
}
# The self-check asks the conditions and medicines as the signs: "None of these" is an answer.
NO_CONDITIONS_OR_MEDICINES = {"conditions": ["none"], "medications": ["none"]}
WORDS = dict(RED_FLAG_QUESTIONS)


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.db_table in tables
    }


def main_of(response: Any) -> str:
    page = response.content.decode()
    return page[page.index('<main id="main">') : page.index("</main>")]


def calls(response: Any) -> list[str]:
    return [a["href"] for a in tags(response.content, "href") if a["href"].startswith("tel:")]


def assert_emergency_alone(response: Any) -> str:
    """The emergency page: first in the page, with nothing about massage, a clinic or booking."""
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
    main = main_of(response)
    assert main.index("Get medical help now") < main.index("<h2")
    number = settings.BACKCARE_EMERGENCY_NUMBER  # the advice names it when it is set
    assert ADVICE_WHEN["now"].replace(EMERGENCY_NUMBER, number or EMERGENCY_NUMBER) in main
    for unwanted in (
        "massage",  # no "massage can go ahead gently meanwhile", no technique, no booking
        "book",
        'name="answers"',  # the send-to-a-clinic form
        "Send",
        content.WARNING_SIGNS[1]["text"],  # the generic "see a doctor soon" block
        "Please correct",
    ):
        assert unwanted not in main, unwanted
    return main


# -- the self-check ------------------------------------------------------------------------------


def test_the_self_check_opens_with_the_signs_and_none_of_these(db: Any) -> None:
    page = Browser().get(reverse("self_check")).content.decode()
    form = page[page.index("<form") :]
    first_input = form.index('name="red_flags"')
    assert first_input < form.index('name="age"')
    assert form.index("Warning signs") < form.index("About you")
    assert 'value="none"' in form and "None of these" in form
    # One press after the signs answers them: the button comes before the other questions.
    assert form.index("I have one of these: what do I do?") < form.index('name="age"')


def test_the_cauda_equina_signs_alone_answer_the_emergency_at_once(db: Any, settings: Any) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "999"
    before = row_counts()
    response = Browser().post(reverse("self_check"), {"red_flags": CES})
    main = assert_emergency_alone(response)
    assert calls(response) == ["tel:999"]
    # The advice names the number it links to, not "your local emergency number" beside it.
    assert "Now: call 999 or go to an emergency department." in main
    assert "your local emergency number" not in main
    for sign in CES:  # what to tell them, in the person's words
        assert WORDS[sign] in main
    assert row_counts() == before  # nothing stored


def test_without_a_number_the_page_says_call_your_local_emergency_number(
    db: Any, settings: Any
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = ""
    response = Browser().post(reverse("self_check"), {"red_flags": ["chest_pain"]})
    assert_emergency_alone(response)
    assert calls(response) == []
    assert "call your local emergency number" in main_of(response)


def test_an_emergency_with_leg_pain_says_nothing_about_massage(db: Any) -> None:
    answers = BASE | {"pain_radiation": "below_knee", "red_flags": ["saddle_numbness"]}
    main = assert_emergency_alone(Browser().post(reverse("self_check"), answers))
    assert "gently meanwhile" not in main
    # Only the emergency's own reasons: the sciatica rule's finding is not on this page.
    assert len(tags(main, "data-reason")) == 1


def test_no_answer_to_the_signs_is_a_field_error_not_a_silent_no(db: Any) -> None:
    response = Browser().post(reverse("self_check"), BASE)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_red_flags-error"' in page and "None of these" in page
    answers = BASE | NO_CONDITIONS_OR_MEDICINES | {"red_flags": ["none"]}
    answered = Browser().post(reverse("self_check"), answers)
    assert answered.status_code == 200
    assert "It looks safe to book a massage." in answered.content.decode()


def test_a_sign_ticked_beside_none_of_these_counts(db: Any) -> None:
    response = Browser().post(reverse("self_check"), {"red_flags": ["none", "saddle_numbness"]})
    assert_emergency_alone(response)


def test_a_referral_sign_gets_see_a_doctor_first_and_nothing_else(db: Any) -> None:
    answers = BASE | NO_CONDITIONS_OR_MEDICINES
    answers |= {"pain_radiation": "below_knee", "red_flags": ["unexplained_weight_loss"]}
    response = Browser().post(reverse("self_check"), answers)
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["see_doctor"]
    main = main_of(response)
    assert "See a doctor first, within a day or two" in main
    assert WORDS["unexplained_weight_loss"] in main  # what to tell the doctor
    for unwanted in (
        "gently meanwhile",
        "Which massage",
        "book",
        'name="answers"',
        content.WARNING_SIGNS[1]["text"],
    ):
        assert unwanted not in main, unwanted


def test_a_sign_that_needs_the_other_answers_asks_for_them(db: Any) -> None:
    # A fever is urgent, and an emergency only with some medicines or conditions: the rest of
    # the answers decide, and the page says why they are asked.
    response = Browser().post(reverse("self_check"), {"red_flags": ["fever"]})
    assert response.status_code == 422
    assert values_of(response.content, "data-advice") == []
    assert "data-signs-need-more" in response.content.decode()


def told_alone(client: Any) -> list[str]:
    """The rules of the emergency alerts the clinic was given with no check-in (a link's
    emergency answered at once: actions.alert_clinic_of_reported_emergency), each audited."""
    alerts = ClinicAlert.objects.filter(client=client, checkin__isnull=True)
    assert all(a.next_step == "emergency" and a.when == "now" for a in alerts)
    raised = AuditEvent.objects.filter(action="alert.raise", client_id=client.pk)
    assert raised.count() == alerts.count()
    return sorted(a.rule for a in alerts)


# -- the client's intake link --------------------------------------------------------------------


def _intake_link(world: World) -> tuple[ClientLink, str]:
    return actions.create_link(by=world.therapist, client=world.client, purpose="intake")


def test_the_intake_link_answers_an_emergency_at_once_and_stays_usable(world: World) -> None:
    link, token = _intake_link(world)
    page = browser_for(None).get(reverse("portal_intake", args=[token])).content.decode()
    assert 'name="red_flags"' in page and 'name="age"' not in page  # the signs' step first
    intakes = IntakeRecord.objects.count()
    response = browser_for(None).post(reverse("portal_intake", args=[token]), {"red_flags": CES})
    main = assert_emergency_alone(response)
    assert "have reached your clinic" in main
    assert told_alone(world.client)  # the clinic is told at once, with no intake stored
    assert IntakeRecord.objects.count() == intakes  # an incomplete intake is not stored
    link.refresh_from_db()
    assert link.used_at is None  # and the link still works


def test_a_complete_emergency_intake_by_link_is_stored_and_shows_the_emergency_alone(
    world: World,
) -> None:
    _, token = _intake_link(world)
    phone = browser_for(None)
    answers = BASE | {"pain_radiation": "below_knee", "red_flags": ["new_bowel_incontinence"]}
    response = phone.post(reverse("portal_intake", args=[token]), link_answers(answers))
    assert response.status_code == 302
    assert world.client.current_intake.assessment["disposition"] == "emergency"
    main = assert_emergency_alone(phone.get(reverse("portal_result")))
    assert "have reached your clinic" in main


def test_the_intake_link_needs_an_answer_to_the_signs(world: World) -> None:
    link, token = _intake_link(world)
    response = browser_for(None).post(reverse("portal_intake", args=[token]), BASE)
    assert response.status_code == 422
    assert 'id="id_red_flags-error"' in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None


# -- the check-in link (§6b) ---------------------------------------------------------------------


def _checkin(world: World, data: dict[str, Any]) -> tuple[Any, ClientLink]:
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    return post_checkin(browser_for(None), token, data), link


def _bare_checkin(world: World, data: dict[str, Any]) -> tuple[Any, ClientLink]:
    """Only these answers, none of the link's others (support/checkin_link.py) added."""
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    return browser_for(None).post(reverse("portal_checkin", args=[token]), data), link


def test_the_checkin_asks_the_signs_first_and_says_it_is_not_watched(world: World) -> None:
    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    page = browser_for(None).get(reverse("portal_checkin", args=[token])).content.decode()
    assert page.index("data-not-watched") < page.index("<form")
    form = page[page.index("<form") :]
    # In steps (issue 11): the first step asks the warning signs and nothing else.
    assert 'name="red_flags"' in form and 'name="pain"' not in form
    assert "None of these" in form


def test_a_checkin_with_only_an_emergency_sign_answers_at_once(world: World) -> None:
    response, link = _bare_checkin(world, {"red_flags": ["saddle_numbness"]})
    main = assert_emergency_alone_checkin(response)
    assert "have reached your clinic" in main
    # §6b: the clinic is told at once, though no check-in can be stored without its pain.
    assert told_alone(world.client) == ["RF-CES-SADDLE"]
    assert not CheckIn.objects.filter(client=world.client).exists()
    link.refresh_from_db()
    assert link.used_at is None


def assert_emergency_alone_checkin(response: Any) -> str:
    """The check-in's emergency page: §6b asks it to say "no massage", and nothing more."""
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
    main = main_of(response)
    assert ADVICE_WHEN["now"] in main and "Do not have a massage." in main
    assert "Please correct" not in main
    return main


@pytest.mark.parametrize(
    "opened",
    [{"side_effects": ["numbness"]}, {"side_effects": ["weakness"]}, {"leg_symptoms": "on"}],
)
def test_numbness_weakness_or_a_leg_asks_the_cauda_equina_questions(
    world: World, opened: dict[str, Any]
) -> None:
    quiet = {"pain": "4", "red_flags": ["none"]}
    response, _ = _checkin(world, quiet | opened)
    assert response.status_code == 422
    assert 'id="id_cauda_equina-error"' in response.content.decode()
    assert not CheckIn.objects.filter(client=world.client).exists()
    # Answered: "none of these" sends it; a sign is an emergency, stored with the check-in.
    response, _ = _checkin(world, quiet | opened | {"cauda_equina": ["none"]})
    assert response.status_code == 200 and values_of(response.content, "data-advice") != [
        "emergency"
    ]
    response, _ = _checkin(world, quiet | opened | {"cauda_equina": ["bilateral_leg_symptoms"]})
    main = assert_emergency_alone_checkin(response)
    assert "have reached your clinic" in main
    latest = CheckIn.objects.filter(client=world.client).latest("id")
    assert latest.red_flags == ["bilateral_leg_symptoms"]
    assert ClinicAlert.objects.filter(checkin=latest, next_step="emergency").exists()


def test_the_cauda_equina_questions_are_not_required_without_a_trigger(world: World) -> None:
    response, _ = _checkin(world, {"pain": "4", "red_flags": ["none"]})
    assert response.status_code == 200
    assert CheckIn.objects.filter(client=world.client).count() == 1


@pytest.mark.parametrize("intake", [None, "saddle_numbness"], ids=["no-intake", "sign-at-intake"])
def test_a_checkin_emergency_that_raises_no_alert_is_still_the_emergency_page(
    world: World, intake: str | None
) -> None:
    # No intake yet, or a sign the intake already had: no new alert, but never "thank you".
    if intake is None:
        client = actions.create_client(
            by=world.therapist, therapist=world.therapist.therapist, full_name="Nia New"
        )
    else:
        client = add_client(world.therapist, "Sal Saddle", INTAKE | {"red_flags": {intake: True}})
    _, token = actions.create_link(by=world.therapist, client=client, purpose="checkin")
    data = {"pain": "4", "red_flags": ["saddle_numbness"]}
    response = post_checkin(browser_for(None), token, data)
    main = assert_emergency_alone_checkin(response)
    assert "Thank you" not in main and "have reached your clinic" in main
    assert CheckIn.objects.get(client=client).red_flags == ["saddle_numbness"]
