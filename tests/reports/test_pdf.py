"""The PDF progress report and referral letter, read back as text with pdftotext (poppler)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from backcare.clinic import actions
from backcare.clinic.course import client_progress
from backcare.clinic.models import Client
from backcare.core.rules.tables import load_tables
from backcare.core.wording import (
    ALERT_NAME,
    NEXT_STEP,
    PAIN_CATEGORY,
    PRESSURES,
    RED_FLAG_QUESTIONS,
    SIDE_EFFECTS,
    STATUS,
    URGENCY,
    label,
)
from backcare.reports.pdf import DISCLAIMER, font_files, progress_report_pdf, referral_letter_pdf
from support import AFTER_THE_FACT
from support.courses import CourseOf
from support.world import INTAKE, SESSION_VALUES, World, add_client

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PRINTED = dt.date(2026, 2, 3)
CANCER_HISTORY = INTAKE | {"age": 58, "red_flags": {"history_of_cancer": True}}


def pdf_text(content: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    """The PDF's text as pdftotext reads it (what a screen reader or a search would see)."""
    assert content.startswith(b"%PDF-")
    path = tmp_path / "read.pdf"
    path.write_bytes(content)
    command = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def flowing(text: str) -> str:
    """Text with line breaks and layout spaces folded, to find a sentence that wrapped."""
    return " ".join(text.split())


def tight(text: str) -> str:
    """Text without spaces: pdftotext's layout mode may or may not keep a narrow space."""
    return "".join(text.split(" "))


def pdf_info(content: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return {
        k.strip(): v.strip()
        for k, _, v in (line.partition(":") for line in out.stdout.splitlines())
    }


def a_course(world: World, name: str = "Carol Course") -> Client:
    """A client with baseline disability scores, two sessions (the first signed and amended),
    and a check-in with scores between them."""
    return (
        CourseOf(world.therapist, name)
        .intake(INTAKE, rmdq=12, odi="40", peg="6.3")
        .session(
            "2026-01-05",
            sign=True,
            amend={"pain_after": 3},
            reason="Pain after was misread from the form.",
        )
        .checkin("2026-01-09", pain=4, rmdq=8, odi="30", peg="4.5")
        .session(
            "2026-01-12",
            pain_before=5,
            pain_after=2,
            techniques=["swedish"],
            pressure="light",
            side_effects=["soreness"],
            side_effect_hours="24",
        )
        .client
    )


def test_the_progress_report_says_who_what_and_where_the_course_stands(
    world: World, tmp_path: Path
) -> None:
    client = a_course(world)
    content = progress_report_pdf(client, printed_on=PRINTED)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "progress-report.pdf").write_bytes(content)  # for a person to look at
    text = pdf_text(content, tmp_path)
    flat = flowing(text)

    # the header
    assert "Progress report" in text and "Carol Course" in text
    assert "Clinic: Riverside" in flat and "Therapist: Alice" in flat
    assert "Printed 3 Feb 2026" in flat
    # the core's answer for the course
    result = client_progress(client)
    assert result is not None
    assert f"Next step: {NEXT_STEP[result.next_step]}" in flat
    assert f"Status: {STATUS[result.status]} after 2 sessions" in flat
    # the current assessment, in the tables' own words, each finding with its rule id
    intake = client.current_intake
    assert intake is not None
    assert load_tables().dispositions[intake.disposition]["therapist_headline"] in flat
    assert f"Pressure: {label(PRESSURES, intake.assessment['max_pressure'])} at most" in flat
    for technique in intake.assessment["techniques"].values():
        for reason in technique["reasons"]:
            assert f"[{reason['rule']}; " in flat, reason["rule"]
    # each session: date, pains (the amendment applied), techniques, pressure, after-effects
    lines = text.splitlines()
    first = next(line for line in lines if "5 Jan 2026" in line and "→" in line)
    assert "6→3" in tight(first) and label(PRESSURES, "medium") in first and "signed" in first
    assert "6→4" not in tight(text)  # the amended value replaced the original
    assert "signed; 1 amendment applied" in flowing(pdf_text(content, tmp_path, layout=False))
    second = next(line for line in lines if "12 Jan 2026" in line and "→" in line)
    assert "5→2" in tight(second) and label(PRESSURES, "light") in second
    assert f"{label(SIDE_EFFECTS, 'soreness')} (24 h)" in second
    # the check-in and the disability scores, baseline first
    assert "Check-ins and disability scores" in text
    baseline_row = next(line for line in lines if "Intake (baseline)" in line)
    assert baseline_row.split()[2:] == ["6", "12", "40", "6.3", "—"]
    checkin_row = next(line for line in lines if line.lstrip().startswith("9 Jan 2026"))
    assert checkin_row.split()[:7] == ["9", "Jan", "2026", "4", "8", "30", "4.5"]
    # the change table with the core's numbers
    pain = result.pain
    pain_row = next(line for line in lines if re.match(r"\s*Pain\s+\d", line))
    assert pain_row.split()[1:4] == [
        f"{v:g}" for v in (pain.baseline, pain.latest, pain.change_points)
    ]
    rmdq_row = next(line for line in lines if line.lstrip().startswith("Roland-Morris "))
    assert rmdq_row.split()[1:3] == ["12", "8"]
    # the chart: drawn, with its axis title, legend and the meaningful-change line
    assert "Pain (0–10)" in text
    for legend in ("Pain before session", "Pain after session", "Check-in", "Baseline (6)"):
        assert legend in text, legend
    assert "Meaningful improvement (4 or lower)" in text  # min(6 - 2, 6 × 0.7)
    # the x axis: each point's date, and under it a session's number or "Check-in"
    dates = next(i for i, line in enumerate(lines) if "5 Jan 2026" in line and "→" not in line)
    assert flowing(lines[dates]) == "5 Jan 2026 9 Jan 2026 12 Jan 2026"
    assert lines[dates + 1].split() == ["Session", "1", "Check-in", "Session", "2"]
    # sources, footer and metadata
    assert "Sources" in text and "ostelo2008" in text
    assert "Page 1 of " in text and DISCLAIMER in flat
    info = pdf_info(content, tmp_path)
    assert info["Author"] == "backcare" and info["Title"] == "Progress report: Carol Course"


