"""Every human word for a code, written once.

The contracts (vocabulary.py) spell the codes; this module says what each means to a person.
The web pages, the PDFs, the CSVs' human columns, FHIR display texts, the self-check and the
command line all take their words from here, so a status or a warning sign reads the same on
every surface. Clinical texts of the rules themselves (findings) live in the rule tables.
"""

from __future__ import annotations

from typing import Final

# -- What a client or therapist answers -------------------------------------------------------

REGIONS: Final = [
    ("lumbar", "Lower back"),
    ("thoracic", "Upper or middle back"),
    ("cervical", "Neck"),
    ("sacral", "Base of the spine (sacrum)"),
    ("gluteal", "Buttocks"),
]
# The side of a region on the body map (seen from behind). Not part of the intake contract
# (`pain.regions` has no side): sessions keep "lumbar-left" codes, the self-check shows it only.
SIDES: Final = [("left", "left"), ("right", "right")]
NO_SIDE: Final = "middle"
RED_FLAG_QUESTIONS: Final = [
    ("saddle_numbness", "Numbness around the back passage, genitals or inner thighs"),
    ("new_bladder_dysfunction", "New trouble passing or holding urine"),
    ("new_bowel_incontinence", "New loss of bowel control"),
    ("bilateral_leg_symptoms", "Pain, numbness or weakness in both legs"),
    ("progressive_leg_weakness", "Leg weakness that is getting worse"),
    ("fever", "A fever (feeling hot and shivery, 38 °C or more)"),
    ("unexplained_weight_loss", "Losing weight without trying"),
    ("history_of_cancer", "Ever had cancer"),
    ("significant_trauma", "The pain started after a serious fall, crash or blow"),
    ("iv_drug_use", "Injecting drugs"),
    ("immunosuppression", "A weakened immune system (illness or medicines)"),
    ("recent_infection", "A recent infection"),
    ("pulsating_abdominal_mass", "A pulsing lump in the belly"),
    ("chest_pain", "Chest pain"),
    ("calf_pain_swelling", "A painful, swollen calf"),
]
CONDITIONS: Final = [
    ("muscle_strain", "Muscle strain"),
    ("ligament_sprain", "Ligament sprain"),
    ("herniated_disc", "Herniated (slipped) disc"),
    ("spinal_stenosis", "Spinal stenosis (narrowed spinal canal)"),
    ("osteoporosis", "Osteoporosis (thin bones)"),
    ("bleeding_disorder", "A bleeding disorder"),
    ("active_cancer_treatment", "Cancer treatment now"),
    ("uncontrolled_hypertension", "High blood pressure that is not under control"),
    ("diabetic_neuropathy", "Nerve damage from diabetes"),
    ("skin_lesion_at_site", "A skin problem where it hurts (wound, rash, burn)"),
    ("deep_vein_thrombosis", "A blood clot in a vein (DVT)"),
    ("aortic_aneurysm", "An aortic aneurysm"),
]
MEDICATIONS: Final = [
    ("anticoagulant", "Blood thinner (e.g. warfarin, apixaban)"),
    ("antiplatelet", "Antiplatelet (e.g. aspirin, clopidogrel)"),
    ("long_term_corticosteroid", "Steroid tablets for 3 months or more"),
    ("nsaid", "Anti-inflammatory painkillers (e.g. ibuprofen)"),
    ("opioid", "Opioid painkillers (e.g. codeine, tramadol)"),
    ("muscle_relaxant", "Muscle relaxants"),
]
TECHNIQUES: Final = [
    ("swedish", "Swedish massage"),
    ("deep_tissue", "Deep tissue massage"),
    ("trigger_point", "Trigger point therapy"),
    ("myofascial_release", "Myofascial release"),
]
PRESSURES: Final = [("light", "Light"), ("medium", "Medium"), ("firm", "Firm")]
SIDE_EFFECTS: Final = [
    ("soreness", "Soreness"),
    ("bruising", "Bruising"),
    ("increased_pain", "More pain"),
    ("numbness", "Numbness"),
    ("weakness", "Weakness"),
    ("dizziness", "Dizziness"),
    ("skin_reaction", "Skin reaction"),
    ("fever", "Fever"),
]

