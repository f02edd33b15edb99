"""Version 1.1 on the web: a client's check-in by one-time link (what it raises, what the client
sees, who is emailed), acknowledging and escalating check-in alerts, medical reviews on the
client page, and the §6a check before a session is saved (clinical-rules §6, §6a, §6b)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import (
    Amendment,
    CheckIn,
    Client,
    ClientLink,
    ClinicAlert,
    MedicalReview,
    Session,
)
from backcare.core.wording import ADVICE_WHEN
from support import AFTER_THE_FACT
from support.checkin_link import post_checkin
from support.v11 import (
    REVIEW_FIELDS,
    TEN,
    checkin,
    emergency_client,
    fast_passwords,  # noqa: F401 - an autouse fixture
    light_client,
    staff_of,
    tags,
    today,
    urgent_client,
    values_of,
    yesterday,
)
from support.world import SESSION_VALUES, World, browser_for

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # when the alerts of the clock tests rose


@pytest.fixture
def outbox(settings: Any) -> list[Any]:
    settings.EMAIL_BACKEND = LOCMEM
    mail.outbox = []
    return mail.outbox


def _audit(client: Client, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(client=client, action=action).order_by("id"))


def _portal_checkin(world: World, client: Client, **form: Any) -> tuple[Any, ClientLink]:
    link, token = actions.create_link(by=world.therapist, client=client, purpose="checkin")
    # The warning signs need an answer ("None of these" is one), and so do the cauda equina
    # questions when numbness or weakness opens them (issue 11, §6b); the link asks the rest
    # (support/checkin_link.py) and dates the check-in the day it is sent.
    data = {"pain": "5", "red_flags": ["none"], "cauda_equina": ["none"]} | form
    return post_checkin(browser_for(None), token, data), link


def _client_page(user: Any, client: Client) -> str:
    return browser_for(user).get(reverse("client_detail", args=[client.pk])).content.decode()


# -- 1. check-ins by one-time link ---------------------------------------------------------------


def test_saddle_numbness_at_a_checkin_shows_the_emergency_alone_and_enters_the_course(
    world: World,
) -> None:
    before = world.client.next_step
    assert before == "continue"
    response, link = _portal_checkin(
        world, world.client, red_flags=["saddle_numbness"], side_effects=["numbness"]
    )
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]  # alone
    assert ADVICE_WHEN["now"] in response.content.decode()
    (made,) = CheckIn.objects.filter(client=world.client)
    assert made.red_flags == ["saddle_numbness"] and made.side_effects == ["numbness"]
    link.refresh_from_db()
    assert link.used_at is not None
    (alert,) = ClinicAlert.objects.filter(client=world.client, next_step="emergency")
    assert (alert.rule, alert.when, alert.checkin_id) == ("AL-NEW-RED-FLAG", "now", made.pk)
    assert alert.acknowledged_at is None and alert.escalations == 0
    world.client.refresh_from_db()
    assert (world.client.attention, world.client.next_step) == (5, "emergency")
    page = _client_page(world.therapist, world.client)
    assert values_of(page, "data-next-step")[0] == "emergency"
    assert "AL-NEW-RED-FLAG" in values_of(page, "data-alert")
    assert "AL-NEURO-SYMPTOMS" in values_of(page, "data-alert")  # the side effect counts too
    assert str(alert.pk) in values_of(page, "data-clinic-alert")
    dashboard = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert "emergency" in values_of(dashboard, "data-next-step")
    raised = _audit(world.client, "alert.raise")
    assert [(e.detail["rule"], e.object_id) for e in raised if e.object_id == str(alert.pk)] == [
        ("AL-NEW-RED-FLAG", str(alert.pk))
    ]
    assert len(_audit(world.client, "checkin.create")) == 1


@pytest.mark.parametrize(
    ("form", "expected", "advice", "attention"),
    [
        (
            {"red_flags": ["saddle_numbness"]},
            [("AL-NEW-RED-FLAG", "emergency", "now")],
            "emergency",
            5,
        ),
        ({"red_flags": ["fever"]}, [("AL-NEW-RED-FLAG", "see_doctor", "today")], "see_doctor", 4),
        (
            {"red_flags": ["iv_drug_use"]},
            [("AL-NEW-RED-FLAG", "see_doctor", "today")],
            "see_doctor",
            4,
        ),
        (
            {"side_effects": ["numbness"]},
            [("AL-NEURO-SYMPTOMS", "see_doctor", "today")],
            "see_doctor",
            4,
        ),
        (
            {"side_effects": ["weakness"]},
            [("AL-NEURO-SYMPTOMS", "see_doctor", "today")],
            "see_doctor",
            4,
        ),
        (
            {"side_effects": ["fever"]},  # a fever side effect is also the visit's fever flag
            [("AL-NEW-RED-FLAG", "see_doctor", "today"), ("AL-FEVER", "see_doctor", "today")],
            "see_doctor",
            4,
        ),
        ({"pain": "9"}, [("AL-WORSENING", "see_doctor", "within_a_week")], "see_doctor", 4),
    ],
    ids=[
        "saddle",
        "fever-flag",
        "iv-drug-use",
        "numbness",
        "weakness",
        "fever-side-effect",
        "worsening",
    ],
)
def test_each_alert_a_checkin_raises_is_stored_with_how_soon_the_client_must_act(
    world: World,
    form: dict[str, Any],
    expected: list[tuple[str, str, str]],
    advice: str,
    attention: int,
) -> None:
    response, _ = _portal_checkin(world, world.client, **form)
    assert response.status_code == 200
    stored = ClinicAlert.objects.filter(client=world.client).order_by("id")
    assert [(a.rule, a.next_step, a.when) for a in stored] == expected
    assert values_of(response.content, "data-advice") == [advice]
    page = response.content.decode()
    for _rule, _step, when in expected:
        assert ADVICE_WHEN[when] in page
    world.client.refresh_from_db()
    assert world.client.attention == attention
    assert len(_audit(world.client, "alert.raise")) == len(expected)


def test_a_checkin_with_fever_alone_gives_see_doctor_advice_not_the_emergency(
    world: World,
) -> None:
    response, _ = _portal_checkin(world, world.client, red_flags=["fever"])
    assert values_of(response.content, "data-advice") == ["see_doctor"]
    assert ADVICE_WHEN["now"] not in response.content.decode()
    world.client.refresh_from_db()
    assert (world.client.attention, world.client.next_step) == (4, "see_doctor")


def test_a_quiet_checkin_raises_nothing_and_gives_no_advice(world: World, outbox: Any) -> None:
    response, _ = _portal_checkin(world, world.client, pain="5", side_effects=["soreness"])
    assert response.status_code == 200 and values_of(response.content, "data-advice") == []
    assert not ClinicAlert.objects.filter(client=world.client).exists()
    assert outbox == []


def test_every_alert_a_checkin_raises_is_stored_for_the_clinic_even_beside_an_emergency(
    world: World,
) -> None:
    # §6b: "Every emergency or see_doctor alert raised by a check-in must be acknowledged";
    # only the client's page shows the emergency alone.
    response, _ = _portal_checkin(
        world, world.client, red_flags=["saddle_numbness"], side_effects=["numbness", "fever"]
    )
    stored = ClinicAlert.objects.filter(client=world.client)
    assert {a.rule for a in stored} == {"AL-NEW-RED-FLAG", "AL-NEURO-SYMPTOMS", "AL-FEVER"}
    # ... while the client still sees the emergency alone.
    page = response.content.decode()
    assert values_of(page, "data-advice") == ["emergency"]
    assert all(a.text not in page for a in stored if a.next_step != "emergency")


def test_an_emergency_alert_is_never_paired_with_a_later_when(world: World) -> None:
    actions.record_session(
        by=world.therapist,
        client=world.client,
        when=yesterday() - dt.timedelta(days=3),
        values=dict(SESSION_VALUES) | {"new_red_flags": ["saddle_numbness"]},
    )
    response, _ = _portal_checkin(world, world.client, red_flags=["fever"])
    (alert,) = ClinicAlert.objects.filter(client=world.client)
    assert (alert.next_step == "emergency") == (alert.when == "now")
    if values_of(response.content, "data-advice") == ["emergency"]:
        assert ADVICE_WHEN["now"] in response.content.decode()


def test_the_clinic_is_emailed_after_commit_without_the_clients_name(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = staff_of(world)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        _portal_checkin(world, staff.client, red_flags=["saddle_numbness"])
    assert outbox == [] and len(pending) == 1  # nothing is sent before the commit
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _portal_checkin(world, staff.client, red_flags=["new_bladder_dysfunction"])
    (message,) = outbox
    assert set(message.to) == {staff.owner.email, *staff.admins}
    assert staff.bystander.email not in message.to and staff.colleague.email not in message.to
    assert staff.inactive_admin.email not in message.to
    for secret in ("Quentin", "Quillfeather", "quentin@private.test"):
        assert secret not in message.subject and secret not in message.body
    assert f"/clients/{staff.client.pk}/" in message.body


def test_a_failing_mail_server_keeps_the_checkin_and_its_alerts(
    world: World,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    staff = staff_of(world)
    settings.EMAIL_BACKEND = "support.v11.FailingBackend"
    with (
        caplog.at_level(logging.ERROR, logger="backcare.notify"),
        django_capture_on_commit_callbacks(execute=True) as sent,
    ):
        response, link = _portal_checkin(world, staff.client, red_flags=["saddle_numbness"])
    assert len(sent) == 1  # the sending was tried
    assert response.status_code == 200
    assert values_of(response.content, "data-advice") == ["emergency"]
    assert CheckIn.objects.filter(client=staff.client).count() == 1
    assert ClinicAlert.objects.filter(client=staff.client, rule="AL-NEW-RED-FLAG").count() == 1
    link.refresh_from_db()
    assert link.used_at is not None
    failures = [r for r in caplog.records if r.name == "backcare.notify"]
    assert failures and failures[0].levelno == logging.ERROR and failures[0].exc_info


def test_an_invalid_checkin_is_refused_with_field_errors_and_stores_nothing(
    world: World, outbox: Any
) -> None:
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    audit_before = AuditEvent.objects.count()
    bad = {"pain": "11", "side_effects": ["tingling"], "red_flags": ["sadle_numbness"]}
    good = {"pain": "5", "side_effects": ["none"], "red_flags": ["none"]}
    # In steps (issue 11), each wrong answer is asked again on its own step, in order.
    for field in ("red_flags", "pain", "side_effects"):
        response = post_checkin(browser_for(None), token, bad)
        assert response.status_code == 422
        page = response.content.decode()
        assert f'id="id_{field}-error"' in page
        bad[field] = good[field]
    assert not CheckIn.objects.filter(client=world.client).exists()
    assert not ClinicAlert.objects.exists()
    assert AuditEvent.objects.count() == audit_before  # nothing after the link's creation
    link.refresh_from_db()
    assert link.used_at is None  # the link still works
    assert outbox == []


def test_the_checkin_page_says_it_is_not_watched_and_gives_the_number_to_call(
    world: World, settings: Any
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "999"
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    page = browser_for(None).get(reverse("portal_checkin", args=[token])).content.decode()
    assert [a["href"] for a in tags(page, "href") if a["href"].startswith("tel:")] == ["tel:999"]
    assert "data-not-watched" in page
    # Without a configured number, the page still says what to do, with no broken link.
    settings.BACKCARE_EMERGENCY_NUMBER = ""
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    page = browser_for(None).get(reverse("portal_checkin", args=[token])).content.decode()
    assert not [a for a in tags(page, "href") if a["href"].startswith("tel:")]
    assert "data-emergency-call" in page


# -- 2. acknowledging ----------------------------------------------------------------------------


def test_acknowledging_is_audited_once_and_does_not_resolve_the_alert(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"])
    alert = ClinicAlert.objects.get(client=world.client)
    url = reverse("alert_acknowledge", args=[world.client.pk, alert.pk])
    browser = browser_for(world.therapist)
    assert browser.get(url).status_code == 405  # a change is a POST
    response = browser.post(url)
    assert response["Location"] == reverse("client_detail", args=[world.client.pk])
    alert.refresh_from_db()
    first = alert.acknowledged_at
    assert first is not None and alert.acknowledged_by == world.therapist
    (event,) = _audit(world.client, "alert.acknowledge")
    assert (event.object_id, event.detail["rule"], event.actor) == (
        str(alert.pk),
        "AL-NEW-RED-FLAG",
        world.therapist,
    )
    world.client.refresh_from_db()
    assert (world.client.next_step, world.client.attention) == ("emergency", 5)
    page = _client_page(world.therapist, world.client)
    assert values_of(page, "data-next-step")[0] == "emergency"
    (item,) = [
        t for t in tags(page, "data-clinic-alert") if t["data-clinic-alert"] == str(alert.pk)
    ]
    assert "unacknowledged" not in item.get("class", "")
    # A second acknowledgement is refused and changes nothing.
    browser.post(url)
    alert.refresh_from_db()
    assert alert.acknowledged_at == first
    assert len(_audit(world.client, "alert.acknowledge")) == 1


def test_another_clinics_alert_cannot_be_acknowledged(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"])
    alert = ClinicAlert.objects.get(client=world.client)
    url = reverse("alert_acknowledge", args=[world.client.pk, alert.pk])
    assert browser_for(world.colleague).post(url).status_code == 404
    assert browser_for(world.outsider).post(url).status_code == 404
    # Through another client of the right clinic: 404 too.
    other = emergency_client(world, "Otto Same-Clinic")
    wrong = reverse("alert_acknowledge", args=[other.pk, alert.pk])
    assert browser_for(world.therapist).post(wrong).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="alert.acknowledge").exists()


# -- 3. escalation on a fixed clock --------------------------------------------------------------


def _escalate(now: dt.datetime, capture: Any) -> list[ClinicAlert]:
    with capture(execute=True):
        return actions.escalate_alerts(now=now)


def _raised(client: Client, capture: Any, **given: Any) -> ClinicAlert:
    with capture(execute=True):
        checkin(client, **given)
    alert = ClinicAlert.objects.get(client=client)
    ClinicAlert.objects.filter(pk=alert.pk).update(raised_at=T0)
    mail.outbox.clear()
    return alert


def test_an_emergency_escalates_after_an_hour_then_every_hour_to_the_admins_only(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = staff_of(world)
    capture = django_capture_on_commit_callbacks
    alert = _raised(staff.client, capture, red_flags=["saddle_numbness"])
    hour = dt.timedelta(hours=1)
    assert _escalate(T0 + dt.timedelta(minutes=59), capture) == []
    assert outbox == []
    assert [a.pk for a in _escalate(T0 + hour, capture)] == [alert.pk]
    alert.refresh_from_db()
    assert (alert.escalations, alert.last_escalated_at) == (1, T0 + hour)
    (message,) = outbox
    assert set(message.to) == staff.admins  # not the client's own therapist this time
    assert message.subject.startswith("ESCALATED")
    assert "Quentin" not in message.subject + message.body
    (event,) = _audit(staff.client, "alert.escalate")
    assert (event.object_id, event.detail["escalations"], event.actor) == (str(alert.pk), 1, None)
    # Run twice at the same time: once.
    assert _escalate(T0 + hour, capture) == []
    assert _escalate(T0 + 2 * hour - dt.timedelta(seconds=1), capture) == []
    assert len(_escalate(T0 + 2 * hour, capture)) == 1
    alert.refresh_from_db()
    assert alert.escalations == 2 and len(outbox) == 2
    assert len(_audit(staff.client, "alert.escalate")) == 2


def test_see_a_doctor_escalates_after_a_day_then_every_day(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    staff = staff_of(world)
    alert = _raised(staff.client, capture, red_flags=["fever"])
    assert alert.next_step == "see_doctor"
    day = dt.timedelta(days=1)
    assert _escalate(T0 + day - dt.timedelta(minutes=1), capture) == []
    assert len(_escalate(T0 + day, capture)) == 1
    assert _escalate(T0 + 2 * day - dt.timedelta(minutes=1), capture) == []
    assert len(_escalate(T0 + 2 * day, capture)) == 1
    alert.refresh_from_db()
    assert alert.escalations == 2
    assert [set(m.to) for m in outbox] == [staff.admins, staff.admins]


def test_an_acknowledged_alert_is_never_escalated(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    alert = _raised(world.client, capture, red_flags=["saddle_numbness"])
    actions.acknowledge_alert(by=world.therapist, alert=alert)
    assert _escalate(T0 + dt.timedelta(days=30), capture) == []
    alert.refresh_from_db()
    assert alert.escalations == 0 and outbox == []
    assert not _audit(world.client, "alert.escalate")


def test_the_escalate_command_judges_at_the_time_it_is_given(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    alert = _raised(world.client, capture, red_flags=["saddle_numbness"])

    def run(now: str) -> str:
        out = io.StringIO()
        with capture(execute=True):
            call_command("escalate", "--now", now, stdout=out)
        return out.getvalue()

    assert "Escalated 0 alert(s)." in run((T0 + dt.timedelta(minutes=59)).isoformat())
    assert "Escalated 1 alert(s)." in run((T0 + dt.timedelta(hours=1)).isoformat())
    assert "Escalated 0 alert(s)." in run((T0 + dt.timedelta(hours=1)).isoformat())
    assert "Escalated 1 alert(s)." in run("2026-11-02T13:00:00+02:00")  # 11:00 UTC
    alert.refresh_from_db()
    assert alert.escalations == 2
    assert alert.last_escalated_at == dt.datetime(2026, 11, 2, 11, 0, tzinfo=dt.UTC)
    for bad in ("2026-11-02T12:00:00", "yesterday"):  # no time zone; not a time
        with pytest.raises(CommandError):
            call_command("escalate", "--now", bad, stdout=io.StringIO())
    alert.refresh_from_db()
    assert alert.escalations == 2 and len(_audit(world.client, "alert.escalate")) == 2


def test_an_alert_acknowledged_while_the_escalation_runs_is_not_escalated(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    alert = _raised(world.client, capture, red_flags=["saddle_numbness"])
    escalate_one = actions._escalate

    def acknowledged_meanwhile(**kwargs: Any) -> Any:
        # A therapist presses Acknowledge after the run has listed the alert as due.
        actions.acknowledge_alert(by=world.therapist, alert=kwargs["alert"])
        return escalate_one(**kwargs)

    monkeypatch.setattr(actions, "_escalate", acknowledged_meanwhile)
    _escalate(T0 + dt.timedelta(hours=2), capture)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert alert.escalations == 0 and outbox == []


# -- 4. medical reviews ------------------------------------------------------------------------


def _review_form(**given: Any) -> dict[str, Any]:
    return {
        "date": today().isoformat(),
        "rules": ["RF-CES-SADDLE"],
        "reviewer": REVIEW_FIELDS["by"],
        "role": REVIEW_FIELDS["role"],
        "source": "letter_seen",
        "outcome": "may_resume",
        "note": "",
    } | given


def test_a_letter_seen_review_resolves_the_warning_sign_and_is_audited(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"], pain=6)
    world.client.refresh_from_db()
    assert world.client.next_step == "emergency"
    browser = browser_for(world.therapist)
    response = browser.post(reverse("review_new", args=[world.client.pk]), _review_form())
    assert response["Location"] == reverse("client_detail", args=[world.client.pk])
    (review,) = MedicalReview.objects.filter(client=world.client)
    assert (review.rules, review.source, review.outcome, review.date) == (
        ["RF-CES-SADDLE"],
        "letter_seen",
        "may_resume",
        today(),
    )
    (event,) = _audit(world.client, "review.create")
    assert event.detail == {"rules": ["RF-CES-SADDLE"], "outcome": "may_resume"}
    world.client.refresh_from_db()
    assert (world.client.next_step, world.client.attention) == ("continue", 0)
    page = _client_page(world.therapist, world.client)
    assert values_of(page, "data-next-step")[0] == "continue"
    assert "AL-NEW-RED-FLAG" not in values_of(page, "data-alert")
    assert str(review.pk) in values_of(page, "data-review")


def test_a_review_dated_in_the_future_is_refused_on_its_date(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"])
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = browser_for(world.therapist).post(
        reverse("review_new", args=[world.client.pk]), _review_form(date=tomorrow)
    )
    assert response.status_code == 422
    assert 'id="id_date-error"' in response.content.decode()
    assert not MedicalReview.objects.exists()
    assert not _audit(world.client, "review.create")
    world.client.refresh_from_db()
    assert world.client.next_step == "emergency"


def test_an_unknown_rule_is_refused_on_its_field(world: World) -> None:
    response = browser_for(world.therapist).post(
        reverse("review_new", args=[world.client.pk]), _review_form(rules=["RF-NOT-A-RULE"])
    )
    assert response.status_code == 422
    assert 'id="id_rules-error"' in response.content.decode()
    assert not MedicalReview.objects.exists()


def test_a_clients_own_report_or_a_not_advised_outcome_keeps_the_emergency(
    world: World,
) -> None:
    checkin(world.client, red_flags=["saddle_numbness"])
    browser = browser_for(world.therapist)
    url = reverse("review_new", args=[world.client.pk])
    assert browser.post(url, _review_form(source="client_report")).status_code == 302
    world.client.refresh_from_db()
    assert world.client.next_step == "emergency"
    assert browser.post(url, _review_form(outcome="not_advised")).status_code == 302
    world.client.refresh_from_db()
    assert world.client.next_step == "emergency"
    first, second = MedicalReview.objects.filter(client=world.client).order_by("id")
    page = _client_page(world.therapist, world.client)
    shown = {t["data-review"]: t.get("class", "") for t in tags(page, "data-review")}
    assert set(shown) == {str(first.pk), str(second.pk)}  # the history stays visible
    assert "warn" in shown[str(second.pk)].split() and "warn" not in shown[str(first.pk)].split()
    assert "AL-NEW-RED-FLAG" in values_of(page, "data-alert")
    assert len(_audit(world.client, "review.create")) == 2


def test_another_clinics_client_cannot_be_reviewed(world: World) -> None:
    url = reverse("review_new", args=[world.client.pk])
    assert browser_for(world.colleague).post(url, _review_form()).status_code == 404
    assert browser_for(world.outsider).post(url, _review_form()).status_code == 404
    assert browser_for(world.therapist).get(url).status_code == 405
    assert not MedicalReview.objects.exists()


# -- 5. the §6a check before a session is saved --------------------------------------------------


def _session_form(**given: Any) -> dict[str, Any]:
    return {
        "date": today().isoformat(),
        "pain_before": "5",
        "pain_after": "4",
        "techniques": ["swedish"],
        "pressure": "light",
    } | given


def _confirm(kind: str = "recorded_after_the_fact", reason: str = TEN) -> dict[str, str]:
    return {"override_confirm": "on", "override_kind": kind, "override_reason": reason}


def _amend_form(session: Session, reason: str, **changes: Any) -> dict[str, Any]:
    """The amendment form as the page fills it (the session's current values), with changes."""
    values = session.current_values() | changes
    form = {k: ("" if v is None else v) for k, v in values.items()}
    return form | {"reason": reason}


def test_an_emergency_client_is_stopped_before_a_session_and_recorded_only_after_the_fact(
    world: World,
) -> None:
    client = emergency_client(world)
    browser = browser_for(world.therapist)
    url = reverse("session_new", args=[client.pk])
    shown = browser.get(url)
    assert shown.status_code == 200
    assert values_of(shown.content, "data-cause") == ["emergency", "no_massage"]
    audit_before = AuditEvent.objects.filter(action="session.create").count()
    refusals = [
        ({}, "override_confirm"),  # no confirmation at all
        (_confirm(kind="doctor_cleared_verbally"), "override_kind"),  # not for an emergency
        (_confirm(kind="client_informed_choice"), "override_kind"),
        (_confirm(reason="Happened!"), "override_reason"),  # 9 characters
        (_confirm(reason="   Happened!   "), "override_reason"),  # 9 once trimmed
    ]
    for extra, field in refusals:
        response = browser.post(url, _session_form() | extra)
        assert response.status_code == 422, extra
        page = response.content.decode()
        assert f'id="id_{field}-error"' in page, extra
        assert values_of(page, "data-cause")[0] == "emergency"  # the prompts stay shown
        assert not Session.objects.filter(client=client).exists()
    assert AuditEvent.objects.filter(action="session.create").count() == audit_before
    response = browser.post(url, _session_form() | _confirm())
    session = Session.objects.get(client=client)
    assert response["Location"] == reverse("session_detail", args=[client.pk, session.pk])
    assert session.safety_override is True
    assert (session.override_kind, session.override_reason) == ("recorded_after_the_fact", TEN)
    assert session.override_causes == ["emergency", "no_massage"]
    (event,) = _audit(client, "session.create")
    assert event.detail["override"] == ["emergency", "no_massage"]
    assert event.detail["override_kind"] == "recorded_after_the_fact"
    assert event.detail["safety_override"] is True and event.full_detail["override_reason"] == TEN
    assert tags(_client_page(world.therapist, client), "data-safety-override")
    detail = browser.get(response["Location"]).content.decode()
    (banner,) = tags(detail, "data-override-shown")
    assert "banner-emergency" in banner["class"]
    assert TEN in detail


def test_a_reason_of_up_to_500_characters_is_kept(world: World) -> None:
    client = emergency_client(world)
    browser = browser_for(world.therapist)
    url = reverse("session_new", args=[client.pk])
    too_long = browser.post(url, _session_form() | _confirm(reason="x" * 501))
    assert too_long.status_code == 422 and not Session.objects.filter(client=client).exists()
    assert browser.post(url, _session_form() | _confirm(reason="y" * 500)).status_code == 302
    assert Session.objects.get(client=client).override_reason == "y" * 500


def test_a_light_pressure_client_gets_one_prompt_for_pressure_and_one_for_technique(
    world: World,
) -> None:
    client = light_client(world)
    browser = browser_for(world.therapist)
    url = reverse("session_new", args=[client.pk])
    assert values_of(browser.get(url).content, "data-cause") == []
    firm = _session_form(pressure="firm", techniques=["deep_tissue"])
    response = browser.post(url, firm)
    assert response.status_code == 422
    assert values_of(response.content, "data-cause") == ["pressure", "technique"]
    assert not Session.objects.filter(client=client).exists()
    check = reverse("session_check", args=[client.pk])
    answer = browser.post(check, {"pressure": "firm", "techniques": ["deep_tissue"]})
    assert answer.status_code == 200
    assert values_of(answer.content, "data-cause") == ["pressure", "technique"]
    assert "PR-BLEEDING" in answer.content.decode()
    assert values_of(browser.post(check, {"pressure": "firm"}).content, "data-cause") == [
        "pressure"
    ]
    fine = browser.post(check, {"pressure": "light", "techniques": ["swedish"]})
    assert values_of(fine.content, "data-cause") == []
    assert not Session.objects.filter(client=client).exists()  # a check saves nothing
    saved = browser.post(url, firm | _confirm(kind="client_informed_choice"))
    assert saved.status_code == 302
    session = Session.objects.get(client=client)
    assert session.override_causes == ["pressure", "technique"]
    assert session.safety_override is False and session.override_kind == "client_informed_choice"
    assert not tags(_client_page(world.therapist, client), "data-safety-override")


def test_no_massage_replaces_the_pressure_and_technique_prompts(world: World) -> None:
    client = urgent_client(world)
    browser = browser_for(world.therapist)
    check = reverse("session_check", args=[client.pk])
    for proposal in (
        {"pressure": "firm", "techniques": ["deep_tissue"]},
        {"pressure": "light", "techniques": ["swedish"]},
    ):
        causes = values_of(browser.post(check, proposal).content, "data-cause")
        assert causes == ["see_doctor", "no_massage"], proposal


def test_the_sessions_own_warning_sign_needs_no_reason_but_shows_the_emergency(
    world: World,
) -> None:
    browser = browser_for(world.therapist)
    check = reverse("session_check", args=[world.client.pk])
    answer = browser.post(
        check,
        {"pressure": "light", "techniques": ["swedish"], "new_red_flags": ["saddle_numbness"]},
    )
    assert values_of(answer.content, "data-check") == ["visit-emergency"]
    assert values_of(answer.content, "data-cause") == []
    quiet = browser.post(check, {"pressure": "light", "techniques": ["swedish"]})
    assert values_of(quiet.content, "data-check") == []
    url = reverse("session_new", args=[world.client.pk])
    response = browser.post(url, _session_form(new_red_flags=["saddle_numbness"]))
    assert response.status_code == 302
    session = Session.objects.get(client=world.client, number=2)
    assert session.new_red_flags == ["saddle_numbness"]
    assert (session.override_kind, session.override_causes, session.safety_override) == (
        "",
        [],
        False,
    )
    assert "override" not in _audit(world.client, "session.create")[-1].detail
    world.client.refresh_from_db()
    assert world.client.next_step == "emergency"
    # The next session is stopped by it.
    assert values_of(browser.get(url).content, "data-cause")[0] == "emergency"


def test_an_amendment_is_checked_for_pressure_and_technique_only(world: World) -> None:
    client = light_client(world)
    session = actions.record_session(
        by=world.therapist,
        client=client,
        when=yesterday(),
        values=dict(SESSION_VALUES) | {"pressure": "light", "techniques": ["swedish"]},
    )
    actions.sign_session(by=world.therapist, session=session)
    checkin(client, side_effects=["fever"])  # the course now has see-a-doctor alerts
    browser = browser_for(world.therapist)
    url = reverse("session_amend", args=[client.pk, session.pk])
    amend = _amend_form(session, "Typed the wrong pressure", pressure="firm")
    response = browser.post(url, amend)
    assert response.status_code == 422
    assert values_of(response.content, "data-cause") == ["pressure"]  # not see_doctor
    assert not Amendment.objects.filter(session=session).exists()
    check = reverse("session_check", args=[client.pk])
    answer = browser.post(check, {"session": session.pk, "pressure": "firm"})
    assert values_of(answer.content, "data-cause") == ["pressure"]
    response = browser.post(url, amend | _confirm(kind="doctor_cleared_verbally"))
    assert response.status_code == 302
    (amendment,) = Amendment.objects.filter(session=session)
    assert (amendment.field, amendment.old_value, amendment.new_value) == (
        "pressure",
        "light",
        "firm",
    )
    session.refresh_from_db()
    assert session.override_causes == ["pressure"]
    assert session.override_kind == "doctor_cleared_verbally" and not session.safety_override
    (event,) = _audit(client, "session.amend")
    assert event.detail["override"] == ["pressure"]
    # A change that is not pressure or technique needs no confirmation.
    session.refresh_from_db()
    note = _amend_form(session, "Pain after was 3", pain_after=3)
    assert browser.post(url, note).status_code == 302
    assert Amendment.objects.filter(session=session).count() == 2


def test_an_amendment_of_an_emergency_clients_session_is_not_stopped_by_the_emergency(
    world: World,
) -> None:
    client = emergency_client(world)
    session = actions.record_session(
        by=world.therapist,
        client=client,
        when=yesterday(),
        values=dict(SESSION_VALUES) | {"pressure": "light", "techniques": ["swedish"]},
        override=AFTER_THE_FACT,
    )
    actions.sign_session(by=world.therapist, session=session)
    url = reverse("session_amend", args=[client.pk, session.pk])
    browser = browser_for(world.therapist)
    amend = _amend_form(session, "Pain after was 5", pain_after=5)
    assert browser.post(url, amend).status_code == 302  # causes 1-2 are not checked
    response = browser.post(url, _amend_form(session, "Was medium", pressure="medium"))
    assert values_of(response.content, "data-cause") == ["no_massage"]
    assert Amendment.objects.filter(session=session).count() == 1


# -- the v1.1 records and erasure --------------------------------------------------------------


def test_a_client_whose_checkin_raised_an_alert_can_be_erased(world: World) -> None:
    checkin(world.client, red_flags=["fever"])
    browser = browser_for(world.therapist)
    browser.raise_request_exception = False
    url = reverse("client_erase", args=[world.client.pk])
    response = browser.post(url, {"confirm_name": world.client.full_name})
    assert response.status_code == 302
    assert not CheckIn.objects.filter(client=world.client).exists()
    assert not ClinicAlert.objects.filter(client=world.client).exists()


def test_erasing_a_client_removes_their_medical_reviews(world: World) -> None:
    actions.record_review(
        by=world.therapist,
        client=world.client,
        values=REVIEW_FIELDS
        | {
            "date": yesterday(),
            "rules": ["RF-FEVER"],
            "source": "letter_seen",
            "outcome": "with_restrictions",
            "note": "No prone work for a month.",
        },
        today=today(),
    )
    response = browser_for(world.therapist).post(
        reverse("client_erase", args=[world.client.pk]), {"confirm_name": world.client.full_name}
    )
    assert response.status_code == 302
    assert not CheckIn.objects.filter(client=world.client).exists()
    assert not MedicalReview.objects.filter(client=world.client).exists()


def test_the_emergency_answer_gives_the_number_to_call_only_when_it_is_known(
    world: World, settings: Any
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "112"
    response, _ = _portal_checkin(world, world.client, red_flags=["saddle_numbness"])
    calls = [a["href"] for a in tags(response.content, "href") if a["href"].startswith("tel:")]
    assert calls == ["tel:112"]
    settings.BACKCARE_EMERGENCY_NUMBER = ""
    response, _ = _portal_checkin(world, world.client, red_flags=["saddle_numbness"])
    page = response.content.decode()
    assert 'data-advice="emergency"' in page and "data-emergency-call" not in page
