"""The code systems and codes the FHIR export uses.

Only codes we could confirm are used: LOINC 72514-3 (pain severity, 0-10 numeric rating) and
97909-6 (Oswestry disability index score), both on loinc.org; the HL7 terminology code systems
for observation, flag and risk categories, and FHIR's own value sets (gender, priorities).
Where no code could be confirmed (Roland-Morris and PEG scores, massage techniques, the back
regions), the concept is sent as text with backcare's own code system, whose URN says plainly
that it is local.
"""

from __future__ import annotations

from typing import Any

BASE = "urn:backcare:fhir"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
UCUM = "http://unitsofmeasure.org"
# A session's visit: HL7 v3 ActCode AMB ("ambulatory"), FHIR R4's usual Encounter.class for a
# visit to an outpatient practice.
ENCOUNTER_CLASS = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "AMB",
    "display": "ambulatory",
}

RULE = f"{BASE}:CodeSystem:rule"  # clinical-rules-v1 rule ids (RF-..., CI-..., PR-...)
MEASURE = f"{BASE}:CodeSystem:measure"  # rmdq, peg, odi, pain-nrs, startback
TECHNIQUE = f"{BASE}:CodeSystem:technique"
REGION = f"{BASE}:CodeSystem:back-region"
SIDE_EFFECT = f"{BASE}:CodeSystem:side-effect"
RED_FLAG = f"{BASE}:CodeSystem:red-flag"


def answer_system(link_id: str) -> str:
    """The code system of a choice question's answers (one per contract path)."""
    if link_id.startswith("startback."):
        return f"{BASE}:CodeSystem:startback-answer"
    return f"{BASE}:CodeSystem:intake:{link_id}"


PAIN_NRS = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
ODI_SCORE = {"system": LOINC, "code": "97909-6", "display": "Oswestry disability index score ODI"}

# Questionnaire items that carry a standard code.
ITEM_CODES: dict[str, dict[str, Any]] = {"pain.intensity": PAIN_NRS}

# Measures by name: the coding we can confirm (if any) plus backcare's own, and the text.
MEASURES: dict[str, dict[str, Any]] = {
    "pain": {
        "coding": [PAIN_NRS, {"system": MEASURE, "code": "pain-nrs"}],
        "text": "Pain intensity (0-10 numeric rating scale)",
    },
    "odi": {
        "coding": [ODI_SCORE, {"system": MEASURE, "code": "odi"}],
        "text": "Oswestry Disability Index (percent)",
    },
    "rmdq": {
        "coding": [{"system": MEASURE, "code": "rmdq"}],
        "text": "Roland-Morris Disability Questionnaire score (0-24)",
    },
    "peg": {
        "coding": [{"system": MEASURE, "code": "peg"}],
        "text": "PEG score: pain, enjoyment of life, general activity (mean of 3 items, 0-10)",
    },
}
UNITS = {"pain": "{score}", "odi": "%", "rmdq": "{score}", "peg": "{score}"}

# STarT Back risk groups -> risk-probability codes (HL7 terminology: low | moderate | high).
STARTBACK_RISK = {"low": "low", "medium": "moderate", "high": "high"}