def test_a_referral_and_its_alert_show_with_rule_ids(world: World, tmp_path: Path) -> None:
    client = add_client(world.therapist, "Rita Referral", CANCER_HISTORY)
    actions.record_session(
        override=AFTER_THE_FACT,
        by=world.therapist,
        client=client,
        when=dt.date(2026, 1, 5),
        values=dict(SESSION_VALUES),
    )
    text = pdf_text(progress_report_pdf(client, printed_on=PRINTED), tmp_path)
    flat = flowing(text)
    intake = client.current_intake
    assert intake is not None
    referral = intake.assessment["referral"]
    assert f"Referral: {URGENCY[referral['urgency']]}" in text
    for reason in referral["reasons"]:
        assert f"[{reason['rule']}; {', '.join(reason['sources'])}]" in flat
    assert "Pressure: no massage now" in flat
    result = client_progress(client)
    assert result is not None and result.alerts
    assert f"Next step: {NEXT_STEP['see_doctor']}" in flat
    for alert in result.alerts:
        assert f"[{alert.rule}; {', '.join(alert.sources)}]" in flat


@pytest.mark.parametrize("name", ["Łucja Dąbrowska", "Zoë Ødegaard", "Ἀριστοτέλης Ωμέγα"])
def test_names_in_any_script_round_trip(world: World, tmp_path: Path, name: str) -> None:
    client = add_client(world.therapist, name)
    for content in (
        progress_report_pdf(client, printed_on=PRINTED),
        referral_letter_pdf(client, world.therapist.therapist, printed_on=PRINTED),
    ):
        assert name in pdf_text(content, tmp_path)


def test_debians_dejavu_is_used_when_installed() -> None:
    """Vera (the reportlab wheel's fallback) has no "ą": DejaVu must be the one in use here.
    scripts/check's poppler-utils brings fonts-dejavu-core in (fontconfig's first choice)."""
    assert font_files()["regular"].name == "DejaVuSans.ttf"


@pytest.mark.parametrize(
    "name", ['<b>Ann</b> & "Co"', "Bob <font size=40>Big", "Eve </para> <br/> &amp; x"]
)
def test_markup_in_stored_text_prints_literally(world: World, tmp_path: Path, name: str) -> None:
    client = add_client(world.therapist, name)
    world.therapist.therapist.display_name = "Tom <i>&</i> Co"
    for content in (
        progress_report_pdf(client, printed_on=PRINTED),
        referral_letter_pdf(client, world.therapist.therapist, printed_on=PRINTED),
    ):
        text = pdf_text(content, tmp_path)
        assert name in text
    assert "Tom <i>&</i> Co" in text  # the letter's signature


def test_a_client_without_an_intake_gets_a_short_report_that_says_so(
    world: World, tmp_path: Path
) -> None:
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="Nina New"
    )
    content = progress_report_pdf(client, printed_on=PRINTED)
    text = pdf_text(content, tmp_path)
    assert "Nina New" in text and "No intake has been recorded yet" in text
    assert "Page 1 of 1" in text
    assert pdf_info(content, tmp_path)["Pages"] == "1"
    letter = pdf_text(referral_letter_pdf(client, world.therapist.therapist), tmp_path)
    assert "No intake has been recorded yet." in letter and "Alice" in letter


