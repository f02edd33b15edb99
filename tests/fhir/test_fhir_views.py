"""The web app's FHIR import page: a QuestionnaireResponse file becomes an assessed intake, or
every problem is listed with its path and nothing is stored."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic.models import IntakeRecord
from backcare.core.validation import parse_intake
from backcare.fhir.questionnaire import intake_response
from support.world import INTAKE, World, browser_for


def _upload(document: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile("qr.json", json.dumps(document).encode(), "application/fhir+json")


def test_import_page_records_and_assesses(world: World) -> None:
    url = reverse("intake_import", args=[world.client.pk])
    browser = browser_for(world.therapist)
    assert browser.get(url).status_code == 200
    document = INTAKE | {"medications": ["anticoagulant"]}
    response = browser.post(
        url, {"response": _upload(intake_response(parse_intake(document).to_json()))}
    )
    entry = world.client.current_intake
    assert response.status_code == 302
    assert response["Location"] == reverse("intake_detail", args=[world.client.pk, entry.pk])
    assert entry.source == "fhir" and entry.document["medications"] == ["anticoagulant"]
    assert AuditEvent.objects.filter(action="intake.create", object_id=str(entry.pk)).exists()


def test_import_problems_are_listed_and_nothing_is_stored(world: World) -> None:
    url = reverse("intake_import", args=[world.client.pk])
    bad = intake_response(parse_intake(INTAKE).to_json())
    bad["item"][0]["answer"] = [{"valueInteger": 130}]
    bad["status"] = "in-progress"
    before = IntakeRecord.objects.count()
    response = browser_for(world.therapist).post(url, {"response": _upload(bad)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>status</code>" in page and "must be completed or amended" in page
    assert IntakeRecord.objects.count() == before
    not_json = SimpleUploadedFile("qr.json", b"{not json", "application/json")
    page = browser_for(world.therapist).post(url, {"response": not_json}).content.decode()
    assert "not valid JSON" in page and IntakeRecord.objects.count() == before
    assert "This field is required" in browser_for(world.therapist).post(url, {}).content.decode()


def test_import_page_is_the_clinics_only(world: World) -> None:
    url = reverse("intake_import", args=[world.client.pk])
    document = _upload(intake_response(parse_intake(INTAKE).to_json()))
    before = IntakeRecord.objects.count()
    assert browser_for(world.colleague).post(url, {"response": document}).status_code == 404
    assert browser_for(world.outsider).get(url).status_code == 404
    assert browser_for(None).get(url).status_code == 302
    assert IntakeRecord.objects.count() == before
