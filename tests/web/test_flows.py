"""The therapist's and the client's paths through the web app, on the real database."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from backcare.audit.models import AppendOnlyError, AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import Amendment, CheckIn, Client, ClientLink, IntakeRecord, Session
from backcare.core.rules.tables import load_tables
from backcare.core.wording import ALERT_NAME
from support import AFTER_THE_FACT
from support.checkin_link import post_checkin
from support.downloads import body
from support.intake_link import link_answers
from support.world import SESSION_VALUES, World, browser_for

INTAKE_FORM = {
    "age": "52",
    "sex": "female",
    "pain_intensity": "6",
    "pain_duration_weeks": "20",
    "pain_regions": ["lumbar"],
    "pain_onset": "gradual",
    "pain_radiation": "none",
    "findings_trigger_points": "on",
    "red_flags": ["none"],
    "conditions": ["none"],
    "medications": ["anticoagulant"],
}


def test_new_client_then_intake_then_assessment(world: World) -> None:
    browser = browser_for(world.therapist)
    response = browser.post(reverse("client_new"), {"full_name": "Erin New"})
    client = Client.objects.get(full_name="Erin New")
    assert response["Location"] == reverse("intake_new", args=[client.pk])
    response = browser.post(reverse("intake_new", args=[client.pk]), INTAKE_FORM)
    entry = client.intakes.get()
    assert response.status_code == 302
    assert entry.document["medications"] == ["anticoagulant"]
    assert entry.assessment["max_pressure"] == "light"  # the core decided, not the web layer
    page = browser.get(response["Location"]).content.decode()
    meaning = load_tables().dispositions["proceed_with_precautions"]
    assert meaning["therapist_headline"] in page and meaning["headline"] not in page
    assert "PR-BLEEDING" in page and "Trigger point therapy" in page
    client_view = browser.get(response["Location"] + "?for=client").content.decode()
    assert (
        "not a cure" in client_view.lower()
        and "say at once if anything hurts" in client_view.lower()
    )
    actions_logged = set(AuditEvent.objects.filter(client=client).values_list("action", flat=True))
    assert {"client.create", "intake.create", "view.assessment"} <= actions_logged


def test_an_invalid_intake_shows_field_errors_and_saves_nothing(world: World) -> None:
    browser = browser_for(world.therapist)
    before = (IntakeRecord.objects.count(), AuditEvent.objects.count())
    bad = INTAKE_FORM | {"age": "130", "pain_regions": [], "pregnancy_weeks": "20"}
    response = browser.post(reverse("intake_new", args=[world.client.pk]), bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the answers marked below." in page
    assert "Ensure this value is less than or equal to 120." in page
    assert (IntakeRecord.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("blank", ["red_flags", "conditions", "medications"])
def test_the_therapists_intake_asks_again_a_screen_left_blank(world: World, blank: str) -> None:
    """A warning-sign, condition or medicine question left blank is not a "no" on the
    therapist's form either: a field error, the answers kept, nothing saved. Without it, a
    skipped warning-sign screen would read "massage may proceed"."""
    browser = browser_for(world.therapist)
    before = (IntakeRecord.objects.count(), AuditEvent.objects.count())
    data = {k: v for k, v in INTAKE_FORM.items() if k != blank}
    response = browser.post(reverse("intake_new", args=[world.client.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{blank}-error"' in page
    assert "Tick each one you have, or “None of these”." in page
    assert 'value="52"' in page  # the age typed is kept
    assert (IntakeRecord.objects.count(), AuditEvent.objects.count()) == before


def test_a_sign_ticked_beside_none_of_these_counts(world: World) -> None:
    """The safer reading: a contradictory tick never hides a warning sign."""
    browser = browser_for(world.therapist)
    data = INTAKE_FORM | {"red_flags": ["none", "saddle_numbness"]}
    browser.post(reverse("intake_new", args=[world.client.pk]), data)
    entry = world.client.current_intake
    assert entry.document["red_flags"]["saddle_numbness"] is True
    assert entry.assessment["disposition"] == "emergency"


def test_reassessing_never_ticks_none_of_these_for_the_therapist(world: World) -> None:
    """The new intake is pre-filled from the last one, but its warning signs, conditions and
    medicines are asked again: what was ticked stays ticked, "None of these" never is."""
    page = browser_for(world.therapist).get(reverse("intake_new", args=[world.client.pk]))
    html = page.content.decode()
    for name in ("red_flags", "conditions", "medications"):
        (box,) = re.findall(rf'<input type="checkbox" name="{name}" value="none"[^>]*>', html)
        assert "checked" not in box, box


def test_core_errors_come_back_as_field_errors(world: World) -> None:
    browser = browser_for(world.therapist)
    bad = INTAKE_FORM | {"pregnancy_weeks": "20"}  # weeks without pregnant: the core refuses
    page = browser.post(reverse("intake_new", args=[world.client.pk]), bad).content.decode()
    assert "is given but pregnancy.pregnant is false" in page
    assert 'id="id_pregnancy_weeks-error"' in page


def test_partial_startback_is_refused(world: World) -> None:
    data = INTAKE_FORM | {"startback_1": "1"}
    page = browser_for(world.therapist).post(reverse("intake_new", args=[world.client.pk]), data)
    assert "Answer all nine STarT Back questions" in page.content.decode()


def test_reassessing_keeps_the_history(world: World) -> None:
    browser = browser_for(world.therapist)
    browser.post(reverse("intake_new", args=[world.client.pk]), INTAKE_FORM)
    assert world.client.intakes.count() == 2
    assert world.client.current_intake.assessment["max_pressure"] == "light"
    assert (
        world.client.intakes.order_by("created_at", "id").first().assessment["max_pressure"]
        == "firm"
    )


def test_sessions_sign_and_amend_keep_the_original(world: World) -> None:
    browser = browser_for(world.therapist)
    c = world.client.pk
    form = {
        "date": "2026-01-12",
        "pain_before": "5",
        "pain_after": "3",
        "techniques": ["swedish"],
        "pressure": "medium",
        "regions": ["lumbar-left", "gluteal-right"],
    }
    response = browser.post(reverse("session_new", args=[c]), form)
    session = Session.objects.get(client=world.client, number=2)
    assert response["Location"] == reverse("session_detail", args=[c, session.pk])
    assert session.regions == ["lumbar-left", "gluteal-right"]
    browser.post(reverse("session_sign", args=[c, session.pk]))
    session.refresh_from_db()
    assert session.signed
    amend = {k: v for k, v in form.items() if k != "date"} | {"pain_after": "4", "reason": "Typo"}
    browser.post(reverse("session_amend", args=[c, session.pk]), amend)
    session.refresh_from_db()
    assert session.pain_after == 3  # the original is kept
    (amendment,) = Amendment.objects.filter(session=session)
    assert (amendment.field, amendment.old_value, amendment.new_value) == ("pain_after", 3, 4)
    assert session.current_values()["pain_after"] == 4
    with pytest.raises(actions.ActionError):
        actions.update_session(by=world.therapist, session=session, values={"pain_after": 1})


def test_a_session_dated_before_the_previous_one_is_refused(world: World) -> None:
    browser = browser_for(world.therapist)
    form = {
        "date": "2026-01-01",
        "pain_before": "5",
        "pain_after": "3",
        "techniques": ["swedish"],
        "pressure": "light",
    }
    response = browser.post(reverse("session_new", args=[world.client.pk]), form)
    assert response.status_code == 422
    assert "cannot be dated before the previous one" in response.content.decode()
    assert world.client.sessions.count() == 1


def test_progress_page_shows_the_core_answer_and_chart_data(world: World) -> None:
    page = (
        browser_for(world.therapist)
        .get(reverse("progress", args=[world.client.pk]))
        .content.decode()
    )
    assert 'data-next-step="continue"' in page
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert data is not None
    import json

    chart = json.loads(data.group(1))
    assert chart["before"] == [6] and chart["after"] == [4] and chart["threshold"] == 4.0


def test_one_time_checkin_link_works_once_and_reaches_the_dashboard(world: World) -> None:
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="checkin")
    url = reverse("portal_checkin", args=[token])
    phone = browser_for(None)
    assert phone.get(url).status_code == 200
    response = post_checkin(phone, token, {"pain": "3", "red_flags": ["new_bladder_dysfunction"]})
    page = response.content.decode()
    assert "Get medical help now" in page
    assert phone.get(url).status_code == 404  # used
    world.client.refresh_from_db()
    assert world.client.attention == 5
    dashboard = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert ALERT_NAME["AL-NEW-RED-FLAG"] in dashboard
    assert CheckIn.objects.get(client=world.client).red_flags == ["new_bladder_dysfunction"]


def test_an_expired_link_is_404(world: World) -> None:
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    ClientLink.objects.filter(pk=link.pk).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert browser_for(None).get(reverse("portal_intake", args=[token])).status_code == 404


def test_client_fills_the_intake_by_link_and_sees_the_plain_answer(world: World) -> None:
    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    phone = browser_for(None)
    form = {k: v for k, v in INTAKE_FORM.items() if not k.startswith("findings_")}
    form["red_flags"] = ["none"]  # "None of these" is an answer of its own (issue 11)
    response = phone.post(reverse("portal_intake", args=[token]), link_answers(form))
    assert response["Location"] == reverse("portal_result")
    page = phone.get(reverse("portal_result")).content.decode()
    assert "Massage can go ahead, with precautions." in page
    assert "Blood thinners or a bleeding disorder" in page  # client text, not therapist text
    entry = world.client.current_intake
    assert entry.source == "client_link" and entry.created_by is None
    assert AuditEvent.objects.filter(client=world.client, action="link.use").exists()


def test_dashboard_puts_attention_first_and_searches(world: World) -> None:
    from support.world import add_client

    add_client(
        world.therapist,
        "Zed Emergency",
        {
            "schema": "backcare.intake/1",
            "age": 40,
            "pain": {"intensity": 5, "duration_weeks": 2, "regions": ["lumbar"]},
            "red_flags": {"saddle_numbness": True},
        },
    )
    body = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert body.index("Zed Emergency") < body.index("Carol Client")
    found = browser_for(world.therapist).get(reverse("dashboard"), {"q": "carol"}).content.decode()
    assert "Carol Client" in found and "Zed Emergency" not in found
    partial = browser_for(world.therapist).get(
        reverse("dashboard"), {"q": "zed"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "Zed Emergency" in partial.content.decode()


def test_a_failing_step_leaves_nothing_half_written(world: World, monkeypatch: Any) -> None:
    """The change and its audit row are one transaction: a failure after both rolls both back."""
    before = (Session.objects.count(), AuditEvent.objects.count())

    def broken(client: Any, **_already_read: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "refresh", broken)
    with pytest.raises(RuntimeError):
        actions.record_session(
            override=AFTER_THE_FACT,
            by=world.therapist,
            client=world.client,
            when=dt.date(2026, 2, 1),
            values=dict(SESSION_VALUES),
        )
    assert (Session.objects.count(), AuditEvent.objects.count()) == before


def test_audit_rows_are_append_only(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")


def test_the_database_refuses_audit_changes_on_postgresql(world: World) -> None:
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the model's guard")
    from django.db.utils import DatabaseError

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'tampered'")


def test_audit_rows_are_written_only_inside_a_transaction(transactional_db: Any) -> None:
    from backcare.audit.log import record

    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=None, action="x", actor_label="test")
    assert not AuditEvent.objects.exists()


def test_viewing_a_record_is_audited(world: World) -> None:
    browser_for(world.therapist).get(reverse("client_detail", args=[world.client.pk]))
    event = AuditEvent.objects.filter(action="view.client").get()
    assert event.actor == world.therapist and event.client == world.client
    assert event.actor_label == "Alice"


def test_clearance_re_runs_the_assessment(world: World) -> None:
    from support.world import add_client

    client = add_client(
        world.therapist,
        "Fay Cancer",
        {
            "schema": "backcare.intake/1",
            "age": 60,
            "pain": {"intensity": 4, "duration_weeks": 20, "regions": ["lumbar"]},
            "red_flags": {"history_of_cancer": True},
        },
    )
    entry = client.current_intake
    assert entry.disposition == "clearance_first"
    response = browser_for(world.therapist).post(
        reverse("clearance_add", args=[client.pk, entry.pk]),
        {"rule": "RF-CANCER-HISTORY-ROUTINE", "date": "2026-10-12", "by": "Dr J. Singh, GP"},
    )
    assert response.status_code == 302
    assert client.current_intake.disposition == "proceed"
    assert client.intakes.count() == 2


def test_measurements_reach_the_progress_page(world: World) -> None:
    from decimal import Decimal

    IntakeRecord.objects.filter(pk=world.intake.pk).update(
        baseline_rmdq=14, baseline_odi=Decimal("40")
    )
    browser = browser_for(world.therapist)
    url = reverse("measurement_new", args=[world.client.pk])
    bad = browser.post(url, {"date": "2026-02-01", "pain": "5", "rmdq": "30"})
    assert bad.status_code == 422 and "less than or equal to 24" in bad.content.decode()
    assert not world.client.checkins.exists()  # the refused form stored nothing
    ok = browser.post(url, {"date": "2026-02-01", "pain": "5", "rmdq": "8", "odi": "28"})
    assert ok.status_code == 302
    (checkin,) = world.client.checkins.all()
    assert (checkin.date, checkin.pain, checkin.rmdq, checkin.odi, checkin.peg) == (
        dt.date(2026, 2, 1),
        5,
        8,
        Decimal("28"),
        None,
    )
    assert checkin.source == "therapist"
    page = browser.get(reverse("progress", args=[world.client.pk])).content.decode()
    # The change table's rows (clinic/_progress_body.html), cell by cell: the words "Roland-Morris"
    # and "Oswestry" are on the page whatever is stored (the chart's caption names them).
    assert (
        "<tr><td>Roland-Morris</td><td>14</td><td>8</td><td>-6</td><td>-42.9</td><td>yes</td></tr>"
        in page
    )
    assert (
        "<tr><td>Oswestry</td><td>40</td><td>28</td><td>-12</td><td>-30.0</td><td>yes</td></tr>"
        in page
    )
    assert "<tr><td>PEG</td>" not in page  # no PEG recorded, no PEG row
    world.client.refresh_from_db()
    assert world.client.status == "meaningful_improvement"  # RMDQ 14 -> 8 (the core decides)
    import csv
    import io

    (row,) = csv.DictReader(io.StringIO(body(browser.get(reverse("outcomes_csv"))).decode()))
    assert (row["rmdq_baseline"], row["rmdq_latest"], row["rmdq_change_points"]) == (
        "14",
        "8",
        "-6",
    )
    assert (row["rmdq_change_percent"], row["rmdq_meaningful"]) == ("-42.9", "yes")
    assert (row["odi_baseline"], row["odi_latest"], row["odi_meaningful"]) == ("40", "28", "yes")
    assert row["peg_baseline"] == row["peg_latest"] == ""  # no PEG recorded


def test_exports_are_complete_safe_and_audited(world: World) -> None:
    import csv
    import io
    import json

    actions.record_checkin(
        by=world.therapist,
        client=world.client,
        when=dt.date(2026, 1, 9),
        pain=4,
        source="therapist",
        note="Sore on the left after gardening.",
    )
    actions.update_session(
        by=world.therapist,
        session=world.session,
        values={"subjective": "=HYPERLINK(1)", "minutes": 50},
    )
    browser = browser_for(world.therapist)
    data = json.loads(browser.get(reverse("client_export", args=[world.client.pk])).content)
    assert data["schema"] == "backcare.client-export/1"
    assert len(data["intakes"]) == 1 and len(data["sessions"]) == 1 and len(data["checkins"]) == 1
    assert data["intakes"][0]["assessment"]["schema"] == "backcare.assessment/1"
    rows = list(
        csv.DictReader(
            io.StringIO(
                browser.get(reverse("sessions_csv", args=[world.client.pk])).content.decode()
            )
        )
    )
    assert [r["kind"] for r in rows] == ["session", "check-in (therapist)"]
    assert [r["minutes"] for r in rows] == ["50", ""]  # the session's; a check-in has none
    assert data["sessions"][0]["original"]["minutes"] == 50
    assert data["checkins"][0]["note"] == "Sore on the left after gardening."
    outcomes = list(
        csv.DictReader(io.StringIO(body(browser.get(reverse("outcomes_csv"))).decode()))
    )
    assert [r["name"] for r in outcomes] == ["Carol Client"]  # the clinic's own clients only
    assert outcomes[0]["baseline_pain"] == "6" and outcomes[0]["latest_pain"] == "4"
    assert outcomes[0]["status"] == "meaningful_improvement"
    exported = set(
        AuditEvent.objects.filter(action__startswith="export.").values_list("action", flat=True)
    )
    assert exported == {"export.client_json", "export.sessions_csv", "export.outcomes_csv"}
    assert (
        browser_for(world.colleague)
        .get(reverse("client_export", args=[world.client.pk]))
        .status_code
        == 404
    )


def test_csv_cells_never_become_formulas() -> None:
    from backcare.reports.exports import _csv

    text = _csv(["a", "b", "c"], [["=1+1", "@SUM(A1)", -3], ["-cmd", "plain", 2.5]])
    assert "'=1+1" in text and "'@SUM(A1)" in text and "'-cmd" in text and "plain" in text
    assert ",-3\n" in text and ",2.5\n" in text  # numbers stay numbers


def test_erasing_a_client_removes_the_record_and_keeps_the_audit(world: World) -> None:
    browser = browser_for(world.therapist)
    url = reverse("client_erase", args=[world.client.pk])
    browser.post(url, {"confirm_name": "wrong name"})
    assert world.client.intakes.exists()
    assert (
        browser_for(world.colleague).post(url, {"confirm_name": "Carol Client"}).status_code == 404
    )
    assert world.client.intakes.exists()
    browser.post(url, {"confirm_name": "Carol Client"})
    world.client.refresh_from_db()
    assert world.client.full_name == f"Erased client {world.client.pk}"
    assert not world.client.intakes.exists() and not world.client.sessions.exists()
    events = AuditEvent.objects.filter(client=world.client)
    assert events.filter(action="client.erase").exists()
    assert events.filter(action="intake.create").exists()  # the history of who did what stays
    for event in events:
        assert "Carol" not in json.dumps(event.detail)


def test_page_titles_are_plain_text(world: World) -> None:
    import re

    browser = browser_for(world.therapist)
    c = world.client.pk
    for url in (
        reverse("dashboard"),
        reverse("client_detail", args=[c]),
        reverse("intake_detail", args=[c, world.intake.pk]),
        reverse("session_detail", args=[c, world.session.pk]),
        reverse("progress", args=[c]),
        reverse("referral_letter", args=[c]),
    ):
        html = browser.get(url).content.decode()
        titles = re.findall(r"<title>(.*?)</title>", html, re.S)
        assert len(titles) == 1 and "<" not in titles[0] and len(titles[0]) < 120, (url, titles)
