"""An independent oracle for clinical-rules-v1.1 §6 (progress over a course).

Written from the text of `clinical-rules-v1.md` §1, §2 and §6 (v1.1) and `contracts-v1.md` §3-§4
alone, not from `backcare.core.progress` or `alerts.toml`: a plain reading, kept plain on purpose
so that a clinician can check it line by line against the spec.

It takes a *valid* `backcare.course/1` document as raw JSON (a dict) and answers the
`backcare.progress/1` fields that tests compare: `sessions_done`, the four change objects,
`status`, `next_step`, `alerts` (as `{"rule", "next_step"}`) and `trace`.

The only part of the core it uses is the intake assessment (`assess`), for what §6 reads from the
intake's own assessment: its disposition and referral urgency (AL-UNRESOLVED-REFERRAL), its
`max_pressure` (AL-PRESSURE-EXCEEDED) and its technique verdicts (AL-TECHNIQUE-AVOIDED). The
18 §2 rules that read a `red_flags` field are written out here again from the §2 table, for the
"raised at a visit" evaluation; `tests/core/test_progress_oracle.py` checks that this copy agrees
with the core's assessment trace on random intakes.

Readings of the spec where the text leaves room (each repeated where it is used):
- R1 "Latest value" ordering: the key is (date, follow-up over session, position in its own list).
  Two sessions on one date: the later in `sessions` wins; two follow-ups on one date: the later in
  `followups` wins; a session and a follow-up on one date: the follow-up wins.
- R2 "Resolved": only the single latest review listing the id is looked at (latest by date, then
  by position in `reviews`). If that review fails a condition (too early, `not_advised`,
  `client_report` for an emergency rule), the id is unresolved even when an earlier review would
  have resolved it.
- R3 "dated on or after every date at which it was raised": compared with the latest date of all
  the visits that raised it (sessions and follow-ups alike, follow-ups dated before the first
  session included).
- R4 AL-PRESSURE-EXCEEDED "any massage was given while max_pressure is null": read, like the rest
  of that row, on the latest session only (the table says the two rules "read the latest
  session"); with no session it cannot fire.
- R5 AL-NEURO-SYMPTOMS / AL-FEVER count only `side_effects` (the spec says so explicitly); a
  `new_red_flags.fever` raises RF-FEVER (and maybe RF-INFECTION) but not AL-FEVER. A `fever` side
  effect does both: AL-FEVER, and counts as `new_red_flags.fever` of that visit.
- R6 "raised at a visit" forces the category to `acute` in both evaluations (a) and (b); the
  other intake fields are read as recorded; clearances are ignored (they cannot resolve a raised
  rule anyway, and the 18 rules' conditions do not read them).
- R7 "Side effects since the latest session" with no session: the side effects of every
  follow-up. AL-PROLONGED-SORENESS looks at each of those visits on its own (its own side
  effects with its own hours), never a side effect of one visit with the hours of another.
- R8 A change object's `latest` for rmdq/odi/peg is the latest *non-null* follow-up value
  (sessions carry no rmdq/odi/peg), so with no follow-up value the object is null even when a
  baseline is given.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backcare.core.assessment import assess
from backcare.core.validation import parse_intake

# --- vocabulary, copied from contracts-v1.md -------------------------------------------------

RED_FLAG_NAMES = (
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
SIDE_EFFECTS = (
    "soreness",
    "bruising",
    "increased_pain",
    "numbness",
    "weakness",
    "dizziness",
    "skin_reaction",
    "fever",
)
PRESSURE_ORDER = {"light": 0, "medium": 1, "firm": 2}

# --- §2: the 18 rules that read a red_flags field, in table order, with their urgency ----------

RED_FLAG_RULE_URGENCY: dict[str, str] = {
    "RF-CES-SADDLE": "emergency",
    "RF-CES-BLADDER": "emergency",
    "RF-CES-BOWEL": "emergency",
    "RF-CES-BILATERAL": "emergency",
    "RF-NEURO-PROGRESSIVE": "emergency",
    "RF-AAA": "emergency",
    "RF-CHEST-PAIN": "emergency",
    "RF-DVT": "emergency",
    "RF-INFECTION": "emergency",
    "RF-MSCC": "emergency",
    "RF-FRACTURE-TRAUMA": "emergency",
    "RF-FEVER": "urgent",
    "RF-INFECTION-RISK": "urgent",
    "RF-CANCER-HISTORY": "urgent",
    "RF-WEIGHT-LOSS": "urgent",
    "RF-FRACTURE-TRAUMA-PAST": "urgent",
    "RF-CANCER-HISTORY-ROUTINE": "routine",
    "RF-BILATERAL-STENOSIS": "routine",
}
RED_FLAG_RULES = tuple(RED_FLAG_RULE_URGENCY)
REVIEWABLE_IDS = (*RED_FLAG_RULES, "AL-NEURO-SYMPTOMS", "AL-FEVER")

# --- §6 alerts table, in table order ------------------------------------------------------------

ALERT_ORDER = (
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
STEP_SEVERITY = {"continue": 0, "adjust": 1, "reassess": 2, "see_doctor": 3, "emergency": 4}

# Meaningful improvement thresholds (points, percent) and worsening thresholds (points).
IMPROVEMENT = {
    "pain": (Decimal(-2), Decimal(-30)),
    "rmdq": (Decimal(-5), Decimal(-30)),
    "odi": (Decimal(-10), Decimal(-30)),
    "peg": (Decimal(-1), Decimal(-30)),
}
WORSENING = {"pain": Decimal(2), "rmdq": Decimal(5), "odi": Decimal(10), "peg": Decimal(1)}


# --- §1 -----------------------------------------------------------------------------------------


def pain_category(duration_weeks: float) -> str:
    if duration_weeks < 6:
        return "acute"
    if duration_weeks <= 12:
        return "subacute"
    return "chronic"


def red_flag_rules_firing(
    intake: dict[str, Any], flags: dict[str, bool], category: str
) -> set[str]:
    """Which of the 18 red-flag-reading §2 rules fire on `intake`, with `flags` as its red_flags
    and `category` as its pain category (everything else as recorded)."""
    f = {name: bool(flags.get(name, False)) for name in RED_FLAG_NAMES}
    pain = intake["pain"]
    conditions = set(intake.get("conditions", []))
    medications = set(intake.get("medications", []))
    regions = set(pain["regions"])
    radiation = pain.get("radiation", "none")
    night_pain = bool(pain.get("night_pain_unrelieved", False))
    intensity = pain["intensity"]
    acute = category == "acute"
    stenosis = "spinal_stenosis" in conditions
    disc_or_stenosis = stenosis or "herniated_disc" in conditions

    cancer_features = (
        bool(regions & {"thoracic", "cervical"})
        or night_pain
        or intensity >= 7
        or radiation == "below_knee"
        or acute
    )
    infection_risk = (
        f["iv_drug_use"]
        or f["immunosuppression"]
        or f["recent_infection"]
        or "long_term_corticosteroid" in medications
        or "active_cancer_treatment" in conditions
        or "diabetic_neuropathy" in conditions
    )
    fires = {
        "RF-CES-SADDLE": f["saddle_numbness"],
        "RF-CES-BLADDER": f["new_bladder_dysfunction"],
        "RF-CES-BOWEL": f["new_bowel_incontinence"],
        "RF-CES-BILATERAL": f["bilateral_leg_symptoms"] and not (stenosis and not acute),
        "RF-NEURO-PROGRESSIVE": f["progressive_leg_weakness"],
        "RF-AAA": f["pulsating_abdominal_mass"],
        "RF-CHEST-PAIN": f["chest_pain"],
        "RF-DVT": f["calf_pain_swelling"],
        "RF-INFECTION": f["fever"] and infection_risk,
        "RF-MSCC": f["history_of_cancer"] and radiation == "below_knee" and not disc_or_stenosis,
        "RF-FRACTURE-TRAUMA": f["significant_trauma"] and acute,
        "RF-FEVER": f["fever"],
        "RF-INFECTION-RISK": f["iv_drug_use"] or f["immunosuppression"],
        "RF-CANCER-HISTORY": f["history_of_cancer"] and cancer_features,
        "RF-WEIGHT-LOSS": f["unexplained_weight_loss"],
        "RF-FRACTURE-TRAUMA-PAST": f["significant_trauma"] and not acute,
        "RF-CANCER-HISTORY-ROUTINE": f["history_of_cancer"] and not cancer_features,
        "RF-BILATERAL-STENOSIS": f["bilateral_leg_symptoms"] and stenosis and not acute,
    }
    return {rule for rule, fired in fires.items() if fired}


# --- §6 pieces ----------------------------------------------------------------------------------


def _dec(value: float | int) -> Decimal:
    """A JSON number as written (str of a Python float is its shortest round-trip form)."""
    return Decimal(str(value))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def change_object(measure: str, baseline: float | int, latest: float | int) -> dict[str, Any]:
    b, last = _dec(baseline), _dec(latest)
    points = last - b
    percent = None
    if b != 0:
        percent = (Decimal(100) * points / b).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    need_points, need_percent = IMPROVEMENT[measure]
    meaningful = percent is not None and points <= need_points and percent <= need_percent
    return {
        "baseline": baseline,
        "latest": latest,
        "change_points": _number(points),
        "change_percent": None if percent is None else float(percent),
        "meaningful": meaningful,
        "_points": points,  # the exact Decimal, for status; removed from the answer
    }


def visits(course: dict[str, Any]) -> list[dict[str, Any]]:
    """Sessions then follow-ups (order only matters for nothing below but readability)."""
    out = [dict(s, _kind="session") for s in course.get("sessions", [])]
    out += [dict(f, _kind="followup") for f in course.get("followups", [])]
    return out


def visit_flags(visit: dict[str, Any]) -> dict[str, bool]:
    """A visit's own warning signs; a `fever` side effect counts as `new_red_flags.fever`."""
    flags = {name: bool(v) for name, v in visit.get("new_red_flags", {}).items()}
    if "fever" in visit.get("side_effects", []):
        flags["fever"] = True
    return flags


