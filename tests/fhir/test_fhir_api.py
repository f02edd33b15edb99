"""/api/v1: FHIR export and import, the JSON and CSV exports, erasure and pagination."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import IntakeRecord
from backcare.core.validation import parse_intake
from backcare.fhir.questionnaire import intake_response
from backcare.reports.downloads import DOWNLOADS
from support import AFTER_THE_FACT
from support.api import call, token_for
from support.downloads import body
from support.world import INTAKE, SESSION_VALUES, World


def _exports(action: str) -> int:
    return AuditEvent.objects.filter(action=f"export.{action}").count()


def test_the_bundle_by_api(world: World) -> None:
    token = token_for(world.therapist, write=False)
    response = call("get", f"/clients/{world.client.pk}/fhir", token)
    assert response.status_code == 200
    # The same file as the web's download (one table of downloads).
    assert response["Content-Type"] == DOWNLOADS["fhir_bundle"].media_type
    assert response["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate(response.json())
    assert _exports("api.fhir_bundle") == 1
    assert call("get", f"/clients/{world.other_client.pk}/fhir", token).status_code == 404
    assert call("get", f"/clients/{world.client.pk}/fhir", None).status_code == 401
    assert _exports("api.fhir_bundle") == 1


def test_the_questionnaire_by_api(world: World) -> None:
    response = call("get", "/fhir/Questionnaire/intake", token_for(world.therapist))
    assert response.status_code == 200
    Questionnaire.model_validate(response.json())


def test_importing_a_response_records_an_intake(world: World) -> None:
    token = token_for(world.therapist)
    document = INTAKE | {"red_flags": {"saddle_numbness": True}}
    response = intake_response(parse_intake(document).to_json())
    url = f"/clients/{world.client.pk}/fhir/QuestionnaireResponse"
    answer = call("post", url, token, response)
    assert answer.status_code == 201
    body = answer.json()
    assert body["assessment"]["disposition"] == "emergency"
    entry = IntakeRecord.objects.get(pk=body["id"])
    assert entry.source == "fhir" and entry.client == world.client
    assert world.client.current_intake == entry
    assert AuditEvent.objects.filter(action="intake.create", object_id=str(entry.pk)).exists()


def test_a_bad_response_is_422_and_stores_nothing(world: World) -> None:
    token = token_for(world.therapist)
    response = intake_response(parse_intake(INTAKE).to_json())
    response["item"][0]["answer"] = [{"valueInteger": 130}]  # age
    url = f"/clients/{world.client.pk}/fhir/QuestionnaireResponse"
    before = IntakeRecord.objects.count()
    answer = call("post", url, token, response)
    assert answer.status_code == 422
    assert [p["path"] for p in answer.json()] == ["age"]
    assert call("post", url, token, "{not json").status_code == 422
    assert IntakeRecord.objects.count() == before
    other = f"/clients/{world.other_client.pk}/fhir/QuestionnaireResponse"
    assert call("post", other, token, intake_response(INTAKE)).status_code == 404
    read_only = token_for(world.therapist, write=False)
    assert call("post", url, read_only, intake_response(INTAKE)).status_code == 401
    assert IntakeRecord.objects.count() == before


def test_json_and_csv_exports_by_api(world: World) -> None:
    token = token_for(world.therapist, write=False)
    export = call("get", f"/clients/{world.client.pk}/export", token)
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    assert json.loads(export.content)["client"]["full_name"] == "Carol Client"
    rows = list(
        csv.DictReader(
            io.StringIO(
                call("get", f"/clients/{world.client.pk}/sessions.csv", token).content.decode()
            )
        )
    )
    assert [r["pain_after"] for r in rows] == ["4"]
    outcomes = list(csv.DictReader(io.StringIO(body(call("get", "/outcomes.csv", token)).decode())))
    assert [r["name"] for r in outcomes] == ["Carol Client"]  # the caller's clinic only
    assert (
        _exports("api.client_json"),
        _exports("api.sessions_csv"),
        _exports("api.outcomes_csv"),
    ) == (1, 1, 1)
    for path in (
        f"/clients/{world.other_client.pk}/export",
        f"/clients/{world.other_client.pk}/sessions.csv",
    ):
        assert call("get", path, token).status_code == 404


def test_erasure_by_api_needs_the_name(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/erase"
    wrong = call("post", url, token, {"confirm_name": "Carol"})
    assert wrong.status_code == 422 and wrong.json()[0]["path"] == "confirm_name"
    assert world.client.intakes.exists()
    assert (
        call(
            "post", f"/clients/{world.other_client.pk}/erase", token, {"confirm_name": "Dan Other"}
        ).status_code
        == 404
    )
    assert world.other_client.intakes.exists()
    done = call("post", url, token, {"confirm_name": "Carol Client"})
    assert done.status_code == 200 and done.json()["full_name"].startswith("Erased client")
    assert not world.client.intakes.exists() and not world.client.sessions.exists()
    assert AuditEvent.objects.filter(action="client.erase", client=world.client).count() == 1


def test_per_client_lists_are_paginated(world: World) -> None:
    for day in range(2, 7):
        actions.record_session(
            override=AFTER_THE_FACT,
            by=world.therapist,
            client=world.client,
            when=dt.date(2026, 1, 5 + day),
            values=dict(SESSION_VALUES),
        )
    token = token_for(world.therapist, write=False)
    base = f"/clients/{world.client.pk}/sessions"
    assert [s["number"] for s in call("get", base, token).json()] == [1, 2, 3, 4, 5, 6]
    assert [s["number"] for s in call("get", base + "?offset=2&limit=3", token).json()] == [3, 4, 5]
    assert call("get", base + "?limit=0", token).status_code == 422
    assert call("get", f"/clients/{world.client.pk}/intakes?limit=1", token).status_code == 200
    assert call("get", f"/clients/{world.client.pk}/checkins?offset=5", token).json() == []
