"""The record as a therapist keeps it (issue 10, points 6, 7, 10 and 11): a client's own intake
keeps the examination, assessment changes are shown until seen, unsigned sessions are edited and
any session voided, the progress page says which value is latest, and rules upgrades are visible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management import call_command
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import course_document, state_of
from backcare.clinic.models import Client, IntakeRecord, Session
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_intake
from backcare.core.wording import ALERT_NAME
from support.intake_link import link_answers
from support.world import INTAKE, SESSION_VALUES, World, add_client, browser_for

CLIENT_FORM = {  # what a client answers on the one-time link: no examination fields
    "age": "45",
    "sex": "unspecified",
    "pain_intensity": "6",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "red_flags": ["none"],  # "None of these" is an answer of its own (issue 11)
}


def test_a_clients_own_intake_keeps_the_therapists_examination(world: World) -> None:
    before = world.client.current_intake
    assert before is not None and before.document["findings"]["trigger_points"] is True
    assert before.assessment["techniques"]["trigger_point"]["verdict"] == "recommended"
    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    response = browser_for(None).post(
        reverse("portal_intake", args=[token]), link_answers(CLIENT_FORM)
    )
    assert response.status_code == 302
    entry = world.client.current_intake
    assert entry is not None and entry.pk != before.pk and entry.source == "client_link"
    assert entry.document["findings"]["trigger_points"] is True  # carried over
    assert entry.findings_from_id == before.pk
    assert entry.assessment["techniques"]["trigger_point"]["verdict"] == "recommended"
    event = AuditEvent.objects.filter(action="intake.create").latest("id")
    assert event.detail.get("findings_carried_over") is True


def test_a_therapists_new_intake_does_not_inherit_findings(world: World) -> None:
    actions.record_intake(by=world.therapist, client=world.client, intake=parse_intake(
        {**INTAKE, "findings": {}}
    ))  # fmt: skip
    entry = world.client.current_intake
    assert entry is not None and entry.findings_from_id is None
    assert entry.document["findings"]["trigger_points"] is False


def test_what_changed_is_shown_until_a_therapist_has_seen_it(world: World) -> None:
    client = world.client
    actions.record_intake(
        by=world.therapist,
        client=client,
        intake=parse_intake({**INTAKE, "medications": ["anticoagulant"]}),
    )
    entry = client.current_intake
    assert entry is not None
    changed = {c["what"]: (c["before"], c["after"]) for c in entry.changes}
    assert changed["disposition"] == ("proceed", "proceed_with_precautions")
    assert changed["max_pressure"] == ("firm", "light")
    assert changed["deep_tissue"] == ("recommended", "avoid")  # chronic pain, now light only
    assert changed["trigger_point"] == ("recommended", "avoid")
    assert "swedish" not in changed  # recommended before and after
    client.refresh_from_db()
    assert client.assessment_changed is True
    browser = browser_for(world.therapist)
    assert "data-assessment-changed" in browser.get(reverse("dashboard")).content.decode()
    page = browser.get(reverse("intake_detail", args=[client.pk, entry.pk])).content.decode()
    assert 'data-changed="max_pressure"' in page and 'data-changed="trigger_point"' in page
    entry.refresh_from_db()
    client.refresh_from_db()
    assert entry.changes_seen_at is not None
    assert client.assessment_changed is False
    assert "data-assessment-changed" not in browser.get(reverse("dashboard")).content.decode()
    assert (
        AuditEvent.objects.filter(action="intake.changes_seen", object_id=str(entry.pk)).count()
        == 1
    )
    # The client's version of the page does not count as the therapist having seen it.
    actions.record_intake(by=world.therapist, client=client, intake=parse_intake(INTAKE))
    newest = client.current_intake
    assert newest is not None and newest.changes
    browser.get(reverse("intake_detail", args=[client.pk, newest.pk]) + "?for=client")
    newest.refresh_from_db()
    assert newest.changes_seen_at is None


def test_an_unsigned_session_is_edited_and_a_signed_one_is_not(world: World) -> None:
    browser = browser_for(world.therapist)
    url = reverse("session_edit", args=[world.client.pk, world.session.pk])
    form = {
        "date": "2026-01-05",
        "pain_before": "6",
        "pain_after": "2",
        "techniques": ["swedish"],
        "pressure": "medium",
        "regions": ["lumbar-left"],
    }
    assert browser.get(url).status_code == 200
    response = browser.post(url, form)
    assert response.status_code == 302
    world.session.refresh_from_db()
    assert world.session.pain_after == 2 and world.session.techniques == ["swedish"]
    assert AuditEvent.objects.filter(action="session.update").count() == 1
    actions.sign_session(by=world.therapist, session=world.session)
    response = browser.post(url, {**form, "pain_after": "1"})
    assert response.status_code == 302  # back to the session page: amend a signed one
    world.session.refresh_from_db()
    assert world.session.pain_after == 2


def test_a_voided_session_leaves_the_course_but_stays_in_the_history(world: World) -> None:
    client = world.client
    second = actions.record_session(
        by=world.therapist,
        client=client,
        when=dt.date(2026, 1, 12),
        values={**SESSION_VALUES, "pain_before": 9, "side_effects": ["numbness"]},
    )
    assert state_of(client).progress.pain.latest == 9  # type: ignore[union-attr]
    browser = browser_for(world.therapist)
    url = reverse("session_void", args=[client.pk, second.pk])
    browser.post(url, {"void_reason": "short"})  # too short: refused
    second.refresh_from_db()
    assert second.voided_at is None
    browser.post(url, {"void_reason": "Entered for the wrong client by mistake."})
    second.refresh_from_db()
    assert second.voided_at is not None and second.voided_by == world.therapist
    state = state_of(client)
    assert state is not None
    assert state.progress.sessions_done == 1 and state.progress.pain.latest == 6
    assert "AL-NEURO-SYMPTOMS" not in {a.rule for a in state.alerts}
    assert [s["number"] for s in course_document(client)["sessions"]] == [1]  # type: ignore[index]
    page = browser.get(reverse("client_detail", args=[client.pk])).content.decode()
    assert page.count("data-voided") == 1
    assert AuditEvent.objects.filter(action="session.void", object_id=str(second.pk)).exists()
    # Numbers are not reused, and the next date follows the course, not the voided session.
    third = actions.record_session(
        by=world.therapist, client=client, when=dt.date(2026, 1, 8), values=SESSION_VALUES
    )
    assert third.number == 3


def test_the_progress_page_says_which_value_is_latest(world: World) -> None:
    browser = browser_for(world.therapist)
    url = reverse("progress", args=[world.client.pk])
    page = browser.get(url).content.decode()
    assert "the pain before session 1 (5 Jan 2026)" in page
    actions.record_checkin(
        by=world.therapist, client=world.client, when=dt.date(2026, 1, 7), pain=3
    )
    page = browser.get(url).content.decode()
    assert "the pain reported at the check-in of 7 Jan 2026" in page
    assert '"latest_kind": "checkin"' in page


def test_an_assessment_under_older_rules_says_so_and_reassesses_in_one_click(
    world: World,
) -> None:
    entry = world.intake
    IntakeRecord.objects.filter(pk=entry.pk).update(rules_version="clinical-rules-v1/backcare-1")
    browser = browser_for(world.therapist)
    url = reverse("intake_detail", args=[world.client.pk, entry.pk])
    assert "data-stale-rules" in browser.get(url).content.decode()
    response = browser.post(reverse("intake_reassess", args=[world.client.pk, entry.pk]))
    new = world.client.current_intake
    assert new is not None and new.pk != entry.pk and new.source == "reassessed"
    assert response["Location"] == reverse("intake_detail", args=[world.client.pk, new.pk])
    assert new.rules_version == load_tables().version and new.document == entry.document
    assert "data-stale-rules" not in browser.get(response["Location"]).content.decode()


def test_recompute_states_redoes_summaries_made_under_other_rules(world: World) -> None:
    other = add_client(world.therapist, "Stale Summary", {**INTAKE, "red_flags": {"fever": True}})
    Client.objects.filter(pk=other.pk).update(
        state_rules_version="clinical-rules-v1/backcare-1", next_step="continue", attention=0
    )
    call_command("recompute_states")
    other.refresh_from_db()
    assert other.state_rules_version == load_tables().version
    assert other.next_step == "see_doctor" and other.attention == 4
    assert other.attention_reason.startswith(ALERT_NAME["AL-UNRESOLVED-REFERRAL"])


def test_recompute_states_leaves_current_summaries_alone(
    world: World, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        call_command("recompute_states")
    assert Session.objects.count() == 1