# The intake's questions, by contract path: the web form, the FHIR Questionnaire and the
# self-check ask them in these words.
INTAKE_QUESTION: Final = {
    "age": "Age (years)",
    "sex": "Sex",
    "pregnancy.pregnant": "Pregnant now",
    "pregnancy.weeks": "Weeks of pregnancy",
    "pregnancy.high_risk": "My midwife or doctor says it is a high-risk pregnancy",
    "pain.intensity": "Pain right now, from 0 (none) to 10 (worst imaginable)",
    "pain.duration_weeks": "How many weeks since this episode began",
    "pain.regions": "Where it hurts",
    "pain.onset": "How it started",
    "pain.radiation": "Does the pain spread into a leg?",
    "pain.night_pain_unrelieved": "Pain at night that rest or changing position does not ease",
    "pain.wakes_second_half_of_night": "Woken by back pain in the second half of the night",
    "pain.better_with_movement": "Better with movement, not with rest",
    "pain.eased_by_nsaids_within_48h": (
        "Clearly eased by anti-inflammatory painkillers within 2 days"
    ),
    "findings.muscle_tension": "Tight, guarded muscles",
    "findings.trigger_points": "Trigger points (knots that refer pain)",
    "findings.fascial_restriction": "Fascial restriction or stiffness",
    "conditions": "Diagnosed conditions",
    "medications": "Medicines",
    "history.family_spondyloarthritis": "A parent, brother, sister or child with spondyloarthritis",
    "history.arthritis_enthesitis_or_psoriasis": (
        "Arthritis, enthesitis or psoriasis, now or in the past"
    ),
    "recent.surgery_weeks_ago": (
        "Surgery in the last year: how many weeks ago (leave empty if none)"
    ),
    "recent.injury_hours_ago": (
        "A new strain or sprain of the back: how many hours ago (leave empty if none)"
    ),
    "preferences.pressure": "The most pressure you want",
    "red_flags": "Any of these, new or now?",
}
SEX: Final = [
    ("unspecified", "Prefer not to say"),
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
]
ONSET: Final = [
    ("gradual", "Gradually"),
    ("sudden", "Suddenly"),
    ("after_trauma", "After a fall or injury"),
]
RADIATION: Final = [
    ("none", "No"),
    ("above_knee", "Yes, not below the knee"),
    ("below_knee", "Yes, below the knee"),
]
STARTBACK_ITEMS: Final = [
    "My back pain has spread down my leg(s) at some time in the last 2 weeks",
    "I have had pain in the shoulder or neck at some time in the last 2 weeks",
    "I have only walked short distances because of my back pain",
    "In the last 2 weeks, I have dressed more slowly than usual because of back pain",
    "It's not really safe for a person with a condition like mine to be physically active",
    "Worrying thoughts have been going through my mind a lot of the time",
    "I feel that my back pain is terrible and it's never going to get any better",
    "In general I have not enjoyed all the things I used to enjoy",
    "Overall, how bothersome has your back pain been in the last 2 weeks?",
]
PAIN_CATEGORY: Final = {
    "acute": "acute (under 6 weeks)",
    "subacute": "subacute (6 to 12 weeks)",
    "chronic": "chronic (over 12 weeks)",
}
PAIN_SEVERITY: Final = {"none": "none", "mild": "mild", "moderate": "moderate", "severe": "severe"}
STARTBACK_AGREE: Final = [("0", "Disagree"), ("1", "Agree")]
STARTBACK_BOTHER: Final = [
    ("0", "Not at all"),
    ("1", "Slightly"),
    ("2", "Moderately"),
    ("3", "Very much"),
    ("4", "Extremely"),
]

