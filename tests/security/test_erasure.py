"""Issue 12, point 5: erasing a client erases their name and every free text about them from
the audit log, keeping who did what and when (to client number N), and the log stays append-only
for everything else; a self-check send posted twice creates one client."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client as Browser
from django.urls import reverse

from backcare.audit.models import AppendOnlyError, AuditEvent, AuditText
from backcare.clinic import actions
from backcare.clinic.models import Client
from support.checkin_link import checkin_answers
from support.world import INTAKE, World, browser_for

REASON = "Carol phoned: she had misremembered the pain"
VOID = "Entered on Carol's record by mistake"


def _a_record_with_words_about_carol(world: World) -> None:
    """Every way the audit log has words about a client: her name as the actor (her link, her
    portal page), free-text reasons (an amendment, a void, an override)."""
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    assert (
        Browser()
        .post(
            reverse("portal_checkin", args=[token]),
            checkin_answers({"pain": "3", "red_flags": ["none"]}),
        )
        .status_code
        == 200
    )
    actions.sign_session(by=world.therapist, session=world.session)
    actions.amend_session(
        by=world.therapist, session=world.session, changes={"pain_after": 5}, reason=REASON
    )
    import datetime as dt

    from support.world import SESSION_VALUES

    second = actions.record_session(
        by=world.therapist, client=world.client, when=dt.date(2026, 1, 9), values=SESSION_VALUES
    )
    actions.void_session(by=world.therapist, session=second, reason=VOID)


def _words(event: AuditEvent) -> str:
    return event.actor_label + json.dumps(event.detail)


def test_before_erasure_the_words_are_kept_apart_from_the_row(world: World) -> None:
    _a_record_with_words_about_carol(world)
    events = AuditEvent.objects.filter(client=world.client)
    assert all("Carol" not in _words(e) and REASON not in _words(e) for e in events)
    (checkin,) = events.filter(action="checkin.create")
    assert checkin.actor_label == f"Client {world.client.pk} (client, one-time link)"
    assert checkin.label == "Carol Client (client, one-time link)"  # while she is a client
    (amend,) = events.filter(action="session.amend")
    assert amend.full_detail["reason"] == REASON and amend.detail == {"fields": ["pain_after"]}
    (void,) = events.filter(action="session.void")
    assert void.full_detail == {"reason": VOID}
    assert AuditText.objects.filter(client=world.client).count() == 3


def test_erasure_removes_every_word_about_the_client_and_keeps_who_did_what(
    world: World,
) -> None:
    _a_record_with_words_about_carol(world)
    before = list(
        AuditEvent.objects.filter(client=world.client).values_list("pk", "at", "actor", "action")
    )
    response = browser_for(world.therapist).post(
        reverse("client_erase", args=[world.client.pk]), {"confirm_name": "Carol Client"}
    )
    assert response.status_code == 302
    client = Client.objects.get(pk=world.client.pk)
    assert client.full_name == f"Erased client {client.pk}" and client.erased_at is not None
    assert not AuditText.objects.filter(client=client).exists()
    events = AuditEvent.objects.filter(client=client)
    # Every earlier row is still there, unchanged: who, what, when, about client number N.
    kept = events.exclude(action="client.erase").values_list("pk", "at", "actor", "action")
    assert list(kept) == before
    erase = events.get(action="client.erase")
    assert (erase.actor, erase.detail) == (world.therapist, {"texts_erased": 3})
    for event in AuditEvent.objects.select_related("text").filter(client=client):
        words = event.label + json.dumps(event.full_detail)
        assert not re.search("Carol|phoned|mistake", words), words
    assert (
        events.get(action="checkin.create").label == f"Client {client.pk} (client, one-time link)"
    )
    page = browser_for(world.therapist).get(reverse("audit_log")).content.decode()
    assert "Carol" not in page and f"Erased client {client.pk}" in page


def test_the_audit_log_stays_append_only_for_everything_else(world: World) -> None:
    _a_record_with_words_about_carol(world)
    text = AuditText.objects.filter(client=world.client).first()
    assert text is not None
    text.actor_label = "tampered"
    with pytest.raises(AppendOnlyError):
        text.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(client=world.client).update(actor_label="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(client=world.client).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_on_postgresql_texts_go_only_with_their_clients_erasure(world: World) -> None:
    _a_record_with_words_about_carol(world)
    for sql in (
        "UPDATE audit_audittext SET actor_label = 'tampered'",
        "DELETE FROM audit_audittext",  # the client is not erased
        "UPDATE audit_auditevent SET detail = '{}'",
        "DELETE FROM audit_auditevent",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditText.objects.filter(client=world.client).count() == 3
    actions.erase_client(by=world.therapist, client=world.client, confirm_name="Carol Client")
    assert not AuditText.objects.filter(client=world.client).exists()


def _answers(browser: Browser) -> str:
    form = {
        "age": "45", "sex": "unspecified", "pain_intensity": "4", "pain_duration_weeks": "10",
        "pain_regions": ["lumbar"], "pain_onset": "gradual", "pain_radiation": "none",
        "red_flags": ["none"],  # "None of these" is an answer of its own (issue 11)
        "conditions": ["none"], "medications": ["none"],  # and of these two questions
    }  # fmt: skip
    page = browser.post(reverse("self_check"), form).content.decode()
    match = re.search(r'name="answers" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_a_replayed_self_check_send_creates_nothing(world: World) -> None:
    clinic = world.client.clinic
    clinic.selfcheck_code = "RIVER123"
    clinic.save()
    browser = Browser()
    send = {
        "answers": _answers(browser), "clinic_code": "RIVER123", "full_name": "Pat Replay",
        "consent": "on",
    }  # fmt: skip
    assert browser.post(reverse("self_check_send"), send).status_code == 200
    rows = AuditEvent.objects.count()
    replay = Browser().post(reverse("self_check_send"), send)
    assert replay.status_code == 422
    assert "already been sent" in replay.content.decode()
    assert Client.objects.filter(full_name="Pat Replay").count() == 1
    assert AuditEvent.objects.count() == rows
    # A fresh answer page has a fresh number: the person may send again on purpose.
    again = send | {"answers": _answers(browser)}
    assert browser.post(reverse("self_check_send"), again).status_code == 200
    assert Client.objects.filter(full_name="Pat Replay").count() == 2


def test_a_send_refused_for_a_wrong_code_can_be_corrected(world: World) -> None:
    clinic = world.client.clinic
    clinic.selfcheck_code = "RIVER123"
    clinic.save()
    browser = Browser()
    send = {"answers": _answers(browser), "full_name": "Pat Typo", "consent": "on"}
    url = reverse("self_check_send")
    assert browser.post(url, send | {"clinic_code": "RIVER12"}).status_code == 422
    assert browser.post(url, send | {"clinic_code": "RIVER123"}).status_code == 200
    assert Client.objects.filter(full_name="Pat Typo").count() == 1


def test_answers_without_a_one_time_number_are_refused(world: World) -> None:
    from django.core import signing

    from backcare.selfcheck.views import _SALT

    clinic = world.client.clinic
    clinic.selfcheck_code = "RIVER123"
    clinic.save()
    old_style = signing.dumps(INTAKE, salt=_SALT, compress=True)  # before the number existed
    send = {"answers": old_style, "clinic_code": "RIVER123", "full_name": "Pat", "consent": "on"}
    response = Browser().post(reverse("self_check_send"), send)
    assert response.status_code == 422 and not Client.objects.filter(full_name="Pat").exists()


def test_the_audit_row_of_a_self_check_names_no_one(world: Any) -> None:
    clinic = world.client.clinic
    clinic.selfcheck_code = "RIVER123"
    clinic.save()
    browser = Browser()
    send = {
        "answers": _answers(browser), "clinic_code": "RIVER123", "full_name": "Pat Private",
        "consent": "on",
    }  # fmt: skip
    browser.post(reverse("self_check_send"), send)
    client = Client.objects.get(full_name="Pat Private")
    for event in AuditEvent.objects.filter(client=client):
        assert event.actor_label == f"Client {client.pk} (public self-check)"
        assert event.label == "Pat Private (public self-check)"