def test_the_letter_has_the_letter_pages_content(world: World, tmp_path: Path) -> None:
    client = add_client(world.therapist, "Rita Referral", CANCER_HISTORY)
    therapist = world.therapist.therapist
    content = referral_letter_pdf(client, therapist, printed_on=PRINTED)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "referral-letter.pdf").write_bytes(content)
    text = flowing(pdf_text(content, tmp_path))
    intake = client.current_intake
    assert intake is not None
    assessment = intake.assessment
    assert text.startswith(
        "Riverside Letter for the doctor 3 Feb 2026 Dear Doctor, Re: Rita Referral, aged 58"
    )
    assert "I am a massage therapist at Riverside." in text
    assert f"screening (rules {assessment['rules_version']}) found:" in text
    assert load_tables().dispositions[assessment["disposition"]]["headline"] in text
    assert f"Reasons for referral ({URGENCY[assessment['referral']['urgency']].lower()})" in text
    for reason in assessment["referral"]["reasons"]:
        assert flowing(reason["therapist_text"]) in text
        assert f"[{reason['rule']}; " in text
    category = PAIN_CATEGORY["chronic"]
    assert f"Pain 6/10 for 20 weeks ({category}); where it hurts: lower back." in text
    assert "Clearance: your written clearance (dated, with your name)" in text
    assert "Yours sincerely, Alice Riverside" in text
    assert DISCLAIMER in text


def test_the_letter_page_and_its_pdf_cite_the_same_rules_and_sources(
    world: World, tmp_path: Path
) -> None:
    from django.urls import reverse

    from support.world import browser_for

    client = add_client(
        world.therapist, "Rita Referral", CANCER_HISTORY | {"medications": ["anticoagulant"]}
    )
    page = browser_for(world.therapist).get(reverse("referral_letter", args=[client.pk]))
    html = flowing(re.sub(r"<[^>]+>", " ", page.content.decode()))
    pdf = flowing(pdf_text(referral_letter_pdf(client, world.therapist.therapist), tmp_path))
    cite = re.compile(r"\[([A-Z]+(?:-[A-Z0-9]+)+); ([a-z0-9, -]+)\]")
    assert cite.findall(html) and cite.findall(html) == cite.findall(pdf)
    cited = {sid for _, ids in cite.findall(html) for sid in ids.split(", ")}
    for sid in cited - {"policy"}:
        citation = load_tables().sources[sid].citation
        assert flowing(citation)[:60] in html  # the Sources list under the letter
    assert "Sources" in html.split("Yours sincerely")[1]


def test_the_letter_lists_precautions_and_asks_no_clearance_without_a_referral(
    world: World, tmp_path: Path
) -> None:
    client = add_client(
        world.therapist, "Walt Warfarin", INTAKE | {"medications": ["anticoagulant"]}
    )
    text = flowing(pdf_text(referral_letter_pdf(client, world.therapist.therapist), tmp_path))
    intake = client.current_intake
    assert intake is not None
    assert "Precautions I follow" in text
    for finding in intake.assessment["precautions"]:
        assert f"[{finding['rule']}; " in text
    assert "Reasons for referral" not in text and "clearance" not in text
    assert "What I ask of you Nothing needs your action" in text


def test_the_same_record_and_date_give_the_same_bytes(world: World) -> None:
    client = a_course(world)
    assert progress_report_pdf(client, printed_on=PRINTED) == progress_report_pdf(
        client, printed_on=PRINTED
    )


def test_a_long_course_flows_onto_more_pages_with_numbered_footers(
    world: World, tmp_path: Path
) -> None:
    client = world.client
    for day in range(6, 40):
        actions.record_session(
            override=AFTER_THE_FACT,
            by=world.therapist,
            client=client,
            when=dt.date(2026, 1, 1) + dt.timedelta(days=day),
            values=dict(SESSION_VALUES) | {"pain_after": day % 5},
        )
    content = progress_report_pdf(client, printed_on=PRINTED)
    (tmp_path / "long.pdf").write_bytes(content)
    pages = int(pdf_info(content, tmp_path)["Pages"])
    assert pages >= 2
    text = pdf_text(content, tmp_path)
    assert f"Page {pages} of {pages}" in text
    assert "9 Feb 2026" in text  # the last session


def test_warning_signs_at_a_check_in_show_even_without_sessions(
    world: World, tmp_path: Path
) -> None:
    """v1.1: a warning sign at a check-in is part of the one state: the report's next step and
    alerts carry it, as the dashboard does."""
    client = add_client(world.therapist, "Cora Check-in")
    actions.record_checkin(
        by=world.therapist,
        client=client,
        when=dt.date(2026, 1, 9),
        pain=7,
        red_flags=["saddle_numbness"],
    )
    client.refresh_from_db()
    assert client.attention_reason  # the dashboard's own words, computed by the core
    text = pdf_text(progress_report_pdf(client, printed_on=PRINTED), tmp_path)
    flat = flowing(text)
    assert f"Next step: {NEXT_STEP['emergency']}" in flat
    assert ALERT_NAME["AL-NEW-RED-FLAG"] in flat and "[AL-NEW-RED-FLAG; finucane2020]" in flat
    saddle = label(RED_FLAG_QUESTIONS, "saddle_numbness")
    assert f"warning signs: {saddle}" in flat and "by the client" in flat
    assert "No sessions yet." in text
    assert "Check-in" in text and "Pain before session" not in text  # no session points
