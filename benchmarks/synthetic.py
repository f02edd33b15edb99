"""Seeded synthetic intakes for benchmarks: valid `backcare.intake/1` documents, varied like a
real caseload (most without red flags, some with conditions, medicines, findings, clearances).

    python benchmarks/synthetic.py N SEED > intakes.jsonl
"""

from __future__ import annotations

import json
import random
import sys
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
MEDICATIONS = [
    "anticoagulant", "antiplatelet", "long_term_corticosteroid", "nsaid", "opioid",
    "muscle_relaxant",
]  # fmt: skip
CLEARABLE = ["RF-CANCER-HISTORY-ROUTINE", "RF-NIGHT-PAIN", "CI-RECENT-SURGERY", "CI-DVT"]


def synthetic_intake(rng: random.Random) -> dict[str, Any]:
    age = rng.randint(12, 95)
    doc: dict[str, Any] = {
        "schema": "backcare.intake/1",
        "age": age,
        "sex": rng.choice(["female", "male", "other", "unspecified"]),
        "pain": {
            "intensity": rng.randint(0, 10),
            "duration_weeks": round(rng.uniform(0, 200), 2),
            "regions": rng.sample(REGIONS, rng.randint(1, 3)),
            "onset": rng.choice(["gradual", "gradual", "sudden", "after_trauma"]),
            "radiation": rng.choice(["none", "none", "none", "above_knee", "below_knee"]),
        },
    }
    pain = doc["pain"]
    for flag in ("night_pain_unrelieved", "wakes_second_half_of_night", "better_with_movement"):
        if rng.random() < 0.1:
            pain[flag] = True
    if rng.random() < 0.5:
        doc["findings"] = {
            "muscle_tension": rng.random() < 0.6,
            "trigger_points": rng.random() < 0.4,
            "fascial_restriction": rng.random() < 0.3,
        }
    if rng.random() < 0.1:
        doc["red_flags"] = {rng.choice(RED_FLAGS): True}
    if rng.random() < 0.3:
        doc["conditions"] = rng.sample(CONDITIONS, rng.randint(1, 2))
    if rng.random() < 0.4:
        doc["medications"] = rng.sample(MEDICATIONS, rng.randint(1, 2))
    if doc["sex"] == "female" and 16 <= age <= 45 and rng.random() < 0.1:
        doc["pregnancy"] = {"pregnant": True, "weeks": rng.randint(1, 42)}
    if rng.random() < 0.1:
        doc["recent"] = {"injury_hours_ago": round(rng.uniform(0, 200), 1)}
    elif rng.random() < 0.05:
        doc["recent"] = {"surgery_weeks_ago": round(rng.uniform(0, 30), 1)}
    if rng.random() < 0.3:
        doc["startback"] = [rng.randint(0, 1) for _ in range(8)] + [rng.randint(0, 4)]
    if rng.random() < 0.2:
        doc["preferences"] = {"pressure": rng.choice(["light", "medium", "firm"])}
    if rng.random() < 0.05:
        doc["clearances"] = [
            {"rule": rng.choice(CLEARABLE), "date": "2026-10-12", "by": "Dr J. Singh, GP"}
        ]
    return doc


def synthetic_intakes(n: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for _ in range(n):
        yield synthetic_intake(rng)


def main() -> None:
    n, seed = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
    write = sys.stdout.write
    for doc in synthetic_intakes(n, seed):
        write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
