"""The words of the contracts (contracts-v1.md), spelled exactly once.

Every enum value here is part of a public interface: other tools are written against these
spellings, so they change only with a new contract version.
"""

from __future__ import annotations

from typing import Final, Literal

INTAKE_SCHEMA: Final = "backcare.intake/1"
ASSESSMENT_SCHEMA: Final = "backcare.assessment/1"
COURSE_SCHEMA: Final = "backcare.course/1"
PROGRESS_SCHEMA: Final = "backcare.progress/1"
ERROR_SCHEMA: Final = "backcare.error/1"

Sex = Literal["female", "male", "other", "unspecified"]
Region = Literal["cervical", "thoracic", "lumbar", "sacral", "gluteal"]
Onset = Literal["gradual", "sudden", "after_trauma"]
Radiation = Literal["none", "above_knee", "below_knee"]
Pressure = Literal["light", "medium", "firm"]
Condition = Literal[
    "muscle_strain",
    "ligament_sprain",
    "herniated_disc",
    "spinal_stenosis",
    "osteoporosis",
    "bleeding_disorder",
    "active_cancer_treatment",
    "uncontrolled_hypertension",
    "diabetic_neuropathy",
    "skin_lesion_at_site",
    "deep_vein_thrombosis",
    "aortic_aneurysm",
]
Medication = Literal[
    "anticoagulant",
    "antiplatelet",
    "long_term_corticosteroid",
    "nsaid",
    "opioid",
    "muscle_relaxant",
]
Technique = Literal["swedish", "deep_tissue", "trigger_point", "myofascial_release"]
SideEffect = Literal[
    "soreness",
    "bruising",
    "increased_pain",
    "numbness",
    "weakness",
    "dizziness",
    "skin_reaction",
    "fever",
]

# How the clinic knows of a medical review, and what it said (contracts-v1 §3, v1.1).
ReviewSource = Literal["letter_seen", "clinician_contacted", "client_report"]
ReviewOutcome = Literal["may_resume", "with_restrictions", "not_advised"]
# Why a session that breaks the assessment was recorded anyway (clinical-rules §6a).
OverrideReason = Literal[
    "recorded_after_the_fact", "doctor_cleared_verbally", "client_informed_choice", "other"
]

Disposition = Literal[
    "emergency", "urgent_referral", "clearance_first", "proceed_with_precautions", "proceed"
]
Urgency = Literal["emergency", "urgent", "routine"]
Verdict = Literal["recommended", "suitable", "avoid"]
PainCategory = Literal["acute", "subacute", "chronic"]
PainSeverity = Literal["none", "mild", "moderate", "severe"]
StartBackRisk = Literal["low", "medium", "high"]
Status = Literal["meaningful_improvement", "improving", "no_change", "worsening"]
NextStep = Literal["continue", "adjust", "reassess", "see_doctor", "emergency"]

RED_FLAG_NAMES: Final = (
    "saddle_numbness",
    "new_bladder_dysfunction",
    "new_bowel_incontinence",
    "bilateral_leg_symptoms",
    "progressive_leg_weakness",
    "fever",
    "unexplained_weight_loss",
    "history_of_cancer",
    "significant_trauma",
    "iv_drug_use",
    "immunosuppression",
    "recent_infection",
    "pulsating_abdominal_mass",
    "chest_pain",
    "calf_pain_swelling",
)

TECHNIQUES: Final[tuple[Technique, ...]] = (
    "swedish",
    "deep_tissue",
    "trigger_point",
    "myofascial_release",
)

# Orders, most severe / most pressure last-or-first as named. Used for "at least" and "lowest".
PRESSURE_ORDER: Final[dict[str, int]] = {"light": 0, "medium": 1, "firm": 2}
DISPOSITION_SEVERITY: Final[dict[str, int]] = {
    "proceed": 0,
    "proceed_with_precautions": 1,
    "clearance_first": 2,
    "urgent_referral": 3,
    "emergency": 4,
}
URGENCY_SEVERITY: Final[dict[str, int]] = {"routine": 0, "urgent": 1, "emergency": 2}
NEXT_STEP_SEVERITY: Final[dict[str, int]] = {
    "continue": 0,
    "adjust": 1,
    "reassess": 2,
    "see_doctor": 3,
    "emergency": 4,
}
# Dispositions under which massage may go ahead (clinical-rules-v1 §5).
PROCEEDING: Final = frozenset({"proceed", "proceed_with_precautions"})
