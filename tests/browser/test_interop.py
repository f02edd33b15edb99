"""In the browser: a therapist imports an intake from a FHIR QuestionnaireResponse file, sees
what is wrong with a bad one, downloads the record as FHIR and PDF, and corrects a client's
details. The pages pass axe-core (no serious or critical violations)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.models import IntakeRecord
from backcare.core.validation import parse_intake
from backcare.fhir.questionnaire import intake_response

from .conftest import axe_violations, screenshot, sign_in

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 61,
    "pain": {"intensity": 6, "duration_weeks": 3, "regions": ["lumbar"]},
    "medications": ["anticoagulant"],
}


def test_fhir_import_downloads_and_edit(
    desktop: Any,
    live_server: Any,
    therapist: User,
    tmp_path: Path,
) -> None:
    page, base = desktop, live_server.url
    client = actions.create_client(by=therapist, therapist=therapist.therapist, full_name="Ida")
    sign_in(page, base)
    page.goto(f"{base}/clients/{client.pk}/")
    page.click("text=Import an intake (FHIR)")
    assert not axe_violations(page), "the import page"

    bad = intake_response(parse_intake(INTAKE).to_json())
    bad["status"] = "in-progress"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    page.set_input_files("input[type=file]", str(tmp_path / "bad.json"))
    page.click("button[type=submit]")
    assert "must be completed or amended" in page.inner_text("main")
    assert not IntakeRecord.objects.filter(client=client).exists()
    assert not axe_violations(page), "the import page with problems"

    good = intake_response(parse_intake(INTAKE).to_json())
    (tmp_path / "good.json").write_text(json.dumps(good))
    page.set_input_files("input[type=file]", str(tmp_path / "good.json"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/{client.pk}/intakes/*/")
    assert "light" in page.inner_text("main").lower()  # the anticoagulant's pressure limit
    screenshot(page, "therapist-fhir-import")

    page.goto(f"{base}/clients/{client.pk}/")
    with page.expect_download() as fhir:
        page.click("text=All data (FHIR R4)")
    bundle = json.loads(Path(fhir.value.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    with page.expect_download() as report:
        page.click("text=Progress report (PDF)")
    text = subprocess.run(
        ["pdftotext", report.value.path(), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Ida" in text

    page.click("text=Edit name and contact")
    assert not axe_violations(page), "the edit page"
    page.fill("#id_full_name", "Ida Lind")
    page.fill("#id_email", "not an email")
    page.click("button[type=submit]")
    assert "Enter a valid email address" in page.inner_text("main")
    page.fill("#id_email", "ida@example.org")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients/{client.pk}/")
    assert page.inner_text("h1") == "Ida Lind"