def raised_at(intake: dict[str, Any], visit: dict[str, Any]) -> set[str]:
    """§6 "Raised at a visit": (a) intake flags OR the visit's flags vs (b) intake flags alone,
    category taken as acute in both (R6)."""
    own = intake.get("red_flags", {})
    combined = {
        n: bool(own.get(n, False)) or visit_flags(visit).get(n, False) for n in RED_FLAG_NAMES
    }
    with_visit = red_flag_rules_firing(intake, combined, "acute")
    without = red_flag_rules_firing(intake, own, "acute")
    return with_visit - without


def raised_dates(course: dict[str, Any]) -> dict[str, list[str]]:
    """For every id raised at some visit (a §2 rule, AL-NEURO-SYMPTOMS, AL-FEVER), the dates of
    the visits that raised it."""
    intake = course["intake"]
    out: dict[str, list[str]] = {}
    for visit in visits(course):
        ids = set(raised_at(intake, visit))
        effects = set(visit.get("side_effects", []))
        if effects & {"numbness", "weakness"}:
            ids.add("AL-NEURO-SYMPTOMS")
        if "fever" in effects:
            ids.add("AL-FEVER")
        for rule in ids:
            out.setdefault(rule, []).append(visit["date"])
    return out


def resolved(rule: str, dates: list[str], reviews: list[dict[str, Any]]) -> bool:
    """§6 "Resolved by a review" (R2, R3)."""
    listing = [(r["date"], i, r) for i, r in enumerate(reviews) if rule in r["rules"]]
    if not listing:
        return False
    _, _, latest = max(listing, key=lambda t: (t[0], t[1]))
    if latest["date"] < max(dates):
        return False
    if latest["outcome"] == "not_advised":
        return False
    return not (
        RED_FLAG_RULE_URGENCY.get(rule) == "emergency" and latest["source"] == "client_report"
    )