# The same questions as the person answers them about themselves (the client's intake link and
# the self-check), where a clinician's words would not do; by contract path. Paths not listed
# here are asked in INTAKE_QUESTION's words.
CLIENT_QUESTION: Final = {
    "pregnancy.pregnant": "Are you pregnant?",
    "pregnancy.high_risk": "Has your midwife or doctor said it is a high-risk pregnancy?",
    "pain.onset": "How did this back pain start?",
    "pain.night_pain_unrelieved": (
        "Do you have pain at night that resting or changing position does not ease?"
    ),
    "pain.wakes_second_half_of_night": ("Does back pain wake you in the second half of the night?"),
    "pain.better_with_movement": "Does it get better when you move, and not when you rest?",
    "pain.eased_by_nsaids_within_48h": (
        "Do anti-inflammatory painkillers (such as ibuprofen) clearly ease it within 2 days?"
    ),
    "findings.trigger_points": "Can you feel knots or tight bands in the muscles where it hurts?",
    "findings.fascial_restriction": "Does your back feel stuck or restricted when you move?",
    "history.family_spondyloarthritis": (
        "Has a parent, brother, sister or child been told they have inflammatory arthritis "
        "of the spine?"
    ),
    "history.arthritis_enthesitis_or_psoriasis": (
        "Have you ever had arthritis, psoriasis, or painful swelling where a tendon joins the bone?"
    ),
    "conditions": "Has a doctor told you that you have any of these?",
    "medications": "Do you take any of these medicines?",
}
# A short explanation beside a question whose words still need one, by contract path.
CLIENT_HELP: Final = {
    "findings.trigger_points": (
        "Small hard spots or cords in a muscle that hurt when pressed, sometimes with pain "
        "felt further away."
    ),
    "findings.fascial_restriction": (
        "The skin and the tissue under it feel tight, as if they do not glide when you bend "
        "or twist."
    ),
    "history.family_spondyloarthritis": (
        "For example ankylosing spondylitis: a long-lasting inflammation that stiffens the back."
    ),
    "history.arthritis_enthesitis_or_psoriasis": (
        "Psoriasis is a skin condition with red, scaly patches. A painful swollen heel or "
        "Achilles tendon counts."
    ),
    "pain.eased_by_nsaids_within_48h": "Answer No if you have not taken them for this pain.",
}
# PEG (`krebs2009`, free to use): its three questions as the person answers them, 0-10, with
# the words at each end of the scale.
PEG_ITEMS: Final = [
    (
        "What number best describes your pain on average in the past week?",
        ("0 = no pain", "10 = pain as bad as you can imagine"),
    ),
    (
        "What number best describes how, during the past week, pain has interfered with your "
        "enjoyment of life?",
        ("0 = does not interfere", "10 = completely interferes"),
    ),
    (
        "What number best describes how, during the past week, pain has interfered with your "
        "general activity?",
        ("0 = does not interfere", "10 = completely interferes"),
    ),
]
YES_NO: Final = [("yes", "Yes"), ("no", "No")]

# -- What the engine answers ------------------------------------------------------------------

STATUS: Final = {
    "meaningful_improvement": "Meaningful improvement",
    "improving": "Improving, not yet meaningfully",
    "no_change": "No change",
    "worsening": "Worsening",
}
NEXT_STEP: Final = {
    "continue": "Continue the plan",
    "adjust": "Adjust the next session",
    "reassess": "Reassess the plan",
    "see_doctor": "See a doctor before more massage",
    "emergency": "Emergency: stop, do not treat; send to emergency care now",
}
DISPOSITION: Final = {
    "emergency": "Emergency",
    "urgent_referral": "Urgent referral",
    "clearance_first": "Doctor's clearance first",
    "proceed_with_precautions": "Proceed with precautions",
    "proceed": "Proceed",
}
URGENCY: Final = {"emergency": "Emergency", "urgent": "Urgent", "routine": "Routine"}
VERDICT: Final = {"recommended": "Recommended", "suitable": "Suitable", "avoid": "Avoid"}
ALERT_NAME: Final = {
    "AL-NEW-RED-FLAG": "Warning sign since the intake",
    "AL-UNRESOLVED-REFERRAL": "Intake referral not resolved",
    "AL-NEURO-SYMPTOMS": "Numbness or weakness after massage",
    "AL-FEVER": "Fever after massage",
    "AL-BRUISING-BLEEDING-RISK": "Bruising with a bleeding risk",
    "AL-BRUISING": "Bruising",
    "AL-PROLONGED-SORENESS": "Soreness lasting over 48 hours",
    "AL-DIZZINESS": "Dizziness",
    "AL-SKIN-REACTION": "Skin reaction",
    "AL-PRESSURE-EXCEEDED": "Pressure above the limit",
    "AL-TECHNIQUE-AVOIDED": "A technique to avoid was used",
    "AL-WORSENING": "Worsening",
    "AL-PLATEAU": "No meaningful improvement after 5 sessions",
}

