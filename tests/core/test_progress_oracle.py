"""An independent check of clinical-rules-v1.1 §6 (progress over a course).

Three witnesses are compared: the spec (expectations written here by hand from its text), an
oracle written from the spec alone (`support.course_oracle`), and the core
(`backcare.core.progress`). The oracle is first checked against the public vignettes; then both
the oracle and the core against the hand-made cases; then the core against the oracle on random
v1.1 courses. Validation of the v1.1 course fields is checked last.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from backcare.core.assessment import assess
from backcare.core.progress import progress
from backcare.core.validation import InvalidInput, parse_course, parse_intake
from support.course_oracle import RED_FLAG_RULES, oracle_progress, pain_category
from support.course_oracle import red_flag_rules_firing as oracle_red_flag_rules
from support.course_strategies import v11_courses
from support.strategies import intakes

VIGNETTES = Path("/work/shared/vignettes/courses")
FIELDS = ("sessions_done", "pain", "rmdq", "odi", "peg", "status", "next_step")


def core(doc: dict[str, Any]) -> dict[str, Any]:
    return progress(parse_course(copy.deepcopy(doc))).to_json()


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """The fields the witnesses are compared on (alert texts and sources left out)."""
    out = {field: answer[field] for field in FIELDS}
    out["alerts"] = sorted((a["rule"], a["next_step"]) for a in answer["alerts"])
    out["trace"] = list(answer["trace"])
    return out


# --- 1. the oracle agrees with every public vignette ------------------------------------------


def _vignettes() -> list[Any]:
    files = sorted(VIGNETTES.glob("*.json"))
    return [pytest.param(json.loads(f.read_text()), id=f.stem) for f in files]


@pytest.mark.parametrize("vignette", _vignettes())
def test_oracle_agrees_with_the_public_vignette(vignette: dict[str, Any]) -> None:
    got = oracle_progress(copy.deepcopy(vignette["course"]))
    expect = vignette["expect"]
    for field, value in expect.items():
        if field == "alerts":
            assert [{"rule": a["rule"], "next_step": a["next_step"]} for a in got["alerts"]] == (
                value
            )
        else:
            assert got[field] == value, field


@pytest.mark.parametrize("vignette", _vignettes())
def test_core_agrees_with_the_public_vignette(vignette: dict[str, Any]) -> None:
    got = core(vignette["course"])
    for field, value in vignette["expect"].items():
        if field == "alerts":
            assert [{"rule": a["rule"], "next_step": a["next_step"]} for a in got["alerts"]] == (
                value
            )
        else:
            assert got[field] == value, field


def test_core_names_rules_version_1_1() -> None:
    doc = json.loads((VIGNETTES / "plateau-after-five.json").read_text())["course"]
    assert "clinical-rules-v1.1" in core(doc)["rules_version"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes())
def test_oracle_red_flag_rules_agree_with_the_core_assessment(intake: dict[str, Any]) -> None:
    """The oracle's copy of the 18 red-flag-reading §2 rules fires exactly as the core's
    assessment does (so "raised at a visit" in the oracle rests on the same §2)."""
    trace = set(assess(parse_intake(copy.deepcopy(intake))).trace)
    mine = oracle_red_flag_rules(
        intake, intake.get("red_flags", {}), pain_category(intake["pain"]["duration_weeks"])
    )
    assert mine == trace & set(RED_FLAG_RULES)


# --- 2. hand-made cases ------------------------------------------------------------------------

INTAKE: dict[str, Any] = {
    "schema": "backcare.intake/1",
    "age": 45,
    "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
}


def D(day: int) -> str:
    return f"2026-01-{day:02d}"


def intake(**fields: Any) -> dict[str, Any]:
    """INTAKE with top-level fields replaced; `red_flags` / `pain` entries merged."""
    doc = copy.deepcopy(INTAKE)
    for key, value in fields.items():
        if key == "pain":
            doc["pain"] |= value
        else:
            doc[key] = value
    return doc


def S(number: int, day: int, **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "date": D(day),
        "pain_before": 6,
        "pain_after": 5,
        "techniques": ["swedish"],
        "pressure": "medium",
    } | extra


def F(date: int | str, pain: int = 6, **extra: Any) -> dict[str, Any]:
    return {"date": D(date) if isinstance(date, int) else date, "pain": pain} | extra


def R(
    date: int | str,
    *rules: str,
    source: str = "letter_seen",
    outcome: str = "may_resume",
) -> dict[str, Any]:
    return {
        "date": D(date) if isinstance(date, int) else date,
        "rules": list(rules),
        "by": "Dr A",
        "role": "GP",
        "source": source,
        "outcome": outcome,
    }


def C(
    sessions: list[dict[str, Any]] | None = None,
    followups: list[dict[str, Any]] | None = None,
    reviews: list[dict[str, Any]] | None = None,
    intake_doc: dict[str, Any] | None = None,
    **baseline: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "backcare.course/1",
        "intake": copy.deepcopy(INTAKE) if intake_doc is None else intake_doc,
        "baseline": {"pain": 6} | baseline,
        "sessions": sessions or [],
    }
    if followups is not None:
        doc["followups"] = followups
    if reviews is not None:
        doc["reviews"] = reviews
    return doc


SADDLE = {"new_red_flags": {"saddle_numbness": True}}
FEVER_FLAG = {"new_red_flags": {"fever": True}}
NONE: dict[str, str] = {}
EMERGENCY = {"AL-NEW-RED-FLAG": "emergency"}
SEE_DOCTOR = {"AL-NEW-RED-FLAG": "see_doctor"}
SADDLE_AT_8 = [S(1, 1), S(2, 8, **SADDLE)]
ANTICOAGULANT = intake(medications=["anticoagulant"])
STENOSIS = intake(conditions=["spinal_stenosis"])
CANCER_ROUTINE_CLEARED = intake(
    red_flags={"history_of_cancer": True},
    clearances=[{"rule": "RF-CANCER-HISTORY-ROUTINE", "date": "2025-12-20", "by": "Dr B"}],
)
IV_CLEARED = intake(
    red_flags={"iv_drug_use": True},
    clearances=[{"rule": "RF-INFECTION-RISK", "date": "2025-12-20", "by": "Dr B"}],
)


def case(
    description: str,
    doc: dict[str, Any],
    status: str,
    alerts: dict[str, str],
    pain_latest: int | None = None,
) -> Any:
    return pytest.param(doc, status, alerts, pain_latest, id=description)


CASES = [
    # AL-UNRESOLVED-REFERRAL, with or without sessions
    case(
        "intake emergency, no session: referral raised at once (emergency)",
        C(intake_doc=intake(red_flags={"saddle_numbness": True})),
        "no_change",
        {"AL-UNRESOLVED-REFERRAL": "emergency"},
    ),
    case(
        "intake fever (urgent), no session: referral raised (see_doctor)",
        C(intake_doc=intake(red_flags={"fever": True})),
        "no_change",
        {"AL-UNRESOLVED-REFERRAL": "see_doctor"},
    ),
    case(
        "intake emergency is not resolved by a review of its rule (only a new intake does)",
        C(
            [],
            [F(3, **SADDLE)],
            [R(4, "RF-CES-SADDLE")],
            intake_doc=intake(red_flags={"saddle_numbness": True}),
        ),
        "no_change",
        {"AL-UNRESOLVED-REFERRAL": "emergency"},
    ),
    case(
        "under 16 (clearance_first) with a session: referral, pressure and technique alerts",
        C([S(1, 1)], intake_doc=intake(age=15)),
        "no_change",
        {
            "AL-UNRESOLVED-REFERRAL": "see_doctor",
            "AL-PRESSURE-EXCEEDED": "adjust",
            "AL-TECHNIQUE-AVOIDED": "adjust",
        },
    ),
    case(
        "cleared cancer history: no referral alert",
        C([S(1, 1)], intake_doc=CANCER_ROUTINE_CLEARED),
        "no_change",
        NONE,
    ),
    case(
        "cancer history already at intake is not raised again by a visit",
        C([S(1, 1, new_red_flags={"history_of_cancer": True})], intake_doc=CANCER_ROUTINE_CLEARED),
        "no_change",
        NONE,
    ),
    case(
        "below-knee radiation at intake: routine referral but proceed, no referral alert",
        C([S(1, 1)], intake_doc=intake(pain={"radiation": "below_knee"})),
        "no_change",
        NONE,
    ),
    # raised at a visit and resolved by a review
    case("saddle numbness at session 2, no review", C(SADDLE_AT_8), "no_change", EMERGENCY),
    case(
        "saddle numbness reviewed the same day (letter seen, may resume): resolved",
        C(SADDLE_AT_8, reviews=[R(8, "RF-CES-SADDLE")]),
        "no_change",
        NONE,
    ),
    case(
        "saddle numbness reviewed the day before it was raised: not resolved",
        C(SADDLE_AT_8, reviews=[R(7, "RF-CES-SADDLE")]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "saddle numbness reviewed, outcome not_advised: not resolved",
        C(SADDLE_AT_8, reviews=[R(9, "RF-CES-SADDLE", outcome="not_advised")]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "saddle numbness (emergency) reviewed by client report: not resolved",
        C(SADDLE_AT_8, reviews=[R(9, "RF-CES-SADDLE", source="client_report")]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "saddle numbness, clinician contacted, with restrictions: resolved",
        C(
            SADDLE_AT_8,
            reviews=[
                R(9, "RF-CES-SADDLE", source="clinician_contacted", outcome="with_restrictions")
            ],
        ),
        "no_change",
        NONE,
    ),
    case(
        "fever (urgent) at a visit reviewed by client report: resolved",
        C([S(1, 1), S(2, 8, **FEVER_FLAG)], reviews=[R(9, "RF-FEVER", source="client_report")]),
        "no_change",
        NONE,
    ),
    case(
        "the latest review decides: may_resume then not_advised a day later",
        C(
            SADDLE_AT_8,
            reviews=[R(9, "RF-CES-SADDLE"), R(10, "RF-CES-SADDLE", outcome="not_advised")],
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "two reviews on one date: the later in the list (not_advised) wins",
        C(
            SADDLE_AT_8,
            reviews=[R(9, "RF-CES-SADDLE"), R(9, "RF-CES-SADDLE", outcome="not_advised")],
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "two reviews on one date: the later in the list (may_resume) wins",
        C(
            SADDLE_AT_8,
            reviews=[R(9, "RF-CES-SADDLE", outcome="not_advised"), R(9, "RF-CES-SADDLE")],
        ),
        "no_change",
        NONE,
    ),
    case(
        "latest by date, not by list position: not_advised on day 10 listed first",
        C(
            SADDLE_AT_8,
            reviews=[R(10, "RF-CES-SADDLE", outcome="not_advised"), R(9, "RF-CES-SADDLE")],
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "raised on day 1 and again on day 15, reviewed on day 10: not resolved",
        C([S(1, 1, **SADDLE), S(2, 8)], [F(15, **SADDLE)], [R(10, "RF-CES-SADDLE")]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "raised on day 1 and day 15, reviewed on day 15: resolved",
        C([S(1, 1, **SADDLE), S(2, 8)], [F(15, **SADDLE)], [R(15, "RF-CES-SADDLE")]),
        "no_change",
        NONE,
    ),
    case(
        "a review listing a rule never raised is harmless",
        C([S(1, 1)], reviews=[R(1, "RF-AAA", "AL-FEVER")]),
        "no_change",
        NONE,
    ),
    case(
        "a sign set false at a visit raises nothing",
        C([S(1, 1, new_red_flags={"saddle_numbness": False})]),
        "no_change",
        NONE,
    ),
    # fever: RF-FEVER and AL-FEVER
    case(
        "fever side effect raises RF-FEVER (AL-NEW-RED-FLAG) and AL-FEVER",
        C([S(1, 1, side_effects=["fever"])]),
        "no_change",
        {"AL-NEW-RED-FLAG": "see_doctor", "AL-FEVER": "see_doctor"},
    ),
    case(
        "a review listing RF-FEVER does not resolve AL-FEVER",
        C([S(1, 1, side_effects=["fever"])], reviews=[R(2, "RF-FEVER")]),
        "no_change",
        {"AL-FEVER": "see_doctor"},
    ),
    case(
        "a review listing AL-FEVER does not resolve RF-FEVER",
        C([S(1, 1, side_effects=["fever"])], reviews=[R(2, "AL-FEVER")]),
        "no_change",
        SEE_DOCTOR,
    ),
    case(
        "a review listing both resolves both (AL-FEVER by client report too)",
        C([S(1, 1, side_effects=["fever"])], reviews=[R(2, "RF-FEVER", "AL-FEVER")]),
        "no_change",
        NONE,
    ),
    case(
        "AL-FEVER resolved by a client report (no urgency)",
        C(
            [S(1, 1, side_effects=["fever"])],
            reviews=[R(2, "RF-FEVER"), R(2, "AL-FEVER", source="client_report")],
        ),
        "no_change",
        NONE,
    ),
    case(
        "fever as a warning sign only: AL-NEW-RED-FLAG, no AL-FEVER",
        C([S(1, 1, **FEVER_FLAG)]),
        "no_change",
        SEE_DOCTOR,
    ),
    case(
        "fever already at intake is not raised again by a check-in's warning sign",
        C([], [F(5, **FEVER_FLAG)], intake_doc=intake(red_flags={"fever": True})),
        "no_change",
        {"AL-UNRESOLVED-REFERRAL": "see_doctor"},
    ),
    case(
        "fever at intake, fever side effect at a check-in: AL-FEVER but no new red flag",
        C([], [F(5, side_effects=["fever"])], intake_doc=intake(red_flags={"fever": True})),
        "no_change",
        {"AL-UNRESOLVED-REFERRAL": "see_doctor", "AL-FEVER": "see_doctor"},
    ),
    case(
        "fever side effect at a check-in with no session raises both",
        C([], [F(3, side_effects=["fever"], side_effect_hours=24)]),
        "no_change",
        {"AL-NEW-RED-FLAG": "see_doctor", "AL-FEVER": "see_doctor"},
    ),
    # the §2 conditions at a visit
    case(
        "bilateral leg symptoms at a visit with (chronic) stenosis: RF-CES-BILATERAL, emergency",
        C([S(1, 1, new_red_flags={"bilateral_leg_symptoms": True})], intake_doc=STENOSIS),
        "no_change",
        EMERGENCY,
    ),
    case(
        "bilateral with stenosis already at intake (cleared): not raised again at a visit",
        C(
            [S(1, 1, new_red_flags={"bilateral_leg_symptoms": True})],
            intake_doc=intake(
                red_flags={"bilateral_leg_symptoms": True},
                conditions=["spinal_stenosis"],
                clearances=[{"rule": "RF-BILATERAL-STENOSIS", "date": "2025-12-20", "by": "Dr"}],
            ),
        ),
        "no_change",
        NONE,
    ),
    case(
        "fever at a visit with IV drug use at intake (cleared): RF-INFECTION, emergency",
        C([S(1, 1, **FEVER_FLAG)], intake_doc=IV_CLEARED),
        "no_change",
        EMERGENCY,
    ),
    case(
        "RF-FEVER and RF-INFECTION reviewed by client report: RF-INFECTION stays (emergency)",
        C(
            [S(1, 1, **FEVER_FLAG)],
            reviews=[R(2, "RF-FEVER", "RF-INFECTION", source="client_report")],
            intake_doc=IV_CLEARED,
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "RF-FEVER and RF-INFECTION reviewed from a letter: resolved",
        C(
            [S(1, 1, **FEVER_FLAG)],
            reviews=[R(2, "RF-FEVER", "RF-INFECTION")],
            intake_doc=IV_CLEARED,
        ),
        "no_change",
        NONE,
    ),
    case(
        "fever at intake, immunosuppression at a check-in: RF-INFECTION raised (emergency)",
        C(
            [],
            [F(3, new_red_flags={"immunosuppression": True})],
            intake_doc=intake(red_flags={"fever": True}),
        ),
        "no_change",
        {"AL-NEW-RED-FLAG": "emergency", "AL-UNRESOLVED-REFERRAL": "see_doctor"},
    ),
    case(
        "flags of different visits are not combined (fever, then IV drug use): no RF-INFECTION",
        C(
            [S(1, 1, **FEVER_FLAG), S(2, 8, new_red_flags={"iv_drug_use": True})],
            reviews=[R(9, "RF-FEVER", "RF-INFECTION-RISK")],
        ),
        "no_change",
        NONE,
    ),
    case(
        "a clearance never resolves what a visit raised (weight loss)",
        C(
            [S(1, 1, new_red_flags={"unexplained_weight_loss": True})],
            intake_doc=intake(
                clearances=[{"rule": "RF-WEIGHT-LOSS", "date": "2026-01-05", "by": "Dr B"}]
            ),
        ),
        "no_change",
        SEE_DOCTOR,
    ),
    case(
        "trauma at a visit (chronic pain): the acute RF-FRACTURE-TRAUMA, not resolved by -PAST",
        C(
            [S(1, 1, new_red_flags={"significant_trauma": True})],
            reviews=[R(2, "RF-FRACTURE-TRAUMA-PAST")],
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "trauma already at intake (chronic: -PAST) is not raised again as RF-FRACTURE-TRAUMA",
        C(
            [S(1, 1, new_red_flags={"significant_trauma": True})],
            intake_doc=intake(red_flags={"significant_trauma": True}),
        ),
        "no_change",
        {
            "AL-UNRESOLVED-REFERRAL": "see_doctor",
            "AL-PRESSURE-EXCEEDED": "adjust",
            "AL-TECHNIQUE-AVOIDED": "adjust",
        },
    ),
    case(
        "cancer history at a visit: RF-CANCER-HISTORY (urgent)",
        C([S(1, 1, new_red_flags={"history_of_cancer": True})]),
        "no_change",
        SEE_DOCTOR,
    ),
    case(
        "cancer history at a visit, reviewed by client report: resolved (urgent)",
        C(
            [S(1, 1, new_red_flags={"history_of_cancer": True})],
            reviews=[R(1, "RF-CANCER-HISTORY", source="client_report")],
        ),
        "no_change",
        NONE,
    ),
    case(
        "cancer history at a visit with below-knee pain: RF-MSCC stays after the other's review",
        C(
            [S(1, 1, new_red_flags={"history_of_cancer": True})],
            reviews=[R(2, "RF-CANCER-HISTORY")],
            intake_doc=intake(pain={"radiation": "below_knee"}),
        ),
        "no_change",
        EMERGENCY,
    ),
    case(
        "saddle and fever at one visit: one AL-NEW-RED-FLAG, emergency",
        C([S(1, 1, new_red_flags={"saddle_numbness": True, "fever": True})]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "saddle resolved, fever not: AL-NEW-RED-FLAG becomes see_doctor",
        C(
            [S(1, 1, new_red_flags={"saddle_numbness": True, "fever": True})],
            reviews=[R(2, "RF-CES-SADDLE")],
        ),
        "no_change",
        SEE_DOCTOR,
    ),
    case(
        "a red flag at a check-in dated before the first session",
        C([S(1, 1)], [F("2025-12-28", **SADDLE)]),
        "no_change",
        EMERGENCY,
    ),
    case(
        "... reviewed on that date: resolved",
        C([S(1, 1)], [F("2025-12-28", **SADDLE)], [R("2025-12-28", "RF-CES-SADDLE")]),
        "no_change",
        NONE,
    ),
    # AL-NEURO-SYMPTOMS
    case(
        "numbness at a check-in, no session",
        C([], [F(3, side_effects=["numbness"])]),
        "no_change",
        {"AL-NEURO-SYMPTOMS": "see_doctor"},
    ),
    case(
        "numbness after session 1 stays raised after a quiet session 2",
        C([S(1, 1, side_effects=["numbness"]), S(2, 8)]),
        "no_change",
        {"AL-NEURO-SYMPTOMS": "see_doctor"},
    ),
    case(
        "numbness reviewed by client report: resolved (no urgency)",
        C(
            [S(1, 1, side_effects=["numbness"]), S(2, 8)],
            reviews=[R(2, "AL-NEURO-SYMPTOMS", source="client_report")],
        ),
        "no_change",
        NONE,
    ),
    case(
        "weakness again after the review: raised again",
        C(
            [S(1, 1, side_effects=["weakness"]), S(2, 8, side_effects=["weakness"])],
            reviews=[R(2, "AL-NEURO-SYMPTOMS")],
        ),
        "no_change",
        {"AL-NEURO-SYMPTOMS": "see_doctor"},
    ),
    case(
        "numbness review not_advised: not resolved",
        C(
            [S(1, 1, side_effects=["numbness"])],
            reviews=[R(2, "AL-NEURO-SYMPTOMS", outcome="not_advised")],
        ),
        "no_change",
        {"AL-NEURO-SYMPTOMS": "see_doctor"},
    ),
    # side effects since the latest session
    case(
        "dizziness of an earlier session on the same date is left out",
        C([S(1, 8, side_effects=["dizziness"]), S(2, 8)]),
        "no_change",
        NONE,
    ),
    case(
        "dizziness at a check-in on the latest session's date counts",
        C([S(1, 8)], [F(8, side_effects=["dizziness"])]),
        "no_change",
        {"AL-DIZZINESS": "adjust"},
    ),
    case(
        "skin reaction at a check-in dated before the latest session is left out",
        C([S(1, 1), S(2, 8)], [F(3, side_effects=["skin_reaction"])]),
        "no_change",
        NONE,
    ),
    case(
        "a quiet check-in hides nothing: skin reaction after the session stays",
        C([S(1, 1, side_effects=["skin_reaction"])], [F(2)]),
        "no_change",
        {"AL-SKIN-REACTION": "adjust"},
    ),
    case(
        "no session: every check-in's side effects count (bruising, anticoagulant)",
        C([], [F(1, side_effects=["bruising"]), F(5)], intake_doc=ANTICOAGULANT),
        "no_change",
        {"AL-BRUISING-BLEEDING-RISK": "see_doctor"},
    ),
    case(
        "bruising at a check-in after the session, no bleeding risk",
        C([S(1, 1)], [F(2, side_effects=["bruising"])]),
        "no_change",
        {"AL-BRUISING": "adjust"},
    ),
    case(
        "prolonged soreness is per visit: soreness 12 h, a check-in's 72 h without side effects",
        C([S(1, 1, side_effects=["soreness"], side_effect_hours=12)], [F(2, side_effect_hours=72)]),
        "no_change",
        NONE,
    ),
    case(
        "increased pain for 48.5 h reported at a check-in",
        C([S(1, 1)], [F(3, side_effects=["increased_pain"], side_effect_hours=48.5)]),
        "no_change",
        {"AL-PROLONGED-SORENESS": "adjust"},
    ),
    case(
        "soreness for exactly 48 h is not prolonged",
        C([S(1, 1, side_effects=["soreness"], side_effect_hours=48)]),
        "no_change",
        NONE,
    ),
    case(
        "prolonged soreness of an earlier session is left out",
        C([S(1, 1, side_effects=["soreness"], side_effect_hours=72), S(2, 8)]),
        "no_change",
        NONE,
    ),
    case(
        "prolonged soreness at a check-in dated before the latest session is left out",
        C([S(1, 1), S(2, 8)], [F(5, side_effects=["soreness"], side_effect_hours=72)]),
        "no_change",
        NONE,
    ),
    # PEG, status and latest values
    case(
        "PEG up by 1 point is worsening",
        C([S(1, 1)], [F(2, peg=6)], peg=5),
        "worsening",
        {"AL-WORSENING": "see_doctor"},
    ),
    case(
        "PEG 3.3 to 4.3 is +1.0 exactly (decimal, not 0.9999... in binary): worsening",
        C([S(1, 1)], [F(2, peg=4.3)], peg=3.3),
        "worsening",
        {"AL-WORSENING": "see_doctor"},
    ),
    case(
        "PEG up by 0.9 is not worsening",
        C([S(1, 1)], [F(2, peg=5.9)], peg=5),
        "no_change",
        NONE,
    ),
    case(
        "PEG 9 to 10 (+11%) is worsening: points alone",
        C([S(1, 1)], [F(2, peg=10)], peg=9),
        "worsening",
        {"AL-WORSENING": "see_doctor"},
    ),
    case(
        "PEG 5 to 3.5 (−1.5, −30.0%) is meaningful",
        C([S(1, 1)], [F(2, peg=3.5)], peg=5),
        "meaningful_improvement",
        NONE,
    ),
    case(
        "RMDQ up by 5 is worsening",
        C([S(1, 1)], [F(2, rmdq=15)], rmdq=10),
        "worsening",
        {"AL-WORSENING": "see_doctor"},
    ),
    case(
        "a later null RMDQ does not hide the latest value",
        C([S(1, 1)], [F(5, rmdq=8), F(9, rmdq=None)], rmdq=14),
        "meaningful_improvement",
        NONE,
    ),
    case(
        "a check-in beats a session on the same date",
        C([S(1, 1), S(2, 8)], [F(8, pain=3)]),
        "meaningful_improvement",
        NONE,
        3,
    ),
    case(
        "a session on a later date beats the check-in",
        C([S(1, 1), S(2, 9)], [F(8, pain=3)]),
        "no_change",
        NONE,
        6,
    ),
    case(
        "same-date check-ins: the later in the list wins (6)",
        C([S(1, 1)], [F(5, pain=3), F(5, pain=6)]),
        "no_change",
        NONE,
        6,
    ),
    case(
        "same-date check-ins: the later in the list wins (3)",
        C([S(1, 1)], [F(5, pain=6), F(5, pain=3)]),
        "meaningful_improvement",
        NONE,
        3,
    ),
    case(
        "a check-in listed later but dated earlier loses",
        C([S(1, 1)], [F(9, pain=3), F(5, pain=6)]),
        "meaningful_improvement",
        NONE,
        3,
    ),
    case(
        "same-date sessions: the later in the list wins",
        C([S(1, 8, pain_before=3), S(2, 8, pain_before=5)]),
        "improving",
        NONE,
        5,
    ),
    case(
        "pain up by 2 is worsening",
        C([S(1, 1, pain_before=8)]),
        "worsening",
        {"AL-WORSENING": "see_doctor"},
        8,
    ),
    # latest session against the assessment; plateau
    case(
        "firm pressure only in an earlier session (light cap): no alert",
        C([S(1, 1, pressure="firm"), S(2, 8, pressure="light")], intake_doc=ANTICOAGULANT),
        "no_change",
        NONE,
    ),
    case(
        "firm deep tissue in the latest session (light cap): pressure and technique",
        C(
            [S(1, 1, pressure="light"), S(2, 8, pressure="firm", techniques=["deep_tissue"])],
            intake_doc=ANTICOAGULANT,
        ),
        "no_change",
        {"AL-PRESSURE-EXCEEDED": "adjust", "AL-TECHNIQUE-AVOIDED": "adjust"},
    ),
    case(
        "five sessions, pain 6 to 5: plateau",
        C([S(n, n, pain_before=5) for n in range(1, 6)]),
        "improving",
        {"AL-PLATEAU": "reassess"},
    ),
    case(
        "five sessions and a red flag at the last: emergency over reassess",
        C([*[S(n, n) for n in range(1, 5)], S(5, 5, **SADDLE)]),
        "no_change",
        {"AL-PLATEAU": "reassess", "AL-NEW-RED-FLAG": "emergency"},
    ),
]

STEP = {"continue": 0, "adjust": 1, "reassess": 2, "see_doctor": 3, "emergency": 4}
ORDER = (
    "AL-NEW-RED-FLAG",
    "AL-UNRESOLVED-REFERRAL",
    "AL-NEURO-SYMPTOMS",
    "AL-FEVER",
    "AL-BRUISING-BLEEDING-RISK",
    "AL-BRUISING",
    "AL-PROLONGED-SORENESS",
    "AL-DIZZINESS",
    "AL-SKIN-REACTION",
    "AL-PRESSURE-EXCEEDED",
    "AL-TECHNIQUE-AVOIDED",
    "AL-WORSENING",
    "AL-PLATEAU",
)


def check(
    got: dict[str, Any], status: str, alerts: dict[str, str], pain_latest: int | None
) -> None:
    next_step = max(alerts.values(), key=STEP.__getitem__, default="continue")
    assert got["status"] == status
    assert sorted((a["rule"], a["next_step"]) for a in got["alerts"]) == sorted(alerts.items())
    assert got["next_step"] == next_step
    assert list(got["trace"]) == [rule for rule in ORDER if rule in alerts]
    if pain_latest is not None:
        assert got["pain"]["latest"] == pain_latest


@pytest.mark.parametrize(("doc", "status", "alerts", "pain_latest"), CASES)
def test_oracle_on_hand_made_case(
    doc: dict[str, Any], status: str, alerts: dict[str, str], pain_latest: int | None
) -> None:
    check(oracle_progress(copy.deepcopy(doc)), status, alerts, pain_latest)


@pytest.mark.parametrize(("doc", "status", "alerts", "pain_latest"), CASES)
def test_core_on_hand_made_case(
    doc: dict[str, Any], status: str, alerts: dict[str, str], pain_latest: int | None
) -> None:
    check(core(doc), status, alerts, pain_latest)


# --- 3. the core against the oracle on random v1.1 courses --------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v11_courses())
def test_core_agrees_with_the_oracle_on_random_courses(doc: dict[str, Any]) -> None:
    expected = oracle_progress(copy.deepcopy(doc))
    got = core(doc)
    assert comparable(got) == comparable(expected)
    # AL-NEW-RED-FLAG "names every such rule, in table order, with the date of the latest visit
    # that raised it": the ids (in some text of the finding) and their dates.
    for alert in got["alerts"]:
        if alert["rule"] == "AL-NEW-RED-FLAG":
            named = rules_named_in(alert)
            assert named == list(expected["_unresolved_raised"])
            text = json.dumps(alert)
            for date in expected["_unresolved_raised"].values():
                assert date in text


def rules_named_in(alert: dict[str, Any]) -> list[str]:
    """The §2 rule ids named in any text of a finding, in order, each once."""
    out: list[str] = []
    for value in alert.values():
        if isinstance(value, str):
            for rule in re.findall(r"RF-[A-Z0-9]+(?:-[A-Z0-9]+)*", value):
                if rule not in out:
                    out.append(rule)
    return out


# --- 4. invalid v1.1 fields are refused, each at its path ---------------------------------------


def valid_course() -> dict[str, Any]:
    return C(
        [S(1, 1)],
        [F(2, side_effects=["soreness"], side_effect_hours=12, new_red_flags={"fever": False})],
        [R(3, "RF-CES-SADDLE", "AL-FEVER") | {"note": "all fine"}],
    )


def test_a_full_v1_1_course_is_accepted() -> None:
    doc = valid_course()
    doc["followups"].append(F("2025-12-01", side_effect_hours=30))  # before the first session,
    doc["reviews"].append(R(1, "RF-AAA", source="client_report", outcome="not_advised"))
    doc["reviews"].append(R(1, "RF-AAA"))  # one id in several reviews
    parse_course(doc)


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[leaf]
    elif isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        ("reviews.0.rules", ["RF-CES-SADDLE", "RF-NOPE"], "reviews[0].rules[1]"),
        ("reviews.0.rules", ["AL-PLATEAU"], "reviews[0].rules[0]"),
        ("reviews.0.rules", ["RF-AAA-KNOWN"], "reviews[0].rules[0]"),  # reads no red flag
        ("reviews.0.rules", ["RF-UNDER-16"], "reviews[0].rules[0]"),
        ("reviews.0.rules", ["AL-NEW-RED-FLAG"], "reviews[0].rules[0]"),
        ("reviews.0.rules", [], "reviews[0].rules"),
        ("reviews.0.rules", "RF-FEVER", "reviews[0].rules"),
        ("reviews.0.rules", ["RF-FEVER", "AL-FEVER", "RF-FEVER"], "reviews[0].rules[2]"),
        ("reviews.0.source", "phone", "reviews[0].source"),
        ("reviews.0.source", _DELETE, "reviews[0].source"),
        ("reviews.0.outcome", "fine", "reviews[0].outcome"),
        ("reviews.0.outcome", _DELETE, "reviews[0].outcome"),
        ("reviews.0.by", _DELETE, "reviews[0].by"),
        ("reviews.0.by", "", "reviews[0].by"),
        ("reviews.0.by", "x" * 201, "reviews[0].by"),
        ("reviews.0.role", _DELETE, "reviews[0].role"),
        ("reviews.0.role", "x" * 101, "reviews[0].role"),
        ("reviews.0.date", "2026-02-30", "reviews[0].date"),
        ("reviews.0.date", _DELETE, "reviews[0].date"),
        ("reviews.0.note", "x" * 2001, "reviews[0].note"),
        ("reviews.0.note", None, "reviews[0].note"),
        ("reviews.0.signed", True, "reviews[0].signed"),
        ("reviews", {"rules": ["RF-FEVER"]}, "reviews"),
        (
            "followups.0.new_red_flags",
            {"sadle_numbness": True},
            "followups[0].new_red_flags.sadle_numbness",
        ),
        ("followups.0.new_red_flags", {"fever": 1}, "followups[0].new_red_flags.fever"),
        ("followups.0.new_red_flags", {"fever": None}, "followups[0].new_red_flags.fever"),
        ("followups.0.new_red_flags", [], "followups[0].new_red_flags"),
        ("followups.0.side_effects", ["itching"], "followups[0].side_effects[0]"),
        ("followups.0.side_effects", ["fever", "fever"], "followups[0].side_effects[1]"),
        ("followups.0.side_effects", "fever", "followups[0].side_effects"),
        ("followups.0.side_effect_hours", -1, "followups[0].side_effect_hours"),
        ("followups.0.side_effect_hours", "12", "followups[0].side_effect_hours"),
        ("followups.0.side_effect_hours", True, "followups[0].side_effect_hours"),
        ("sessions.0.new_red_flags", {"feverr": True}, "sessions[0].new_red_flags.feverr"),
    ],
)
def test_invalid_v1_1_fields_are_refused_at_their_path(where: str, value: Any, path: str) -> None:
    doc = valid_course()
    _set(doc, where, value)
    with pytest.raises(InvalidInput) as caught:
        parse_course(doc)
    paths = {p.path for p in caught.value.problems}
    assert path in paths, paths
