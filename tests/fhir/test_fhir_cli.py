"""`backcare fhir ...` as a real subprocess, on its own SQLite database with the demo clinic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from backcare.cli.demo import example_cases

BACKCARE = str(Path(sys.executable).with_name("backcare"))


def run(*args: str, data_dir: Path | None = None, stdin: str | None = None) -> Any:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    if data_dir is not None:
        env["BACKCARE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [BACKCARE, *args], input=stdin, capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("fhir-cli")
    for args in (("manage", "migrate", "-v0"), ("manage", "demo_clinic")):
        result = run(*args, data_dir=data)
        assert result.returncode == 0, result.stderr
    return data


def test_questionnaire_and_stateless_conversion(tmp_path: Path) -> None:
    result = run("fhir", "questionnaire")
    assert result.returncode == 0, result.stderr
    Questionnaire.model_validate(json.loads(result.stdout))
    case = next(c for c in example_cases("intake") if c["name"] == "warfarin-chronic")
    # Export the intake as a response through the library, convert back with the command.
    from backcare.core.validation import parse_intake
    from backcare.fhir.questionnaire import intake_response

    document = parse_intake(case["intake"]).to_json()
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(intake_response(document)))
    result = run("fhir", "intake", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == document
    bad = intake_response(document)
    bad["status"] = "in-progress"
    result = run("fhir", "intake", "-", stdin=json.dumps(bad))
    assert result.returncode == 2 and result.stdout == ""
    assert "status: must be completed or amended" in result.stderr


def test_export_and_import_act_as_a_therapist(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    result = run("fhir", "export", "--client", "1", "--as", "tom", "-o", str(out), data_dir=demo)
    assert result.returncode == 0, result.stderr
    bundle = json.loads(out.read_text())
    Bundle.model_validate(bundle)
    response = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    qr = tmp_path / "qr.json"
    qr.write_text(json.dumps(response))
    result = run("fhir", "import", "--client", "2", "--as", "amara", str(qr), data_dir=demo)
    assert result.returncode == 0, result.stderr
    assert "recorded for client 2" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--client", "1", "--as", "nobody"), "no active therapist"),
        (("--client", "9999", "--as", "tom"), "no such client"),
    ],
)
def test_export_refuses_unknown_people(demo: Path, args: tuple[str, ...], message: str) -> None:
    result = run("fhir", "export", *args, data_dir=demo)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_a_bad_import_stores_nothing(demo: Path, tmp_path: Path) -> None:
    qr = tmp_path / "bad.json"
    qr.write_text(json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed"}))
    before = run("fhir", "export", "--client", "3", "--as", "tom", data_dir=demo)
    result = run("fhir", "import", "--client", "3", "--as", "tom", str(qr), data_dir=demo)
    assert result.returncode == 2
    assert "questionnaire" in result.stderr and "nothing assessed" in result.stderr
    after = run("fhir", "export", "--client", "3", "--as", "tom", data_dir=demo)
    count = lambda r: json.dumps(json.loads(r.stdout)).count('"QuestionnaireResponse"')  # noqa: E731
    assert count(before) == count(after)
