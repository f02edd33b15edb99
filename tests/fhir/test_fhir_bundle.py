"""A client's record as a FHIR R4 Bundle: valid R4 (fhir.resources' R4B models), complete,
self-contained (every reference resolves), stable, and only ever the caller's clinic's data."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import state_of
from backcare.fhir.bundle import client_bundle
from support.courses import CourseOf
from support.world import INTAKE, World, browser_for

CANCER_HISTORY = INTAKE | {
    "age": 58,
    "red_flags": {"history_of_cancer": True},
    "startback": [1, 1, 0, 1, 1, 1, 0, 1, 3],
}


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def _course_client(world: World) -> Any:
    """A client with history: two intakes (the second with a red flag), amended and signed
    sessions with side effects and a new warning sign, check-ins with measurements."""
    return (
        CourseOf(world.therapist, "Zoë Ødegaard")
        .intake(INTAKE)
        .intake(CANCER_HISTORY, rmdq=12, odi="34.0", peg="6.3")
        .session(
            "2026-02-01",
            side_effects=["soreness", "bruising"],
            side_effect_hours="30",
            sign=True,
            amend={"pain_after": 3},
            reason="Typo",
        )
        .session("2026-02-08", new_red_flags=["fever"])
        .checkin(
            "2026-02-10",
            pain=4,
            peg="4.7",
            rmdq=9,
            side_effects=("dizziness",),
            red_flags=("calf_pain_swelling",),
        )
        .client
    )


def test_the_bundle_is_valid_r4_and_self_contained(world: World) -> None:
    client = _course_client(world)
    bundle = client_bundle(client)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    assert set(_references(bundle)) <= set(urls), "every reference resolves inside the Bundle"
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["Patient"] == 1 and kinds["Questionnaire"] == 1
    assert kinds["QuestionnaireResponse"] == 2  # both intakes: the history is kept
    assert kinds["Procedure"] == 2
    assert kinds["RiskAssessment"] == 1
    assert kinds["ServiceRequest"] == 1
    assert kinds["AdverseEvent"] == 3  # soreness, bruising (session 1); dizziness (check-in)


def test_patient_and_measurements(world: World) -> None:
    client = _course_client(world)
    bundle = client_bundle(client)
    [patient] = _resources(bundle, "Patient")
    assert patient["name"] == [{"text": "Zoë Ødegaard"}]
    observations = _resources(bundle, "Observation")
    pains = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    # 2 intakes + 2 sessions × before/after + 1 check-in
    assert len(pains) == 7
    assert {o["valueInteger"] for o in pains if "derivedFrom" in o} == {6}
    responses = {
        e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    assert all(o["derivedFrom"][0]["reference"] in responses for o in pains if "derivedFrom" in o)
    odi = [o for o in observations if o["code"]["coding"][0]["code"] == "97909-6"]
    assert [o["valueInteger"] for o in odi] == [34]
    texts = [o["code"]["text"] for o in observations]
    assert sum("Roland-Morris" in t for t in texts) == 2  # baseline and check-in
    peg = [o for o in observations if o["code"]["coding"][0]["code"] == "peg"]
    assert sorted(o["valueQuantity"]["value"] for o in peg) == [4.7, 6.3]


def test_sessions_are_procedures_with_amendments_applied(world: World) -> None:
    client = _course_client(world)
    bundle = client_bundle(client)
    procedures = {p["performedDateTime"]: p for p in _resources(bundle, "Procedure")}
    first = procedures["2026-02-01"]
    assert [c["code"] for c in first["code"]["coding"]] == ["swedish", "trigger_point"]
    assert {s["coding"][0]["code"] for s in first["bodySite"]} == {"lumbar-left", "lumbar-right"}
    assert any("Better after the last session." in n["text"] for n in first["note"])
    first_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is first)
    after = [
        o
        for o in _resources(bundle, "Observation")
        if o.get("partOf") == [{"reference": first_url}] and "after" in o["note"][0]["text"]
    ]
    assert [o["valueInteger"] for o in after] == [3]  # the amended value
    events = [a for a in _resources(bundle, "AdverseEvent") if a.get("suspectEntity")]
    soreness = next(a for a in events if a["event"]["coding"][0]["code"] == "soreness")
    assert soreness["event"]["text"] == "Soreness (lasted 30 hours)"
    assert soreness["suspectEntity"] == [{"instance": {"reference": first_url}}]


def test_flags_referral_and_risk(world: World) -> None:
    client = _course_client(world)
    bundle = client_bundle(client)
    assessment = client.current_intake.assessment
    flags = _resources(bundle, "Flag")
    rule_flags = {
        f["code"]["coding"][0]["code"]
        for f in flags
        if f["code"]["coding"][0]["system"].endswith("rule")
    }
    reasons = {r["rule"] for r in assessment["referral"]["reasons"]}
    precautions = {p["rule"] for p in assessment["precautions"]}
    state = state_of(client)
    assert state is not None
    alerts = {a.rule for a in state.alerts}  # the client's state now, one Flag per alert
    assert rule_flags == reasons | precautions | alerts
    warning = {
        f["code"]["coding"][0]["code"]
        for f in flags
        if f["code"]["coding"][0]["system"].endswith("red-flag")
    }
    assert warning == {"fever", "calf_pain_swelling"}  # new at a session; at a check-in
    assert all(f["status"] == "active" for f in flags)
    [request] = _resources(bundle, "ServiceRequest")
    priority = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
    assert request["priority"] == priority[assessment["referral"]["urgency"]]
    assert {c["coding"][0]["code"] for c in request["reasonCode"]} == reasons
    [risk] = _resources(bundle, "RiskAssessment")
    expected = {"low": "low", "medium": "moderate", "high": "high"}[
        assessment["measures"]["startback"]["risk"]
    ]
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == expected


def test_a_plan_is_a_careplan_and_sessions_are_based_on_it(world: World) -> None:
    bundle = client_bundle(world.client)  # proceed: the world's client has a plan
    [plan] = _resources(bundle, "CarePlan")
    assessment = world.client.current_intake.assessment
    assert str(assessment["plan"]["planned_sessions"]) in plan["description"]
    plan_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is plan)
    [procedure] = _resources(bundle, "Procedure")
    assert procedure["basedOn"] == [{"reference": plan_url}]
    assert not _resources(bundle, "ServiceRequest")


def test_exports_are_stable_and_hold_one_clinic_only(world: World) -> None:
    first = client_bundle(world.client)
    second = client_bundle(world.client)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    text = json.dumps(first)
    assert "Dan Other" not in text and "Hilltop" not in text


def test_a_client_without_an_intake(world: World) -> None:
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="New"
    )
    bundle = client_bundle(client)
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Organization", "Practitioner", "Patient", "Questionnaire"}


def test_the_web_download_is_the_clinics_only_and_audited(world: World) -> None:
    url = reverse("client_fhir", args=[world.client.pk])
    before = AuditEvent.objects.filter(action="export.fhir_bundle").count()
    response = browser_for(world.therapist).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "attachment" in response["Content-Disposition"]
    Bundle.model_validate(json.loads(response.content))
    assert AuditEvent.objects.filter(action="export.fhir_bundle").count() == before + 1
    assert browser_for(world.colleague).get(url).status_code == 404
    assert browser_for(world.outsider).get(url).status_code == 404
    assert browser_for(None).get(url).status_code == 302
    assert AuditEvent.objects.filter(action="export.fhir_bundle").count() == before + 1