SESSION_FIELD: Final = {
    "pain_before": "Pain before",
    "pain_after": "Pain after",
    "techniques": "Techniques",
    "pressure": "Most pressure",
    "minutes": "Minutes",
    "regions": "Regions",
    "side_effects": "After-effects",
    "side_effect_hours": "Hours the after-effects lasted",
    "new_red_flags": "Warning signs at this visit",
    "subjective": "S (what the client reports)",
    "objective": "O (what you found)",
    "assessment_note": "A (your assessment)",
    "plan_note": "P (the plan)",
}
# A session's two pain scores shown together (a column or a line: "4 → 2").
PAIN_BEFORE_AFTER: Final = "Pain before → after"
INTAKE_SOURCE: Final = {
    "therapist": "by the therapist",
    "client_link": "by the client (one-time link)",
    "self_check": "from the public self-check",
    "fhir": "imported (FHIR)",
    "reassessed": "assessed again under the current rules",
}
# What an assessment change is about (core.state.assessment_changes).
CHANGED_WHAT: Final = {
    "disposition": "What to do",
    "max_pressure": "Pressure limit",
    **dict(TECHNIQUES),
}

# What the audit log records (an action's code is `area.verb`; reads are `view.*`/`export.*`).
AUDIT_ACTION: Final = {
    "client.create": "Added a client",
    "client.update": "Corrected a client's details",
    "client.erase": "Erased a client's record",
    "intake.create": "Recorded an intake and its assessment",
    "intake.changes_seen": "Saw what changed in an assessment",
    "session.create": "Recorded a session",
    "session.update": "Edited an unsigned session",
    "session.sign": "Signed a session",
    "session.amend": "Amended a signed session",
    "session.void": "Voided a session",
    "checkin.create": "Recorded a check-in",
    "alert.raise": "A check-in raised an alert",
    "alert.acknowledge": "Acknowledged an alert",
    "alert.escalate": "Escalated an unacknowledged alert",
    "review.create": "Recorded a medical review",
    "link.create": "Made a one-time link",
    "link.use": "A one-time link was used",
    "api_token.create": "Made an API token",
    "api_token.revoke": "Revoked an API token",
    "staff.invite": "Invited a therapist (one-time link)",
    "staff.invite_cancel": "Withdrew an invitation",
    "staff.join": "Joined the clinic by an invitation",
    "staff.deactivate": "Deactivated a therapist's account",
    "staff.reactivate": "Reactivated a therapist's account",
    "staff.role": "Changed a therapist's role",
    "account.password_change": "Changed their password",
    "account.password_reset": "Set a new password by an emailed link",
    "auth.sign_in": "Signed in with a password",
    "auth.sign_out": "Signed out",
    "auth.sign_in_fail": "A sign-in failed (wrong username or password)",
    "auth.lockout": "Signing in was locked after repeated failures",
    "mfa.enrol": "Set up two-factor sign-in",
    "mfa.verify": "Gave a two-factor code",
    "mfa.fail": "Gave a wrong two-factor code",
    "mfa.recovery_code": "Used a recovery code",
    "mfa.recovery_codes": "Made new recovery codes",
    "mfa.reset": "Reset a colleague's two-factor sign-in",
    "clinic.two_factor_rule": "Changed whether therapists need two-factor sign-in",
    "clinic.details": "Changed the clinic's details (as its letters print them)",
    "staff.profile": "Changed their profile (as their letters are signed)",
}
AUDIT_READ: Final = {"view": "Viewed", "export": "Downloaded"}


def audit_action(code: str) -> str:
    """An audit row's action in words: `view.progress` is "Viewed: progress"."""
    if code in AUDIT_ACTION:
        return AUDIT_ACTION[code]
    kind, _, what = code.partition(".")
    if kind in AUDIT_READ:
        return f"{AUDIT_READ[kind]}: {what.replace('api.', 'API ').replace('_', ' ')}"
    return code


# -- Medical reviews (contracts §3 `reviews`) -------------------------------------------------

