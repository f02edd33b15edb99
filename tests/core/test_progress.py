"""Progress over a course (clinical-rules-v1 §6): change scores, status, alerts."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from backcare.core.progress import change, meaningful_line, progress
from backcare.core.validation import parse_course

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 45,
    "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
}


def session(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "date": f"2026-01-{number:02d}",
        "pain_before": 6,
        "pain_after": 5,
        "techniques": ["swedish"],
        "pressure": "medium",
    } | extra


def course(sessions: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    doc = {
        "schema": "backcare.course/1",
        "intake": copy.deepcopy(INTAKE),
        "baseline": {"pain": 6},
        "sessions": sessions or [],
    }
    return doc | extra


def run(doc: dict[str, Any]) -> dict[str, Any]:
    return progress(parse_course(doc)).to_json()


@pytest.mark.parametrize(
    ("measure", "baseline", "latest", "points", "percent", "meaningful"),
    [
        ("pain", 7, 4, "-3", "-42.9", True),
        ("pain", 6, 4, "-2", "-33.3", True),
        ("pain", 10, 8, "-2", "-20.0", False),  # points enough, percent not: both are needed
        ("pain", 3, 2, "-1", "-33.3", False),  # percent enough, points not
        ("pain", 0, 0, "0", None, False),  # baseline 0: no percent, never meaningful
        ("pain", 0, 3, "3", None, False),
        ("rmdq", 14, 9, "-5", "-35.7", True),
        ("rmdq", 20, 15, "-5", "-25.0", False),
        ("odi", 30, 20, "-10", "-33.3", True),
        ("odi", 40, 30, "-10", "-25.0", False),
        ("odi", 80, 75, "-5", "-6.3", False),  # -6.25 rounds half away from zero
        ("odi", 37.5, 25, "-12.5", "-33.3", True),
        ("peg", 3, 2, "-1", "-33.3", True),
        ("peg", 6.1, 4.1, "-2.0", "-32.8", True),  # decimal: no 1.9999999999999996
        ("peg", 5, 4.1, "-0.9", "-18.0", False),
    ],
)
def test_change(
    measure: str,
    baseline: float,
    latest: float,
    points: str,
    percent: str | None,
    meaningful: bool,
) -> None:
    c = change(measure, baseline, latest)
    assert c.change_points == Decimal(points)
    assert c.change_percent == (None if percent is None else Decimal(percent))
    assert c.meaningful is meaningful


@pytest.mark.parametrize(
    ("baseline", "line"),
    [(10, "7.0"), (7, "4.9"), (6, "4"), (2, "0"), (1, None), (0, None), (6.5, "4.5")],
)
def test_meaningful_line(baseline: float, line: str | None) -> None:
    got = meaningful_line("pain", baseline)
    assert got == (None if line is None else Decimal(line))


def test_on_whole_pain_scores_the_line_separates_meaningful_from_not() -> None:
    # The chart's dashed line must agree with the verdict for every whole 0-10 pair.
    for baseline in range(11):
        line = meaningful_line("pain", baseline)
        for latest in range(11):
            verdict = change("pain", baseline, latest).meaningful
            assert verdict == (line is not None and latest <= line), (baseline, latest)


def test_change_json_numbers() -> None:
    c = change("peg", 6.1, 4.1).to_json()
    assert c == {
        "baseline": 6.1,
        "latest": 4.1,
        "change_points": -2,
        "change_percent": -32.8,
        "meaningful": True,
    }


def test_no_sessions_no_followups_latest_is_baseline() -> None:
    got = run(course())
    assert got["pain"] == {
        "baseline": 6,
        "latest": 6,
        "change_points": 0,
        "change_percent": 0.0,
        "meaningful": False,
    }
    assert got["status"] == "no_change" and got["next_step"] == "continue"
    assert got["alerts"] == [] and got["sessions_done"] == 0


def test_latest_pain_uses_pain_before_not_after() -> None:
    got = run(course([session(1, pain_before=6, pain_after=1)]))
    assert got["pain"]["latest"] == 6


def test_on_the_same_date_a_followup_wins_over_a_session() -> None:
    doc = course(
        [session(1, date="2026-01-05", pain_before=5)],
        followups=[{"date": "2026-01-05", "pain": 3}],
    )
    assert run(doc)["pain"]["latest"] == 3


def test_on_the_same_date_a_later_followup_wins() -> None:
    doc = course(followups=[{"date": "2026-01-05", "pain": 3}, {"date": "2026-01-05", "pain": 2}])
    assert run(doc)["pain"]["latest"] == 2


def test_latest_is_by_date_not_list_order() -> None:
    doc = course(
        [session(1, date="2026-01-10", pain_before=5)],
        followups=[{"date": "2026-01-20", "pain": 2}, {"date": "2026-01-03", "pain": 9}],
    )
    assert run(doc)["pain"]["latest"] == 2


def test_disability_measures_use_the_latest_non_null_followup() -> None:
    doc = course(
        baseline={"pain": 6, "rmdq": 12, "odi": 40},
        followups=[
            {"date": "2026-01-05", "pain": 5, "rmdq": 8, "odi": 30},
            {"date": "2026-01-09", "pain": 5, "rmdq": None},
        ],
    )
    got = run(doc)
    assert got["rmdq"]["latest"] == 8 and got["odi"]["latest"] == 30
    assert got["peg"] is None  # no baseline


def test_a_measure_without_a_later_value_has_no_change_object() -> None:
    assert run(course(baseline={"pain": 6, "rmdq": 12}))["rmdq"] is None


@pytest.mark.parametrize(
    ("baseline", "followup", "status"),
    [
        ({"pain": 4}, {"pain": 6}, "worsening"),
        ({"pain": 4}, {"pain": 5}, "no_change"),
        ({"pain": 6, "rmdq": 10}, {"pain": 6, "rmdq": 15}, "worsening"),
        ({"pain": 6, "rmdq": 10}, {"pain": 6, "rmdq": 14}, "no_change"),
        ({"pain": 6, "odi": 30}, {"pain": 6, "odi": 40}, "worsening"),
        # v1.1: PEG worsens at +1 point, whatever the percent.
        ({"pain": 6, "peg": 3}, {"pain": 6, "peg": 9}, "worsening"),
        ({"pain": 6, "peg": 8}, {"pain": 6, "peg": 9}, "worsening"),
        ({"pain": 6, "peg": 3}, {"pain": 6, "peg": 3.9}, "no_change"),
        ({"pain": 6, "peg": 3}, {"pain": 6, "peg": 2}, "meaningful_improvement"),
        ({"pain": 6}, {"pain": 5}, "improving"),
        ({"pain": 6, "rmdq": 10}, {"pain": 2, "rmdq": 15}, "worsening"),  # worsening first
    ],
)
def test_status(baseline: dict[str, Any], followup: dict[str, Any], status: str) -> None:
    doc = course(baseline=baseline, followups=[{"date": "2026-02-01"} | followup])
    got = run(doc)
    assert got["status"] == status
    assert ("AL-WORSENING" in got["trace"]) == (status == "worsening")


def alerts(doc: dict[str, Any]) -> dict[str, str]:
    return {a["rule"]: a["next_step"] for a in run(doc)["alerts"]}


def test_several_new_red_flags_make_one_alert_naming_them_all() -> None:
    flags = {"fever": True, "unexplained_weight_loss": True}
    got = run(course([session(1), session(2, new_red_flags=flags)]))
    (alert,) = [a for a in got["alerts"] if a["rule"] == "AL-NEW-RED-FLAG"]
    assert alert["next_step"] == "see_doctor"
    assert "fever" in alert["text"] and "unexplained weight loss" in alert["text"]
    assert got["next_step"] == "see_doctor"


def test_a_new_emergency_flag_calls_for_emergency() -> None:
    got = alerts(course([session(1, new_red_flags={"saddle_numbness": True})]))
    assert got["AL-NEW-RED-FLAG"] == "emergency"


def test_a_flag_at_an_earlier_visit_stays_raised_until_reviewed() -> None:
    # v1.1: a warning sign does not expire when the next session is recorded.
    doc = course([session(1, new_red_flags={"saddle_numbness": True}), session(2)])
    assert alerts(doc)["AL-NEW-RED-FLAG"] == "emergency"
    review = {"rules": ["RF-CES-SADDLE"], "by": "Dr A", "role": "Emergency physician"}
    review |= {"outcome": "may_resume"}
    doc["reviews"] = [review | {"date": "2026-01-02", "source": "client_report"}]
    assert alerts(doc)["AL-NEW-RED-FLAG"] == "emergency"  # an emergency needs more than hearsay
    doc["reviews"] = [review | {"date": "2026-01-02", "source": "letter_seen"}]
    assert "AL-NEW-RED-FLAG" not in alerts(doc)
    doc["reviews"] = [review | {"date": "2025-12-31", "source": "letter_seen"}]
    assert alerts(doc)["AL-NEW-RED-FLAG"] == "emergency"  # reviewed before it was raised


def test_a_new_flag_is_judged_with_the_intakes_other_answers() -> None:
    # Fever alone is urgent; fever in someone immunosuppressed-by-steroids is an emergency.
    doc = course([session(1, new_red_flags={"fever": True})])
    doc["intake"]["medications"] = ["long_term_corticosteroid"]
    assert alerts(doc)["AL-NEW-RED-FLAG"] == "emergency"


def test_clearances_do_not_apply_to_flags_reported_at_a_visit() -> None:
    doc = course([session(1, new_red_flags={"unexplained_weight_loss": True})])
    doc["intake"]["clearances"] = [{"rule": "RF-WEIGHT-LOSS", "date": "2026-01-01", "by": "Dr A"}]
    assert alerts(doc)["AL-NEW-RED-FLAG"] == "see_doctor"


def test_unresolved_referral() -> None:
    doc = course([session(1)])
    doc["intake"]["red_flags"] = {"chest_pain": True}
    got = alerts(doc)
    assert got["AL-UNRESOLVED-REFERRAL"] == "emergency"
    assert got["AL-PRESSURE-EXCEEDED"] == "adjust"  # any massage while max_pressure is null
    doc["intake"]["red_flags"] = {"unexplained_weight_loss": True}
    assert alerts(doc)["AL-UNRESOLVED-REFERRAL"] == "see_doctor"
    doc["sessions"] = []
    # v1.1: raised before the first session too.
    assert alerts(doc) == {"AL-UNRESOLVED-REFERRAL": "see_doctor"}


@pytest.mark.parametrize(
    ("extra", "intake_changes", "expected"),
    [
        ({"side_effects": ["numbness"]}, {}, {"AL-NEURO-SYMPTOMS": "see_doctor"}),
        ({"side_effects": ["weakness"]}, {}, {"AL-NEURO-SYMPTOMS": "see_doctor"}),
        # v1.1: a fever side effect also counts as the visit's red flag (RF-FEVER).
        (
            {"side_effects": ["fever"]},
            {},
            {"AL-FEVER": "see_doctor", "AL-NEW-RED-FLAG": "see_doctor"},
        ),
        ({"side_effects": ["bruising"]}, {}, {"AL-BRUISING": "adjust"}),
        (
            {"side_effects": ["bruising"], "pressure": "light"},
            {"medications": ["anticoagulant"]},
            {"AL-BRUISING-BLEEDING-RISK": "see_doctor"},
        ),
        ({"side_effects": ["soreness"], "side_effect_hours": 48}, {}, {}),
        (
            {"side_effects": ["soreness"], "side_effect_hours": 48.5},
            {},
            {"AL-PROLONGED-SORENESS": "adjust"},
        ),
        (
            {"side_effects": ["increased_pain"], "side_effect_hours": 72},
            {},
            {"AL-PROLONGED-SORENESS": "adjust"},
        ),
        ({"side_effects": ["soreness"]}, {}, {}),
        ({"side_effects": ["dizziness"]}, {}, {"AL-DIZZINESS": "adjust"}),
        ({"side_effects": ["skin_reaction"]}, {}, {"AL-SKIN-REACTION": "adjust"}),
        ({"pressure": "firm"}, {"pain.intensity": 7}, {"AL-PRESSURE-EXCEEDED": "adjust"}),
        ({"pressure": "light"}, {"pain.intensity": 7}, {}),
        (
            {"techniques": ["swedish", "deep_tissue"], "pressure": "light"},
            {"medications": ["anticoagulant"]},
            {"AL-TECHNIQUE-AVOIDED": "adjust"},
        ),
    ],
)
def test_session_alerts(
    extra: dict[str, Any], intake_changes: dict[str, Any], expected: dict[str, str]
) -> None:
    doc = course([session(1, **extra)])
    for path, value in intake_changes.items():
        if "." in path:
            group, leaf = path.split(".")
            doc["intake"][group][leaf] = value
        else:
            doc["intake"][path] = value
    assert alerts(doc) == expected


def test_session_alerts_look_at_the_latest_session_only() -> None:
    doc = course([session(1, side_effects=["dizziness"], pressure="firm"), session(2)])
    assert alerts(doc) == {}


def test_numbness_stays_raised_until_a_review_lists_it() -> None:
    doc = course([session(1, side_effects=["numbness"]), session(2)])
    assert alerts(doc) == {"AL-NEURO-SYMPTOMS": "see_doctor"}
    review = {"date": "2026-01-01", "by": "Dr A", "role": "GP", "source": "client_report"}
    doc["reviews"] = [review | {"rules": ["RF-FEVER"], "outcome": "may_resume"}]
    assert alerts(doc) == {"AL-NEURO-SYMPTOMS": "see_doctor"}  # resolves only what it lists
    doc["reviews"] = [review | {"rules": ["AL-NEURO-SYMPTOMS"], "outcome": "not_advised"}]
    assert alerts(doc) == {"AL-NEURO-SYMPTOMS": "see_doctor"}
    doc["reviews"] = [review | {"rules": ["AL-NEURO-SYMPTOMS"], "outcome": "with_restrictions"}]
    assert alerts(doc) == {}  # any source will do for an alert without urgency


def test_plateau_from_five_sessions() -> None:
    four = course([session(i) for i in range(1, 5)])
    assert "AL-PLATEAU" not in alerts(four)
    five = course([session(i) for i in range(1, 6)])
    assert alerts(five) == {"AL-PLATEAU": "reassess"}
    improving = course([session(i, pain_before=5) for i in range(1, 6)])
    assert alerts(improving) == {"AL-PLATEAU": "reassess"}
    better = course([session(i, pain_before=3) for i in range(1, 6)])
    assert alerts(better) == {}


def test_next_step_is_the_most_severe_and_trace_is_in_table_order() -> None:
    doc = course(
        [
            session(1),
            session(2, side_effects=["dizziness", "numbness"], new_red_flags={"chest_pain": True}),
        ]
    )
    got = run(doc)
    assert got["trace"] == ["AL-NEW-RED-FLAG", "AL-NEURO-SYMPTOMS", "AL-DIZZINESS"]
    assert got["next_step"] == "emergency"


def test_a_session_outside_the_plan_is_accepted() -> None:
    doc = course([session(1, pressure="firm", techniques=["deep_tissue"])])
    doc["intake"]["medications"] = ["anticoagulant"]
    assert set(alerts(doc)) == {"AL-PRESSURE-EXCEEDED", "AL-TECHNIQUE-AVOIDED"}