def latest_values(course: dict[str, Any]) -> dict[str, Any]:
    """§6 "Latest value" (R1, R8). None where there is none."""
    sessions = course.get("sessions", [])
    followups = course.get("followups", [])
    pain_candidates = [((s["date"], 0, i), s["pain_before"]) for i, s in enumerate(sessions)]
    pain_candidates += [((f["date"], 1, i), f["pain"]) for i, f in enumerate(followups)]
    out: dict[str, Any] = {
        "pain": max(pain_candidates, key=lambda t: t[0])[1]
        if pain_candidates
        else course["baseline"]["pain"]
    }
    for measure in ("rmdq", "odi", "peg"):
        cands = [
            ((f["date"], i), f[measure])
            for i, f in enumerate(followups)
            if f.get(measure) is not None
        ]
        out[measure] = max(cands, key=lambda t: t[0])[1] if cands else None
    return out


def status_of(changes: dict[str, dict[str, Any] | None]) -> str:
    for measure, threshold in WORSENING.items():
        c = changes[measure]
        if c is not None and c["_points"] >= threshold:
            return "worsening"
    if any(c is not None and c["meaningful"] for c in changes.values()):
        return "meaningful_improvement"
    if changes["pain"] is not None and changes["pain"]["_points"] < 0:
        return "improving"
    return "no_change"


