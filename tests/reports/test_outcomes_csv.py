"""outcomes.csv, the clinic-wide download: the same bytes as the builder it replaced (which ran
the core for every client on a prefetch), for web and API alike.

`_old_outcomes_csv` below is that builder as it was, kept here as the oracle: every client's
progress recomputed by `course.client_progress`, rows written with the same escaping.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import client_progress
from backcare.clinic.models import Client
from backcare.core.validation import parse_intake
from backcare.core.wording import NEXT_STEP, STATUS
from support import AFTER_THE_FACT
from support.api import call, token_for
from support.downloads import body
from support.world import INTAKE, SESSION_VALUES, World, add_client, browser_for

# -- the builder as it was (the oracle) -------------------------------------------------------


def _old_safe(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _old_outcomes_csv(clients: Any) -> str:
    rows = []
    for client in clients:
        result = client_progress(client)
        if result is None:
            rows.append(
                [client.pk, client.full_name, "", "", "", "", "", "", "No intake yet", "", "", 0]
            )
            continue
        pain = result.pain
        row = [
            client.pk, client.full_name, pain.baseline, pain.latest, pain.change_points,
            "" if pain.change_percent is None else pain.change_percent,
            "yes" if pain.meaningful else "no", result.status, STATUS[result.status],
            result.next_step, NEXT_STEP[result.next_step], result.sessions_done,
        ]  # fmt: skip
        for measure in ("rmdq", "odi", "peg"):
            c = getattr(result, measure)
            if c is None:
                row += ["", "", "", "", ""]
            else:
                percent = "" if c.change_percent is None else c.change_percent
                row += [
                    c.baseline, c.latest, c.change_points, percent,
                    "yes" if c.meaningful else "no",
                ]  # fmt: skip
        rows.append(row)
    header = [
        "client_id", "name", "baseline_pain", "latest_pain", "change_points", "change_percent",
        "meaningful", "status", "status_text", "next_step", "next_step_text", "sessions",
    ]  # fmt: skip
    for measure in ("rmdq", "odi", "peg"):
        header += [
            f"{measure}_baseline", f"{measure}_latest", f"{measure}_change_points",
            f"{measure}_change_percent", f"{measure}_meaningful",
        ]  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_old_safe(v) for v in row] for row in rows])
    return out.getvalue()


# -- a small clinic of every kind of row ------------------------------------------------------


def _session(world: World, client: Client, day: int, **values: Any) -> Any:
    return actions.record_session(
        by=world.therapist,
        client=client,
        when=dt.date(2026, 1, day),
        values={**SESSION_VALUES, **values},
        override=AFTER_THE_FACT,  # needed once the course has a see-a-doctor alert
    )


def _small_clinic(world: World) -> None:
    """Clients of the world's clinic: without an intake, with every measure (decimals and
    negative changes among them), with an amended and a voided session, worsening, a name a
    spreadsheet would run as a formula, and one whose summary no action has written yet."""
    by = world.therapist
    actions.create_client(by=by, therapist=by.therapist, full_name="Nora No-Intake")
    measured = actions.create_client(by=by, therapist=by.therapist, full_name="=Mia Measures")
    actions.record_intake(
        by=by,
        client=measured,
        intake=parse_intake({**INTAKE, "pain": {**INTAKE["pain"], "intensity": 7}}),
        baseline_rmdq=14,
        baseline_odi=Decimal("40.0"),
        baseline_peg=Decimal("6.3"),
    )
    _session(world, measured, 6, pain_before=7, pain_after=5)
    actions.record_checkin(
        by=by,
        client=measured,
        when=dt.date(2026, 1, 9),
        pain=4,
        rmdq=9,
        odi=Decimal("27.5"),
        peg=Decimal("4.7"),
        source="therapist",
    )
    amended = add_client(by, "Amy Amended")
    session = _session(world, amended, 5, pain_before=6, pain_after=5)
    actions.sign_session(by=by, session=session)
    actions.amend_session(
        by=by, session=session, changes={"pain_after": 2}, reason="Typed the wrong score."
    )
    voided = add_client(by, "Vic Voided")
    actions.void_session(
        by=by, session=_session(world, voided, 5), reason="Recorded for the wrong client."
    )
    _session(world, voided, 7, pain_before=5, pain_after=5)
    worse = add_client(by, "Will Worse")
    for day, pain in ((5, 6), (12, 8), (19, 9)):
        _session(world, worse, day, pain_before=pain, pain_after=pain)
    add_client(by, "+Stale Summary")
    Client.objects.filter(full_name="+Stale Summary").update(state_rules_version="older")


def _clinic_clients(world: World) -> Any:
    return Client.objects.filter(clinic_id=world.client.clinic_id).order_by("full_name", "id")


@pytest.mark.django_db
def test_outcomes_csv_is_byte_for_byte_the_old_builders(world: World) -> None:
    _small_clinic(world)
    expected = _old_outcomes_csv(_clinic_clients(world)).encode()
    assert expected.count(b"\n") == 1 + _clinic_clients(world).count() == 8
    assert b"No intake yet" in expected and b"'=Mia Measures" in expected
    web = browser_for(world.therapist).get(reverse("outcomes_csv"))
    api = call("get", "/outcomes.csv", token_for(world.therapist, write=False))
    assert web.status_code == api.status_code == 200
    assert body(web) == expected
    assert body(api) == expected
    exported = AuditEvent.objects.filter(action__startswith="export.")
    assert sorted(exported.values_list("action", flat=True)) == [
        "export.api.outcomes_csv",
        "export.outcomes_csv",
    ]


@pytest.mark.django_db
def test_outcomes_csv_of_another_clinic_lists_only_its_own_clients(world: World) -> None:
    _small_clinic(world)
    rows = list(
        csv.DictReader(
            io.StringIO(body(browser_for(world.colleague).get("/outcomes.csv")).decode())
        )
    )
    assert [r["name"] for r in rows] == ["Dan Other"]


@pytest.mark.django_db
def test_outcomes_csv_streams_and_its_queries_do_not_grow_with_the_clinic(world: World) -> None:
    browser = browser_for(world.therapist)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as run:
            response = browser.get(reverse("outcomes_csv"))
            rows = body(response).count(b"\n") - 1
        assert response.status_code == 200 and response.streaming
        return len(run), rows

    queries()  # the first request of a browser also saves its session
    for i in range(3):
        add_client(world.therapist, f"Client {i}")
    few, rows = queries()
    assert rows == 4
    for i in range(3, 15):
        add_client(world.therapist, f"Client {i}")
    assert queries() == (few, 16)