REVIEW_SOURCE: Final = [
    ("letter_seen", "We have seen their letter or report"),
    ("clinician_contacted", "We spoke to the clinician"),
    ("client_report", "The client told us"),
]
REVIEW_OUTCOME: Final = [
    ("may_resume", "Massage may resume"),
    ("with_restrictions", "Massage may resume, with restrictions"),
    ("not_advised", "Massage is not advised"),
]

# -- §6a: a session that breaks the assessment ------------------------------------------------

CAUSE_PROMPT: Final = {
    "emergency": (
        "Stop: this client needs emergency care now; do not treat. Only a session that has "
        "already happened can be recorded, and it is marked as a safety override."
    ),
    "see_doctor": "A doctor's review is needed first: the course has an unresolved alert.",
    "no_massage": "The assessment advises no massage at all until the referral is resolved.",
    "pressure": "The pressure is above the assessment's limit.",
    "technique": "The assessment marks a technique as one to avoid.",
}
REASON_KIND: Final = [
    ("recorded_after_the_fact", "Recorded after the fact (it already happened)"),
    ("doctor_cleared_verbally", "A doctor cleared it verbally"),
    ("client_informed_choice", "The client's informed choice"),
    ("other", "Other"),
]

# -- §6b: how soon a client reporting alone must act ------------------------------------------

# The emergency number when the deployment has not set one; a page with the number puts it in
# the same place (templatetags/words.py `with_number`).
EMERGENCY_NUMBER: Final = "your local emergency number"

ADVICE_WHEN: Final = {
    "now": f"Now: call {EMERGENCY_NUMBER} or go to an emergency department.",
    "today": "Today: contact a doctor today. No massage until then.",
    "within_a_week": "Within a week: see a doctor. No massage until then.",
}


# -- Sources: the short name a lay reader sees in a footnote (the full citation is in
# rules/data/sources.toml; a test checks both have the same ids) -----------------------------

SOURCE_NAME: Final = {
    "acp2017": "American College of Physicians guideline (2017)",
    "bmj-ces": "BMJ Best Practice: cauda equina syndrome",
    "cambron2007": "Study of massage side effects (Cambron 2007)",
    "cherkin2011": "Massage trial (Cherkin 2011)",
    "downie2013": "Review of warning signs (Downie 2013)",
    "elder2017": "Study of massage in everyday practice (Elder 2017)",
    "ernst2003": "Review of massage safety (Ernst 2003)",
    "farrar2001": "Pain scale study (Farrar 2001)",
    "finucane2020": "International warning-signs framework (Finucane 2020)",
    "furlan2015": "Cochrane review (Furlan 2015)",
    "henschke2009": "Primary care study (Henschke 2009)",
    "hill2008": "Keele STarT Back tool (Hill 2008)",
    "hill2011": "STarT Back trial (Hill 2011)",
    "kngf2021": "Dutch physiotherapy guideline (KNGF 2021)",
    "krebs2009": "PEG pain scale (Krebs 2009)",
    "nccih-massage": "NCCIH: Massage therapy, what you need to know",
    "nice-cg75": "NICE guideline CG75",
    "nice-ng156": "NICE guideline NG156",
    "nice-ng158": "NICE guideline NG158",
    "nice-ng59": "NICE guideline NG59",
    "nice-ng65": "NICE guideline NG65",
    "ostelo2008": "Change scores consensus (Ostelo 2008)",
    "racgp2013": "Australian Family Physician (2013)",
    "reed2024": "PEG scale study (Reed 2024)",
    "vantulder2006": "European guidelines (van Tulder 2006)",
    "werner1998": "A Massage Therapist's Guide to Pathology (Werner 1998)",
    "yin2014": "Review of massage side effects (Yin 2014)",
    "yusuf2019": "Spinal infection warning signs (Yusuf 2019)",
    "basch2016": "Symptom monitoring trial (Basch 2016)",
    "vandersijs2006": "Safety alerts study (van der Sijs 2006)",
    "policy": "backcare's own advice",
}


def label(table: list[tuple[str, str]] | dict[str, str], code: str | None) -> str:
    """The words for `code` in `table`; the code itself only if the table lacks it (so a gap
    shows, rather than an empty cell)."""
    words = dict(table) if isinstance(table, list) else table
    return "" if code is None else words.get(code, code)