def since_latest_session(course: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits whose side effects count as "since the latest session" (R7)."""
    sessions = course.get("sessions", [])
    followups = course.get("followups", [])
    if not sessions:
        return list(followups)
    latest = sessions[-1]
    return [latest, *[f for f in followups if f["date"] >= latest["date"]]]


def bleeding_risk(intake: dict[str, Any]) -> bool:
    """PR-BLEEDING (§4)."""
    meds = set(intake.get("medications", []))
    return bool(meds & {"anticoagulant", "antiplatelet"}) or "bleeding_disorder" in set(
        intake.get("conditions", [])
    )


# --- the whole of §6 ----------------------------------------------------------------------------


def oracle_progress(course: dict[str, Any]) -> dict[str, Any]:
    intake = course["intake"]
    sessions = course.get("sessions", [])
    reviews = course.get("reviews", [])
    assessment = assess(parse_intake(intake))

    # Change objects and status.
    latest = latest_values(course)
    changes: dict[str, dict[str, Any] | None] = {}
    for measure in ("pain", "rmdq", "odi", "peg"):
        base = course["baseline"].get(measure)
        if base is None or latest[measure] is None:
            changes[measure] = None
        else:
            changes[measure] = change_object(measure, base, latest[measure])
    status = status_of(changes)

    fired: dict[str, str] = {}  # alert id -> next step

    # AL-NEW-RED-FLAG, AL-NEURO-SYMPTOMS, AL-FEVER: raised at a visit and not resolved.
    raised = raised_dates(course)
    unresolved = {rule for rule, dates in raised.items() if not resolved(rule, dates, reviews)}
    unresolved_rules = [r for r in RED_FLAG_RULES if r in unresolved]
    if unresolved_rules:
        emergency = any(RED_FLAG_RULE_URGENCY[r] == "emergency" for r in unresolved_rules)
        fired["AL-NEW-RED-FLAG"] = "emergency" if emergency else "see_doctor"

    # AL-UNRESOLVED-REFERRAL: the intake's own assessment, with or without sessions.
    if assessment.disposition in ("emergency", "urgent_referral", "clearance_first"):
        urgency = assessment.referral.urgency if assessment.referral is not None else None
        fired["AL-UNRESOLVED-REFERRAL"] = "emergency" if urgency == "emergency" else "see_doctor"

    if "AL-NEURO-SYMPTOMS" in unresolved:
        fired["AL-NEURO-SYMPTOMS"] = "see_doctor"
    if "AL-FEVER" in unresolved:
        fired["AL-FEVER"] = "see_doctor"

    # Side effects since the latest session.
    recent = since_latest_session(course)
    effects: set[str] = set()
    for visit in recent:
        effects |= set(visit.get("side_effects", []))
    if "bruising" in effects:
        if bleeding_risk(intake):
            fired["AL-BRUISING-BLEEDING-RISK"] = "see_doctor"
        else:
            fired["AL-BRUISING"] = "adjust"
    for visit in recent:
        own = set(visit.get("side_effects", []))
        hours = visit.get("side_effect_hours")
        if own & {"soreness", "increased_pain"} and hours is not None and hours > 48:
            fired["AL-PROLONGED-SORENESS"] = "adjust"
    if "dizziness" in effects:
        fired["AL-DIZZINESS"] = "adjust"
    if "skin_reaction" in effects:
        fired["AL-SKIN-REACTION"] = "adjust"

    # The latest session against the intake's assessment (R4).
    if sessions:
        last = sessions[-1]
        cap = assessment.max_pressure
        if cap is None or PRESSURE_ORDER[last["pressure"]] > PRESSURE_ORDER[cap]:
            fired["AL-PRESSURE-EXCEEDED"] = "adjust"
        if any(getattr(assessment.techniques, t).verdict == "avoid" for t in last["techniques"]):
            fired["AL-TECHNIQUE-AVOIDED"] = "adjust"

    if status == "worsening":
        fired["AL-WORSENING"] = "see_doctor"
    if len(sessions) >= 5 and status in ("no_change", "improving"):
        fired["AL-PLATEAU"] = "reassess"

    trace = [rule for rule in ALERT_ORDER if rule in fired]
    next_step = max((fired[r] for r in trace), key=STEP_SEVERITY.__getitem__, default="continue")
    for c in changes.values():
        if c is not None:
            del c["_points"]
    return {
        "sessions_done": len(sessions),
        **changes,
        "status": status,
        "next_step": next_step,
        "alerts": [{"rule": rule, "next_step": fired[rule]} for rule in trace],
        "trace": trace,
        # Not part of the contract: what the oracle found raised, for readable failures.
        "_unresolved_raised": {rule: max(raised[rule]) for rule in unresolved_rules},
    }
