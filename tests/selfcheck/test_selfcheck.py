"""The public self-check: answers from the core, plain words with sources, nothing stored."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from backcare.clinic import content
from backcare.core.rules.tables import load_tables

BASE = {
    "age": "45",
    "sex": "unspecified",
    "pain_intensity": "5",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],  # "None of these" is an answer of its own (issue 11)
    "conditions": ["none"],  # as are the conditions' and the medicines'
    "medications": ["none"],
}


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_every_statement_has_known_sources() -> None:
    sources = load_tables().sources
    for statement in content.all_statements():
        assert statement["sources"], statement["text"]
        for sid in statement["sources"]:
            assert sid in sources, (sid, statement["text"])


def test_the_form_is_public_and_says_nothing_is_stored(db: Any) -> None:
    page = Browser().get(reverse("self_check"))
    assert page.status_code == 200
    assert "Nothing you enter is stored." in page.content.decode()
    assert "© Keele University" in page.content.decode()


def test_chronic_ache_gets_a_plan_with_sources(db: Any) -> None:
    page = Browser().post(reverse("self_check"), BASE | {"pain_regions": ["lumbar", "thoracic"]})
    body = page.content.decode()
    assert page.status_code == 200
    assert "It looks safe to book a massage." in body
    assert "Deep tissue massage" in body and "What to ask for" in body
    assert "Cochrane review (Furlan 2015)" in body and "Massage is not a cure." in body
    assert "Judge after about five" in body
    assert "Nothing you entered has been stored." in body


def test_anticoagulant_gets_light_pressure_and_why(db: Any) -> None:
    body = (
        Browser()
        .post(reverse("self_check"), BASE | {"medications": ["anticoagulant"]})
        .content.decode()
    )
    assert "<strong>light pressure</strong> at most" in body
    assert "Blood thinners or a bleeding disorder make bruising easier" in body
    assert "What to avoid" in body
    assert "Blood thinner (e.g. warfarin, apixaban)" in body  # what to tell the therapist


def test_new_bladder_problems_get_the_emergency_first_and_no_massage_advice(db: Any) -> None:
    body = (
        Browser()
        .post(reverse("self_check"), BASE | {"red_flags": ["new_bladder_dysfunction"]})
        .content.decode()
    )
    main = body[body.index('<main id="main">') :]
    assert main.index("Get medical help now") < main.index("<h2")
    assert "What to ask for" not in body and "What a session is like" not in body


def test_bad_answers_get_field_errors(db: Any) -> None:
    page = Browser().post(reverse("self_check"), BASE | {"age": "", "pregnancy_weeks": "20"})
    assert page.status_code == 422
    body = page.content.decode()
    assert "This field is required." in body


@pytest.mark.parametrize(
    "answers",
    [
        BASE | {"medications": ["anticoagulant"], "red_flags": ["history_of_cancer"]},
        BASE | {"red_flags": ["saddle_numbness"]},
        BASE | {"age": "999"},
    ],
)
def test_nothing_is_stored_and_no_answer_is_logged(
    db: Any, answers: dict[str, Any], caplog: Any
) -> None:
    browser = Browser()
    before = row_counts()
    with caplog.at_level(logging.DEBUG):
        browser.post(reverse("self_check"), answers)
    assert row_counts() == before
    assert "sessionid" not in browser.cookies  # no server-side session was started
    logged = " ".join(r.getMessage() for r in caplog.records)
    for needle in ("anticoagulant", "saddle", "history_of_cancer", "999"):
        assert needle not in logged


def test_posts_are_rate_limited(db: Any) -> None:
    cache.clear()
    browser = Browser()
    statuses = [browser.post(reverse("self_check"), BASE).status_code for _ in range(22)]
    assert statuses[:20] == [200] * 20 and statuses[-1] == 429


def test_the_form_needs_csrf(db: Any) -> None:
    strict = Browser(enforce_csrf_checks=True)
    assert strict.post(reverse("self_check"), BASE).status_code == 403


def test_learn_page_covers_the_questions_with_sources(db: Any) -> None:
    body = Browser().get(reverse("learn")).content.decode()
    for question in (
        "Will massage cure my back?",
        "What happens in a session?",
        "How soon will I feel better?",
        "Can I combine it with other treatment?",
        "Are there side effects?",
    ):
        assert question in body
    for kind in (
        "Swedish massage",
        "Deep tissue massage",
        "Trigger point therapy",
        "Myofascial release",
    ):
        assert kind in body
    assert "Cherkin DC" in body and "little good evidence" in body


def _answers_token(browser: Browser, answers: dict[str, Any]) -> str:
    import re

    body = browser.post(reverse("self_check"), answers).content.decode()
    match = re.search(r'name="answers" value="([^"]+)"', body)
    assert match is not None
    return match.group(1)


def test_sending_to_a_clinic_creates_a_pending_intake_there_only_when_chosen(db: Any) -> None:
    from backcare.accounts.models import Clinic
    from backcare.clinic.models import Client
    from support.world import make_therapist

    clinic = Clinic.objects.create(name="Riverside", selfcheck_code="RIVER123")
    make_therapist("amara", clinic, admin=True)
    browser = Browser()
    token = _answers_token(browser, BASE | {"medications": ["anticoagulant"]})
    before = row_counts()
    refused = browser.post(
        reverse("self_check_send"),
        {"answers": token, "clinic_code": "WRONG", "full_name": "Pat", "consent": "on"},
    )
    assert refused.status_code == 422 and "No clinic has this code" in refused.content.decode()
    assert row_counts() == before  # nothing half-saved
    no_consent = browser.post(
        reverse("self_check_send"),
        {"answers": token, "clinic_code": "river123", "full_name": "Pat"},
    )
    assert no_consent.status_code == 422 and row_counts() == before
    sent = browser.post(
        reverse("self_check_send"),
        {"answers": token, "clinic_code": "river123", "full_name": "Pat", "consent": "on"},
    )
    assert sent.status_code == 200 and "Sent to Riverside" in sent.content.decode()
    client = Client.objects.get(full_name="Pat")
    assert client.clinic == clinic
    entry = client.current_intake
    assert entry.source == "self_check" and entry.document["medications"] == ["anticoagulant"]
    assert entry.assessment["max_pressure"] == "light"


def test_changed_answers_are_refused(db: Any) -> None:
    from backcare.accounts.models import Clinic

    Clinic.objects.create(name="Riverside", selfcheck_code="RIVER123")
    browser = Browser()
    token = _answers_token(browser, BASE)
    response = browser.post(
        reverse("self_check_send"),
        {
            "answers": token[:-2] + "xx",
            "clinic_code": "RIVER123",
            "full_name": "Pat",
            "consent": "on",
        },
    )
    assert response.status_code == 422 and "expired or were changed" in response.content.decode()


def test_a_sent_self_check_waits_on_the_dashboard(db: Any) -> None:
    from backcare.accounts.models import Clinic
    from support.world import browser_for, make_therapist

    clinic = Clinic.objects.create(name="Riverside", selfcheck_code="RIVER123")
    admin = make_therapist("amara", clinic, admin=True)
    browser = Browser()
    token = _answers_token(browser, BASE)
    browser.post(
        reverse("self_check_send"),
        {"answers": token, "clinic_code": "RIVER123", "full_name": "Pat", "consent": "on"},
    )
    dashboard = browser_for(admin).get(reverse("dashboard")).content.decode()
    assert "New intake from the client to review" in dashboard


def test_a_sent_self_check_goes_to_an_active_admin(db: Any) -> None:
    """The clinic's first admin has left (deactivated): the client is given to the active one."""
    from backcare.accounts.models import Clinic
    from backcare.clinic.models import Client
    from support.world import make_therapist

    clinic = Clinic.objects.create(name="Riverside", selfcheck_code="RIVER123")
    gone = make_therapist("gone", clinic, admin=True)
    gone.is_active = False
    gone.save()
    amara = make_therapist("amara", clinic, admin=True)
    browser = Browser()
    token = _answers_token(browser, BASE)
    sent = browser.post(
        reverse("self_check_send"),
        {"answers": token, "clinic_code": "RIVER123", "full_name": "Pat", "consent": "on"},
    )
    assert sent.status_code == 200
    assert Client.objects.get(full_name="Pat").therapist == amara.therapist
