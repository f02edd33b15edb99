"""Seeded synthetic intakes: valid `backcare.intake/1` documents, varied like a real caseload
(most without red flags, about 10 % with one, some with conditions, medicines, findings, STarT
Back answers, preferences, pregnancies, recent surgery or injury, clearances).

Used by `backcare manage seed_clinic` (clinic/seed.py) and the benchmarks
(`benchmarks/synthetic.py` prints them as JSON Lines). Standard library only; it imports nothing
of backcare, so the documents are written against the contract (contracts-v1.md, section 1), not
against the implementation.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any

REGIONS = ["cervical", "thoracic", "lumbar", "sacral", "gluteal"]
RED_FLAGS = [
    "saddle_numbness", "new_bladder_dysfunction", "new_bowel_incontinence",
    "bilateral_leg_symptoms", "progressive_leg_weakness", "fever", "unexplained_weight_loss",
    "history_of_cancer", "significant_trauma", "iv_drug_use", "immunosuppression",
    "recent_infection", "pulsating_abdominal_mass", "chest_pain", "calf_pain_swelling",
]  # fmt: skip
CONDITIONS = [
    "muscle_strain", "ligament_sprain", "herniated_disc", "spinal_stenosis", "osteoporosis",
    "bleeding_disorder", "active_cancer_treatment", "uncontrolled_hypertension",
    "diabetic_neuropathy", "skin_lesion_at_site", "deep_vein_thrombosis", "aortic_aneurysm",
]  # fmt: skip
# Common conditions are drawn more often than rare ones.
COMMON_CONDITIONS = ["muscle_strain", "muscle_strain", "ligament_sprain", "herniated_disc"]
MEDICATIONS = [
    "anticoagulant", "antiplatelet", "long_term_corticosteroid", "nsaid", "opioid",
    "muscle_relaxant",
]  # fmt: skip
# Rules a doctor's note may clear (non-emergency referral rules other than RF-FEVER, and CI- rules).
CLEARABLE = [
    "RF-CANCER-HISTORY-ROUTINE", "RF-NIGHT-PAIN", "CI-RECENT-SURGERY", "CI-DVT",
    "RF-CANCER-HISTORY", "RF-NIGHT-PAIN-OVER-50", "RF-INFLAMMATORY", "RF-WEIGHT-LOSS",
    "CI-HYPERTENSION", "CI-ANEURYSM", "CI-CANCER-TREATMENT", "CI-HIGH-RISK-PREGNANCY",
]  # fmt: skip
CLEARED_BY = ["Dr J. Singh, GP", "Dr A. Okafor", "Dr Zoë Müller, orthopaedics", "GP practice"]
NOTES = ["", "Reviewed, imaging clear.", "Seen in clinic; massage fine with light pressure."]
FIRST_DAY = datetime.date(2025, 1, 1).toordinal()
LAST_DAY = datetime.date(2026, 11, 24).toordinal()


def _duration_weeks(rng: random.Random) -> float:
    """0 to 200 weeks, 2 decimals: roughly 40 % acute, 20 % subacute, 40 % chronic."""
    r = rng.random()
    if r < 0.4:
        return round(rng.uniform(0, 6), 2)
    if r < 0.6:
        return round(rng.uniform(6, 12), 2)
    return round(rng.uniform(12, 200), 2)


def synthetic_intake(rng: random.Random) -> dict[str, Any]:
    """One valid intake drawn from rng."""
    age = rng.randint(18, 90) if rng.random() < 0.97 else rng.randint(10, 17)
    sex = rng.choices(["female", "male", "other", "unspecified"], weights=[48, 46, 2, 4])[0]
    pain: dict[str, Any] = {
        "intensity": rng.randint(0, 10),
        "duration_weeks": _duration_weeks(rng),
        "regions": rng.sample(REGIONS, rng.choice([1, 1, 1, 2, 2, 3])),
    }
    doc: dict[str, Any] = {"schema": "backcare.intake/1", "age": age}
    if sex != "unspecified" or rng.random() < 0.5:
        doc["sex"] = sex
    doc["pain"] = pain
    if rng.random() < 0.7:
        pain["onset"] = rng.choice(["gradual", "gradual", "sudden", "after_trauma"])
    if rng.random() < 0.6:
        pain["radiation"] = rng.choice(["none", "none", "none", "above_knee", "below_knee"])
    for flag, p in (
        ("night_pain_unrelieved", 0.05),
        ("wakes_second_half_of_night", 0.05),
        ("better_with_movement", 0.15),
        ("eased_by_nsaids_within_48h", 0.05),
    ):
        if rng.random() < p:
            pain[flag] = True
    if rng.random() < 0.5:
        doc["findings"] = {
            "muscle_tension": rng.random() < 0.6,
            "trigger_points": rng.random() < 0.4,
            "fascial_restriction": rng.random() < 0.3,
        }
    if rng.random() < 0.1:
        doc["red_flags"] = {rng.choice(RED_FLAGS): True}
    elif rng.random() < 0.05:
        doc["red_flags"] = {"fever": False, "saddle_numbness": False}  # screened, all negative
    r = rng.random()
    if r < 0.25:
        doc["conditions"] = [rng.choice(COMMON_CONDITIONS)]
    elif r < 0.32:
        doc["conditions"] = rng.sample(CONDITIONS, rng.randint(1, 2))
    if rng.random() < 0.35:
        doc["medications"] = rng.sample(MEDICATIONS, rng.randint(1, 2))
    if rng.random() < 0.04:
        doc["history"] = {
            "family_spondyloarthritis": rng.random() < 0.5,
            "arthritis_enthesitis_or_psoriasis": rng.random() < 0.5,
        }
    if sex == "female" and 16 <= age <= 45 and rng.random() < 0.1:
        pregnancy: dict[str, Any] = {"pregnant": True, "weeks": rng.randint(1, 42)}
        if rng.random() < 0.1:
            pregnancy["high_risk"] = True
        doc["pregnancy"] = pregnancy
    r = rng.random()
    if r < 0.1:
        doc["recent"] = {"injury_hours_ago": round(rng.uniform(0, 200), 1)}
    elif r < 0.14:
        doc["recent"] = {
            "surgery_weeks_ago": round(rng.uniform(0, 52), 1),
            "injury_hours_ago": None,
        }
    if rng.random() < 0.3:
        doc["startback"] = [rng.randint(0, 1) for _ in range(8)] + [rng.randint(0, 4)]
    if rng.random() < 0.2:
        doc["preferences"] = {"pressure": rng.choice(["light", "medium", "firm", None])}
    if rng.random() < 0.05:
        clearances = []
        for rule in rng.sample(CLEARABLE, rng.choice([1, 1, 1, 2])):
            day = datetime.date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))
            clearance = {"rule": rule, "date": day.isoformat(), "by": rng.choice(CLEARED_BY)}
            note = rng.choice(NOTES)
            if note:
                clearance["note"] = note
            clearances.append(clearance)
        doc["clearances"] = clearances
    return doc


def varied_intake(rng: random.Random) -> dict[str, Any]:
    """One valid intake of the varied caseload: half as `synthetic_intake`, half with two to
    four warning signs, STarT Back answers, findings, and often clearances and conditions (the
    intakes that fire the most rules and share the fewest patterns)."""
    doc = synthetic_intake(rng)
    if rng.random() < 0.5:
        return doc
    doc["red_flags"] = dict.fromkeys(rng.sample(RED_FLAGS, rng.randint(2, 4)), True)
    doc["startback"] = [rng.randint(0, 1) for _ in range(8)] + [rng.randint(0, 4)]
    doc["findings"] = {
        "muscle_tension": rng.random() < 0.7,
        "trigger_points": rng.random() < 0.5,
        "fascial_restriction": rng.random() < 0.4,
    }
    if rng.random() < 0.5:
        doc["conditions"] = rng.sample(CONDITIONS, rng.randint(1, 3))
    if rng.random() < 0.5:
        clearances = []
        for rule in rng.sample(CLEARABLE, rng.randint(1, 3)):
            day = datetime.date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))
            clearances.append({"rule": rule, "date": day.isoformat(), "by": rng.choice(CLEARED_BY)})
        doc["clearances"] = clearances
    return doc


CASELOADS = {"synthetic": synthetic_intake, "varied": varied_intake}


def synthetic_intakes(n: int, seed: int, caseload: str = "synthetic") -> Iterator[dict[str, Any]]:
    """n valid intakes of the caseload, the same for the same (n, seed, caseload)."""
    rng = random.Random(seed)
    draw = CASELOADS[caseload]
    for _ in range(n):
        yield draw(rng)
