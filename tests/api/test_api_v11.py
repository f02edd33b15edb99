"""Version 1.1 through /api/v1: check-ins answer the alerts they raised, alerts are listed and
acknowledged, medical reviews are recorded and resolve what visits raised, and a session that
breaks the assessment answers 409 with its causes until it is confirmed (clinical-rules §6,
§6a, §6b; contracts §3 `reviews`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import zoneinfo
from typing import Any

import pytest
from django.core import mail

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import CheckIn, Client, ClinicAlert, MedicalReview, Session
from support import AFTER_THE_FACT
from support.api import call, token_for
from support.v11 import (
    REVIEW_FIELDS,
    TEN,
    checkin,
    emergency_client,
    fast_passwords,  # noqa: F401 - an autouse fixture
    light_client,
    staff_of,
    today,
    urgent_client,
    yesterday,
)
from support.world import SESSION_VALUES, World

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
ALL_REASON_KINDS = [
    "recorded_after_the_fact",
    "doctor_cleared_verbally",
    "client_informed_choice",
    "other",
]


@pytest.fixture
def outbox(settings: Any) -> list[Any]:
    settings.EMAIL_BACKEND = LOCMEM
    mail.outbox = []
    return mail.outbox


def _audit(client: Client, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(client=client, action=action).order_by("id"))


def _checkin_body(**given: Any) -> dict[str, Any]:
    return {"date": yesterday().isoformat(), "pain": 5} | given


def _client_json(token: str, client: Client) -> dict[str, Any]:
    response = call("get", f"/clients/{client.pk}", token)
    assert response.status_code == 200
    return response.json()


# -- 1. check-ins ------------------------------------------------------------------------------


def test_a_checkin_answers_the_alerts_it_raised_and_enters_the_course(world: World) -> None:
    token = token_for(world.therapist)
    c = world.client.pk
    response = call(
        "post", f"/clients/{c}/checkins", token, _checkin_body(red_flags=["saddle_numbness"])
    )
    assert response.status_code == 201
    body = response.json()
    (alert,) = body["alerts"]
    assert (alert["rule"], alert["next_step"], alert["when"]) == (
        "AL-NEW-RED-FLAG",
        "emergency",
        "now",
    )
    assert alert["acknowledged_at"] is None and alert["escalations"] == 0
    stored = ClinicAlert.objects.get(pk=alert["id"])
    assert stored.checkin_id == body["id"] and stored.client == world.client
    assert CheckIn.objects.get(pk=body["id"]).red_flags == ["saddle_numbness"]
    summary = _client_json(token, world.client)
    assert (summary["attention"], summary["next_step"]) == (5, "emergency")
    progress = call("get", f"/clients/{c}/progress", token).json()
    assert progress["next_step"] == "emergency"
    assert "AL-NEW-RED-FLAG" in [a["rule"] for a in progress["alerts"]]
    listed = call("get", f"/clients/{c}/alerts", token)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [alert["id"]]
    again = call("get", f"/clients/{c}/checkins/{body['id']}", token).json()
    assert [a["id"] for a in again["alerts"]] == [alert["id"]]
    assert [e.object_id for e in _audit(world.client, "alert.raise")] == [str(alert["id"])]


@pytest.mark.parametrize(
    ("given", "expected", "attention"),
    [
        ({"red_flags": ["saddle_numbness"]}, [("AL-NEW-RED-FLAG", "emergency", "now")], 5),
        ({"red_flags": ["new_bowel_incontinence"]}, [("AL-NEW-RED-FLAG", "emergency", "now")], 5),
        ({"red_flags": ["fever"]}, [("AL-NEW-RED-FLAG", "see_doctor", "today")], 4),
        (
            {"red_flags": ["unexplained_weight_loss"]},
            [("AL-NEW-RED-FLAG", "see_doctor", "today")],
            4,
        ),
        ({"side_effects": ["numbness"]}, [("AL-NEURO-SYMPTOMS", "see_doctor", "today")], 4),
        (
            {"side_effects": ["numbness"], "side_effect_hours": 12},
            [("AL-NEURO-SYMPTOMS", "see_doctor", "today")],
            4,
        ),
        (
            {"side_effects": ["fever"]},
            [("AL-NEW-RED-FLAG", "see_doctor", "today"), ("AL-FEVER", "see_doctor", "today")],
            4,
        ),
        ({"pain": 9}, [("AL-WORSENING", "see_doctor", "within_a_week")], 4),
        ({"pain": 5, "side_effects": ["soreness"]}, [], 0),
    ],
    ids=[
        "saddle",
        "bowel",
        "fever-flag",
        "weight-loss",
        "numbness",
        "numbness-12h",
        "fever-side-effect",
        "worsening",
        "soreness",
    ],
)
def test_each_alert_is_stored_with_when_the_client_must_act(
    world: World, given: dict[str, Any], expected: list[tuple[str, str, str]], attention: int
) -> None:
    token = token_for(world.therapist)
    response = call("post", f"/clients/{world.client.pk}/checkins", token, _checkin_body(**given))
    assert response.status_code == 201
    alerts = sorted(response.json()["alerts"], key=lambda a: a["id"])
    assert [(a["rule"], a["next_step"], a["when"]) for a in alerts] == expected
    stored = ClinicAlert.objects.filter(client=world.client).order_by("id")
    assert [(a.rule, a.next_step, a.when) for a in stored] == expected
    assert _client_json(token, world.client)["attention"] == attention


def test_the_therapist_and_the_admins_are_emailed_without_the_clients_name(
    world: World, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = staff_of(world)
    token = token_for(staff.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = call(
            "post",
            f"/clients/{staff.client.pk}/checkins",
            token,
            _checkin_body(side_effects=["weakness"]),
        )
    assert response.status_code == 201
    (message,) = outbox
    assert set(message.to) == {staff.owner.email, *staff.admins}
    for secret in ("Quentin", "Quillfeather", "quentin@private.test"):
        assert secret not in message.subject and secret not in message.body


def test_a_failing_mail_server_keeps_the_checkin_and_logs_the_failure(
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
        response = call(
            "post",
            f"/clients/{staff.client.pk}/checkins",
            token_for(staff.owner),
            _checkin_body(red_flags=["chest_pain"]),
        )
    assert len(sent) == 1
    assert response.status_code == 201
    assert [a["rule"] for a in response.json()["alerts"]] == ["AL-NEW-RED-FLAG"]
    assert CheckIn.objects.filter(client=staff.client).count() == 1
    assert ClinicAlert.objects.filter(client=staff.client).count() == 1
    assert any(
        r.name == "backcare.notify" and r.levelno == logging.ERROR and r.exc_info
        for r in caplog.records
    )


@pytest.mark.parametrize(
    ("given", "paths"),
    [
        ({"pain": 11}, {"pain"}),
        ({"pain": -1}, {"pain"}),
        ({"side_effects": ["tingling"]}, {"side_effects"}),
        ({"side_effects": ["numbness", "numbness"]}, {"side_effects"}),
        ({"red_flags": ["sadle_numbness"]}, {"red_flags"}),
        ({"side_effect_hours": -2}, {"side_effect_hours"}),
        (
            {"pain": 11, "side_effects": ["tingling"], "red_flags": ["sadle_numbness"]},
            {"pain", "side_effects", "red_flags"},
        ),
    ],
    ids=[
        "pain-11",
        "pain-negative",
        "unknown-side-effect",
        "repeated-side-effect",
        "unknown-red-flag",
        "negative-hours",
        "all-three",
    ],
)
def test_an_invalid_checkin_is_refused_with_its_paths_and_stores_nothing(
    world: World, outbox: Any, given: dict[str, Any], paths: set[str]
) -> None:
    token = token_for(world.therapist)
    before = AuditEvent.objects.count()
    response = call("post", f"/clients/{world.client.pk}/checkins", token, _checkin_body(**given))
    assert response.status_code == 422
    assert {p["path"] for p in response.json()} == paths
    assert not CheckIn.objects.exists() and not ClinicAlert.objects.exists()
    assert AuditEvent.objects.count() == before
    assert outbox == []


def test_another_clinics_client_cannot_check_in_or_list_alerts(world: World) -> None:
    token = token_for(world.colleague)
    c = world.client.pk
    assert call("post", f"/clients/{c}/checkins", token, _checkin_body(pain=9)).status_code == 404
    assert call("get", f"/clients/{c}/alerts", token).status_code == 404
    assert not CheckIn.objects.filter(client=world.client).exists()


# -- 2. acknowledging --------------------------------------------------------------------------


def test_acknowledging_is_audited_once_and_leaves_the_alert_raised(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"])
    alert = ClinicAlert.objects.get(client=world.client)
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/alerts/{alert.pk}/acknowledge"
    assert call("post", url, token_for(world.therapist, write=False)).status_code == 401
    response = call("post", url, token)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == alert.pk and body["acknowledged_at"] is not None
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.therapist
    (event,) = _audit(world.client, "alert.acknowledge")
    assert (event.object_id, event.detail["rule"]) == (str(alert.pk), "AL-NEW-RED-FLAG")
    summary = _client_json(token, world.client)
    assert (summary["next_step"], summary["attention"]) == ("emergency", 5)
    progress = call("get", f"/clients/{world.client.pk}/progress", token).json()
    assert progress["next_step"] == "emergency"
    second = call("post", url, token)
    assert second.status_code == 422 and [p["path"] for p in second.json()] == [""]
    assert len(_audit(world.client, "alert.acknowledge")) == 1
    listed = call("get", f"/clients/{world.client.pk}/alerts", token).json()
    assert listed[0]["acknowledged_at"] == body["acknowledged_at"]


def test_another_clinics_alert_is_404(world: World) -> None:
    checkin(world.client, red_flags=["fever"])
    checkin(world.other_client, red_flags=["fever"])
    mine = ClinicAlert.objects.get(client=world.client)
    theirs = ClinicAlert.objects.get(client=world.other_client)
    token = token_for(world.therapist)
    for client_id, alert_id in (
        (world.other_client.pk, theirs.pk),  # their client, their alert
        (world.client.pk, theirs.pk),  # my client, their alert
        (world.other_client.pk, mine.pk),  # their client, my alert
    ):
        url = f"/clients/{client_id}/alerts/{alert_id}/acknowledge"
        assert call("post", url, token).status_code == 404
    assert not ClinicAlert.objects.filter(acknowledged_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="alert.acknowledge").exists()


# -- 4. medical reviews ------------------------------------------------------------------------


def _review(**given: Any) -> dict[str, Any]:
    return (
        REVIEW_FIELDS
        | {
            "date": today().isoformat(),
            "rules": ["RF-CES-SADDLE"],
            "source": "letter_seen",
            "outcome": "may_resume",
        }
        | given
    )


def test_a_review_is_recorded_audited_and_resolves_the_raised_rule(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"], pain=6)
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/reviews"
    assert _client_json(token, world.client)["next_step"] == "emergency"
    response = call("post", url, token, _review(note="Seen in A&E; MRI normal."))
    assert response.status_code == 201
    body = response.json()
    assert body["rules"] == ["RF-CES-SADDLE"] and body["source"] == "letter_seen"
    review = MedicalReview.objects.get(pk=body["id"])
    assert (review.reviewer, review.role, review.note) == (
        "Dr Grey",
        "GP",
        "Seen in A&E; MRI normal.",
    )
    (event,) = _audit(world.client, "review.create")
    assert event.detail == {"rules": ["RF-CES-SADDLE"], "outcome": "may_resume"}
    assert "note" not in event.detail  # no clinical text in the audit log
    summary = _client_json(token, world.client)
    assert (summary["next_step"], summary["attention"]) == ("continue", 0)
    progress = call("get", f"/clients/{world.client.pk}/progress", token).json()
    assert "AL-NEW-RED-FLAG" not in [a["rule"] for a in progress["alerts"]]
    listed = call("get", url, token)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [body["id"]]


def test_a_review_in_the_future_is_refused_at_its_date(world: World) -> None:
    token = token_for(world.therapist)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = call("post", f"/clients/{world.client.pk}/reviews", token, _review(date=tomorrow))
    assert response.status_code == 422
    assert [p["path"] for p in response.json()] == ["date"]
    assert not MedicalReview.objects.exists()
    assert not _audit(world.client, "review.create")


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ({"rules": ["RF-CES-SADDLE", "RF-NOT-A-RULE"]}, "rules"),
        ({"rules": ["AL-WORSENING"]}, "rules"),  # an alert a review does not resolve
        ({"rules": ["CI-DVT"]}, "rules"),  # a rule that reads no warning sign
        ({"rules": []}, "rules"),
        ({"rules": ["RF-FEVER", "RF-FEVER"]}, "rules"),
        ({"source": "rumour"}, "source"),
        ({"outcome": "maybe"}, "outcome"),
        ({"by": ""}, "by"),
        ({"role": "r" * 101}, "role"),
        ({"note": "n" * 2001}, "note"),
    ],
    ids=[
        "unknown-rule",
        "al-worsening",
        "ci-rule",
        "no-rules",
        "repeated-rule",
        "source",
        "outcome",
        "empty-by",
        "long-role",
        "long-note",
    ],
)
def test_an_invalid_review_is_refused_at_its_path(
    world: World, given: dict[str, Any], path: str
) -> None:
    token = token_for(world.therapist)
    response = call("post", f"/clients/{world.client.pk}/reviews", token, _review(**given))
    assert response.status_code == 422
    assert {p["path"] for p in response.json()} == {path}
    assert not MedicalReview.objects.exists()


def test_what_a_review_does_not_resolve(world: World) -> None:
    checkin(world.client, red_flags=["saddle_numbness"], side_effects=["numbness"])
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/reviews"

    def alerts() -> list[str]:
        return [
            a["rule"]
            for a in call("get", f"/clients/{world.client.pk}/progress", token).json()["alerts"]
        ]

    # The client's own word does not resolve an emergency rule.
    assert call("post", url, token, _review(source="client_report")).status_code == 201
    assert "AL-NEW-RED-FLAG" in alerts()
    # A review dated before the check-in that raised it does not either.
    early = (yesterday() - dt.timedelta(days=1)).isoformat()
    assert call("post", url, token, _review(date=early)).status_code == 201
    assert "AL-NEW-RED-FLAG" in alerts()
    # "Not advised" keeps it raised.
    assert call("post", url, token, _review(outcome="not_advised")).status_code == 201
    assert "AL-NEW-RED-FLAG" in alerts() and _client_json(token, world.client)["attention"] == 5
    # A review resolves only what it lists: the rule, not AL-NEURO-SYMPTOMS.
    assert call("post", url, token, _review()).status_code == 201
    assert "AL-NEW-RED-FLAG" not in alerts() and "AL-NEURO-SYMPTOMS" in alerts()
    assert _client_json(token, world.client)["next_step"] == "see_doctor"
    # AL-NEURO-SYMPTOMS has no urgency: the client's report will do.
    assert (
        call(
            "post", url, token, _review(rules=["AL-NEURO-SYMPTOMS"], source="client_report")
        ).status_code
        == 201
    )
    assert "AL-NEURO-SYMPTOMS" not in alerts()
    # The history stays: every review, oldest first.
    listed = call("get", url, token).json()
    assert len(listed) == 5 == MedicalReview.objects.filter(client=world.client).count()
    assert [r["outcome"] for r in listed][2] == "not_advised"
    assert len(_audit(world.client, "review.create")) == 5


def test_a_review_of_rf_fever_does_not_resolve_al_fever(world: World) -> None:
    checkin(world.client, side_effects=["fever"])
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/reviews"
    assert call("post", url, token, _review(rules=["RF-FEVER"])).status_code == 201
    rules = [
        a["rule"]
        for a in call("get", f"/clients/{world.client.pk}/progress", token).json()["alerts"]
    ]
    assert "AL-FEVER" in rules and "AL-NEW-RED-FLAG" not in rules


def test_the_client_export_includes_reviews_and_alerts(world: World) -> None:
    checkin(world.client, red_flags=["fever"])
    token = token_for(world.therapist)
    made = call("post", f"/clients/{world.client.pk}/reviews", token, _review(rules=["RF-FEVER"]))
    assert made.status_code == 201
    export = call("get", f"/clients/{world.client.pk}/export", token)
    assert export.status_code == 200
    text = json.dumps(json.loads(export.content))
    # Whatever the keys are called: the reviewer's name is only in the review, and alert ids
    # are in no intake, assessment, session or check-in.
    assert REVIEW_FIELDS["by"] in text
    assert "AL-NEW-RED-FLAG" in text


def test_another_clinics_client_reviews_are_404(world: World) -> None:
    token = token_for(world.colleague)
    url = f"/clients/{world.client.pk}/reviews"
    assert call("post", url, token, _review()).status_code == 404
    assert call("get", url, token).status_code == 404
    assert not MedicalReview.objects.exists()


# -- 6. sessions: 409 until confirmed -----------------------------------------------------------


def _session(**given: Any) -> dict[str, Any]:
    return {
        "date": today().isoformat(),
        "pain_before": 5,
        "pain_after": 4,
        "techniques": ["swedish"],
        "pressure": "light",
    } | given


def test_an_emergency_client_answers_409_with_its_causes_and_stores_nothing(
    world: World,
) -> None:
    client = emergency_client(world)
    token = token_for(world.therapist)
    url = f"/clients/{client.pk}/sessions"
    created_before = AuditEvent.objects.filter(action="session.create").count()
    response = call("post", url, token, _session())
    assert response.status_code == 409
    body = response.json()
    assert [c["kind"] for c in body["causes"]] == ["emergency", "no_massage"]
    emergency, no_massage = body["causes"]
    assert [r["rule"] for r in emergency["rules"]] == ["AL-UNRESOLVED-REFERRAL"]
    assert [r["rule"] for r in no_massage["rules"]] == ["RF-CES-SADDLE"]
    assert all(r["text"] for c in body["causes"] for r in c["rules"])
    assert emergency["reason_kinds"] == ["recorded_after_the_fact"]
    assert no_massage["reason_kinds"] == ALL_REASON_KINDS
    assert emergency["safety_override"] is True and no_massage["safety_override"] is False
    assert {p["path"] for p in body["problems"]} == {"confirm", "reason_kind", "reason"}
    assert not Session.objects.filter(client=client).exists()
    assert AuditEvent.objects.filter(action="session.create").count() == created_before


@pytest.mark.parametrize(
    ("override", "paths"),
    [
        ({"confirm": False, "reason_kind": "recorded_after_the_fact", "reason": TEN}, {"confirm"}),
        (
            {"confirm": True, "reason_kind": "doctor_cleared_verbally", "reason": TEN},
            {"reason_kind"},
        ),
        ({"confirm": True, "reason_kind": "other", "reason": TEN}, {"reason_kind"}),
        ({"confirm": True, "reason_kind": "made_up", "reason": TEN}, {"reason_kind"}),
        (
            {"confirm": True, "reason_kind": "recorded_after_the_fact", "reason": TEN[:9]},
            {"reason"},
        ),
        (
            {"confirm": True, "reason_kind": "recorded_after_the_fact", "reason": "x" * 501},
            {"reason"},
        ),
        ({"confirm": True, "reason_kind": "recorded_after_the_fact"}, {"reason"}),
    ],
    ids=[
        "no-confirm",
        "doctor-cleared",
        "other",
        "unknown-kind",
        "9-chars",
        "501-chars",
        "no-reason",
    ],
)
def test_an_emergency_session_needs_exactly_an_after_the_fact_confirmation(
    world: World, override: dict[str, Any], paths: set[str]
) -> None:
    client = emergency_client(world)
    response = call(
        "post", f"/clients/{client.pk}/sessions", token_for(world.therapist), _session(**override)
    )
    assert response.status_code == 409
    assert {p["path"] for p in response.json()["problems"]} == paths
    assert not Session.objects.filter(client=client).exists()


def test_a_confirmed_emergency_session_is_saved_as_a_safety_override(world: World) -> None:
    client = emergency_client(world)
    token = token_for(world.therapist)
    response = call("post", f"/clients/{client.pk}/sessions", token, _session(**AFTER_THE_FACT))
    assert response.status_code == 201
    body = response.json()
    assert body["override"] == {
        "causes": ["emergency", "no_massage"],
        "reason_kind": "recorded_after_the_fact",
        "reason": AFTER_THE_FACT["reason"],
        "safety_override": True,
    }
    session = Session.objects.get(pk=body["id"])
    assert session.safety_override and session.override_kind == "recorded_after_the_fact"
    (event,) = _audit(client, "session.create")
    assert event.detail["override"] == ["emergency", "no_massage"]
    assert event.detail["safety_override"] is True
    shown = call("get", f"/clients/{client.pk}/sessions/{session.pk}", token).json()
    assert shown["override"] == body["override"]


def test_a_light_pressure_client_answers_409_for_pressure_and_technique(world: World) -> None:
    client = light_client(world)
    token = token_for(world.therapist)
    url = f"/clients/{client.pk}/sessions"
    response = call("post", url, token, _session(pressure="firm", techniques=["deep_tissue"]))
    assert response.status_code == 409
    causes = response.json()["causes"]
    assert [c["kind"] for c in causes] == ["pressure", "technique"]
    assert causes[0]["detail"] == ["firm", "light"] and causes[1]["detail"] == ["deep_tissue"]
    assert [r["rule"] for r in causes[0]["rules"]] == ["PR-BLEEDING"]
    assert all(c["reason_kinds"] == ALL_REASON_KINDS for c in causes)
    assert not Session.objects.filter(client=client).exists()
    # Within the limits: no confirmation needed, no override kept.
    fine = call("post", url, token, _session())
    assert fine.status_code == 201 and fine.json()["override"] is None
    confirmed = call(
        "post",
        url,
        token,
        _session(
            pressure="firm",
            techniques=["deep_tissue"],
            confirm=True,
            reason_kind="doctor_cleared_verbally",
            reason="Her GP said firm is fine.",
        ),
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["override"] == {
        "causes": ["pressure", "technique"],
        "reason_kind": "doctor_cleared_verbally",
        "reason": "Her GP said firm is fine.",
        "safety_override": False,
    }


def test_no_massage_at_all_replaces_pressure_and_technique(world: World) -> None:
    client = urgent_client(world)
    token = token_for(world.therapist)
    response = call(
        "post",
        f"/clients/{client.pk}/sessions",
        token,
        _session(pressure="firm", techniques=["deep_tissue"]),
    )
    assert response.status_code == 409
    assert [c["kind"] for c in response.json()["causes"]] == ["see_doctor", "no_massage"]


def test_a_sessions_own_warning_sign_is_not_a_cause(world: World) -> None:
    token = token_for(world.therapist)
    response = call(
        "post",
        f"/clients/{world.client.pk}/sessions",
        token,
        _session(new_red_flags=["saddle_numbness"]),
    )
    assert response.status_code == 201 and response.json()["override"] is None
    assert _client_json(token, world.client)["next_step"] == "emergency"
    # ... but the next session is stopped by the emergency it raised.
    again = call("post", f"/clients/{world.client.pk}/sessions", token, _session())
    assert again.status_code == 409
    (cause,) = again.json()["causes"]
    assert cause["kind"] == "emergency" and cause["rules"][0]["rule"] == "AL-NEW-RED-FLAG"


def test_an_amendment_beyond_the_limit_answers_409_until_confirmed(world: World) -> None:
    client = light_client(world)
    session = actions.record_session(
        by=world.therapist,
        client=client,
        when=yesterday(),
        values=dict(SESSION_VALUES) | {"pressure": "light", "techniques": ["swedish"]},
    )
    actions.sign_session(by=world.therapist, session=session)
    token = token_for(world.therapist)
    url = f"/clients/{client.pk}/sessions/{session.pk}/amendments"
    change = {"changes": {"techniques": ["swedish", "trigger_point"]}, "reason": "Forgot one"}
    refused = call("post", url, token, change)
    assert refused.status_code == 409
    assert [c["kind"] for c in refused.json()["causes"]] == ["technique"]
    assert not session.amendments.exists()
    confirmed = call(
        "post",
        url,
        token,
        change
        | {"confirm": True, "reason_kind": "other", "override_reason": "Client asked for it."},
    )
    assert confirmed.status_code == 201
    body = confirmed.json()
    assert body["techniques"] == ["swedish", "trigger_point"]
    assert (
        body["override"]["causes"] == ["technique"] and body["override"]["reason_kind"] == "other"
    )


def test_a_checkin_with_an_infinite_score_is_refused_not_a_server_error(world: World) -> None:
    # Python's JSON reader takes Infinity; the core's contract refuses it (no 500).
    body = '{"date": "2026-01-10", "pain": 5, "peg": Infinity, "side_effect_hours": -Infinity}'
    url = f"/clients/{world.client.pk}/checkins"
    response = call("post", url, token_for(world.therapist), body)
    assert response.status_code == 422
    assert not CheckIn.objects.filter(client=world.client).exists()


def test_a_reviews_today_is_the_clinics_not_utcs(world: World) -> None:
    # At any moment, 14 hours ahead of UTC or 12 behind is on another day: ahead, the clinic's
    # today is accepted though it is UTC's tomorrow; behind, UTC's today is the clinic's
    # tomorrow and refused.
    utc_day = dt.datetime.now(dt.UTC).date()
    clinic = world.client.clinic
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/reviews"
    ahead = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    behind = zoneinfo.ZoneInfo("Etc/GMT+12")
    checked = 0
    if dt.datetime.now(ahead).date() != utc_day:
        clinic.time_zone = "Pacific/Kiritimati"
        clinic.save()
        clinic_day = dt.datetime.now(ahead).date().isoformat()
        assert call("post", url, token, _review(date=clinic_day)).status_code == 201
        checked += 1
    if dt.datetime.now(behind).date() != utc_day:
        clinic.time_zone = "Etc/GMT+12"
        clinic.save()
        response = call("post", url, token, _review(date=utc_day.isoformat()))
        assert response.status_code == 422 and [p["path"] for p in response.json()] == ["date"]
        checked += 1
    assert checked >= 1
