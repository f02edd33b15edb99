"""What a client's letter says, as data: the one source of the letter page
(templates/clinic/referral_letter.html) and its PDF (reports/pdf.py::referral_letter_pdf).

Two kinds, chosen by the client's one state (course.state_of, issue 15):
- a **handover note** for the emergency team when the next step is an emergency: what was
  found and when, what the client was told to do (go to emergency care now), the rest of the
  record an emergency team needs, and who to call back. It asks nothing: no clearance, no
  review; the client goes now.
- a **letter to the doctor** otherwise: who the client is, the findings with their sources, the
  treatment so far and its progress, and exactly what is asked (a written clearance for named
  techniques at a named pressure, or an assessment of a named warning sign).

Nothing here decides anything clinical: the findings, the next step and the progress are the
core's (the state), the words are wording's and the rule tables'; what a clearance would allow
is the core's own assessment of the intake with that clearance added.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from backcare.accounts.models import Clinic, Therapist
from backcare.clinic.course import course_document, state_of
from backcare.clinic.models import Client
from backcare.clinic.presenting import assessment_view, letter_sources, state_view
from backcare.core.assessment import assess
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_intake
from backcare.core.vocabulary import PROCEEDING
from backcare.core.wording import (
    ADVICE_WHEN,
    CONDITIONS,
    MEDICATIONS,
    NEXT_STEP,
    PAIN_CATEGORY,
    PRESSURES,
    REGIONS,
    STATUS,
    TECHNIQUES,
    URGENCY,
    label,
)
from backcare.lib import dates

HANDOVER, DOCTOR = "handover", "doctor"
TITLE = {HANDOVER: "Handover note for the emergency team", DOCTOR: "Letter for the doctor"}


def letter_kind(state: dict[str, Any] | None) -> str:
    """Which letter the client's state calls for: the handover note in an emergency, else the
    letter to the doctor. The one place the kind is decided (the letter, its PDF and the
    client page's link to it all follow)."""
    return HANDOVER if state is not None and state["emergency"] else DOCTOR


def letter_title(state: dict[str, Any] | None) -> str:
    """The letter's title for the client's state (`presenting.state_view`'s)."""
    return TITLE[letter_kind(state)]


def long_date(day: date) -> str:
    """A date as the letter writes it: the pages' one format (lib/dates.py), "3 Feb 2026"."""
    return dates.day(day)


def _num(value: Any) -> str:
    return f"{float(value):g}"


def _cite(finding: dict[str, Any], *, rule: bool = True) -> str:
    sources = ", ".join(finding["sources"])
    return f"[{finding['rule']}; {sources}]" if rule else f"[{sources}]"


def _item(text: str, *, lead: str = "", cite: str = "", key: str = "") -> dict[str, str]:
    return {"lead": lead, "text": text, "cite": cite, "key": key}


def _block(
    key: str, heading: str = "", paragraphs: list[str] | None = None, items: Any = ()
) -> dict[str, Any]:
    return {"key": key, "heading": heading, "paragraphs": paragraphs or [], "items": list(items)}


def letterhead(clinic: Clinic) -> dict[str, Any]:
    """The clinic's name and details, as the top of every letter prints them."""
    contact = []
    if clinic.phone:
        contact.append(f"Phone {clinic.phone}")
    if clinic.email:
        contact.append(f"Email {clinic.email}")
    return {
        "name": clinic.name,
        "address": [line.strip() for line in clinic.address.splitlines() if line.strip()],
        "contact": " · ".join(contact),
        "extra": clinic.letterhead.strip(),
    }


def signature(therapist: Therapist) -> list[str]:
    """The signing therapist's name, credentials and registration number, and their clinic."""
    lines = [therapist.display_name]
    if therapist.credentials:
        lines.append(therapist.credentials)
    if therapist.registration_number:
        lines.append(f"Registration number: {therapist.registration_number}")
    return [*lines, therapist.clinic.name]


def letter_content(
    client: Client, therapist: Therapist, *, today: date | None = None
) -> dict[str, Any]:
    """Everything the letter says, in order, for `client`, signed by `therapist`."""
    today = today or timezone.localdate()
    intake = client.current_intake
    document = course_document(client)
    found = state_of(client, document)
    state = (
        None
        if found is None
        else {**(state_view(found) or {}), "pain": found.progress.pain.to_json()}
    )
    kind = letter_kind(state)
    content: dict[str, Any] = {
        "kind": kind,
        "title": TITLE[kind],
        "letterhead": letterhead(therapist.clinic),
        "date": long_date(today),
        "greeting": "To the emergency team," if kind == HANDOVER else "Dear Doctor,",
        "about": f"Re: {client.full_name}",
        "blocks": [],
        "closing": "Handed over by" if kind == HANDOVER else "Yours sincerely,",
        "signature": signature(therapist),
        "sources": [],
    }
    if intake is None or document is None or state is None:
        content["blocks"] = [_block("none", paragraphs=["No intake has been recorded yet."])]
        return content
    a = assessment_view(intake.assessment)
    seen = long_date(timezone.localtime(intake.created_at).date())
    # The client's age as the intake records it (backcare keeps no date of birth).
    content["about"] += f", aged {intake.document['age']} at the intake of {seen}"
    if client.phone:
        content["about"] += f" (phone {client.phone})"
    build = _handover_blocks if kind == HANDOVER else _doctor_blocks
    content["blocks"] = build(client, therapist, a, state, document, seen)
    content["sources"] = letter_sources(a, state)
    return content


# -- the letter to the doctor -------------------------------------------------------------------


def _doctor_blocks(
    client: Client,
    therapist: Therapist,
    a: dict[str, Any],
    state: dict[str, Any],
    document: dict[str, Any],
    seen: str,
) -> list[dict[str, Any]]:
    blocks = [
        _block(
            "screening",
            paragraphs=[
                f"I am a massage therapist at {therapist.clinic.name}. At the intake on {seen}, "
                f"backcare's screening (rules {a['rules_version']}) found: "
                f"{a['meaning']['headline']}",
                _pain_words(document, a),
            ],
        )
    ]
    if a["referral_reasons"]:
        urgency = URGENCY[a["referral"]["urgency"]].lower()
        blocks.append(
            _block(
                "referral",
                f"Reasons for referral ({urgency})",
                items=[_item(f["therapist_text"], cite=_cite(f)) for f in a["referral_reasons"]],
            )
        )
    if state["alerts"]:
        blocks.append(_course_block(state))
    if a["precaution_list"]:
        blocks.append(
            _block(
                "precautions",
                "Precautions I follow",
                items=[_item(f["therapist_text"], cite=_cite(f)) for f in a["precaution_list"]],
            )
        )
    blocks.append(_treatment_block(document, state))
    blocks.append(_asks_block(a, state, document))
    blocks.append(_reply_block(therapist.clinic))
    return blocks


def _pain_words(document: dict[str, Any], a: dict[str, Any]) -> str:
    pain = document["intake"]["pain"]
    where = ", ".join(label(REGIONS, r).lower() for r in pain["regions"])
    category = PAIN_CATEGORY[a["measures"]["pain_category"]]
    return (
        f"Pain {_num(pain['intensity'])}/10 for {_num(pain['duration_weeks'])} weeks "
        f"({category}); where it hurts: {where}."
    )


def _course_block(state: dict[str, Any]) -> dict[str, Any]:
    return _block(
        "course",
        f"Where the course stands now: {state['next_step_words']}",
        items=[
            _item(f["therapist_text"], lead=f["name"], cite=_cite(f, rule=False), key=f["rule"])
            for f in state["alerts"]
        ],
    )


def _treatment_block(document: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The treatment so far (the sessions as the course holds them: amendments applied, voided
    sessions left out) and its progress (the state's)."""
    sessions = document["sessions"]
    if not sessions:
        done = "No massage has been given yet."
    else:
        used = {t for s in sessions for t in s["techniques"]}
        pressures = {s["pressure"] for s in sessions}
        techniques = ", ".join(name for code, name in TECHNIQUES if code in used)
        pressure = ", ".join(name for code, name in PRESSURES if code in pressures).lower()
        n = len(sessions)
        first, last = (
            long_date(date.fromisoformat(s["date"])) for s in (sessions[0], sessions[-1])
        )
        when = f"on {first}" if n == 1 else f"from {first} to {last}"
        done = (
            f"{n} session{'' if n == 1 else 's'} of massage {when}: "
            f"{techniques or 'no technique recorded'}, at {pressure} pressure."
        )
    pain = state["pain"]
    change = f"{float(pain['change_points']):+g}"
    percent = "" if pain["change_percent"] is None else f", {_num(pain['change_percent'])} %"
    progress = (
        f"Pain {_num(pain['baseline'])}/10 at the intake, {_num(pain['latest'])}/10 now "
        f"({change} points{percent}): {STATUS[state['status']].lower()}."
    )
    return _block("treatment", "Treatment so far", paragraphs=[done, progress])


def _if_cleared(document: dict[str, Any], rules: list[str]) -> str:
    """What massage a written clearance of `rules` would allow: the core's own assessment of
    the intake with those clearances added (precautions still apply, §3a)."""
    intake = dict(document["intake"])
    # A what-if, never stored: its date and signer only need to be valid.
    added = [{"rule": r, "date": "2000-01-01", "by": "the doctor"} for r in rules]
    intake["clearances"] = [*intake.get("clearances", []), *added]
    after = assess(parse_intake(intake))
    if after.max_pressure is None:
        return "massage once the other points here are resolved"
    allowed = [
        name for code, name in TECHNIQUES if getattr(after.techniques, code).verdict != "avoid"
    ]
    return (
        f"massage ({', '.join(allowed)}) at {label(PRESSURES, after.max_pressure).lower()}"
        " pressure at most"
    )


def _asks_block(
    a: dict[str, Any], state: dict[str, Any], document: dict[str, Any]
) -> dict[str, Any]:
    """Exactly what the doctor is asked, one item each: a clearance names what it would allow,
    an assessment names the warning sign or finding."""
    rules = load_tables().by_id
    asks = []
    clearances = [
        f
        for f in a["referral_reasons"]
        if rules[f["rule"]].clearable
        and rules[f["rule"]].urgency == "routine"
        and rules[f["rule"]].disposition not in PROCEEDING
    ]
    if clearances:
        allows = _if_cleared(document, [f["rule"] for f in clearances])
        for f in clearances:
            asks.append(
                _item(
                    f"your written clearance (dated, with your name) of {f['rule']} "
                    f"({f['therapist_text']}) for {allows}.",
                    lead="Clearance",
                    key=f["rule"],
                )
            )
    for f in a["referral_reasons"]:
        if f in clearances:
            continue
        meanwhile = (
            " Massage goes ahead meanwhile, within the precautions here."
            if rules[f["rule"]].disposition in PROCEEDING
            else " No massage until then."
        )
        asks.append(
            _item(
                f"your assessment of {f['rule']}: {f['therapist_text']}{meanwhile}",
                lead="Assessment",
                key=f["rule"],
            )
        )
    for alert in state["alerts"]:
        if alert["next_step"] == "see_doctor" and alert["rule"] != "AL-UNRESOLVED-REFERRAL":
            asks.append(
                _item(
                    f"your assessment of: {alert['name']} ({alert['therapist_text']}) "
                    "No massage until then.",
                    lead="Assessment",
                    key=alert["rule"],
                )
            )
    if not asks:
        return _block(
            "asks",
            "What I ask of you",
            paragraphs=[
                "Nothing needs your action: this letter tells you about the massage I give, "
                "within the assessment's limits. Please tell me if you know a reason against it."
            ],
        )
    return _block("asks", "What I ask of you", items=asks)


def _reply_block(clinic: Clinic) -> dict[str, Any]:
    where = letterhead(clinic)["contact"] or clinic.name
    return _block(
        "reply",
        paragraphs=[
            f"Please reply to {where}: a note with its date, your name and role, and whether "
            "massage may resume, may resume with restrictions, or is not advised, so that I can "
            "record your review."
        ],
    )


# -- the handover note ----------------------------------------------------------------------------


def _handover_blocks(
    client: Client,
    therapist: Therapist,
    a: dict[str, Any],
    state: dict[str, Any],
    document: dict[str, Any],
    seen: str,
) -> list[dict[str, Any]]:
    rules = load_tables().by_id
    urgent = [f for f in a["referral_reasons"] if rules[f["rule"]].urgency == "emergency"]
    found = [
        _item(f["therapist_text"], lead=f"At the intake on {seen}", cite=_cite(f)) for f in urgent
    ]
    for alert in state["alerts"]:
        if alert["next_step"] != "emergency":
            continue
        # The intake's unresolved referral is the finding above; its therapist text tells the
        # therapist what to record, which is not the emergency team's business: its plain words.
        text = (
            alert["text"] if alert["rule"] == "AL-UNRESOLVED-REFERRAL" else alert["therapist_text"]
        )
        found.append(
            _item(text, lead=alert["name"], cite=_cite(alert, rule=False), key=alert["rule"])
        )
    blocks = [
        _block(
            "found",
            "What was found",
            paragraphs=[
                f"At the intake on {seen} at {therapist.clinic.name}, backcare's screening "
                f"(rules {a['rules_version']}) found: {a['meaning']['therapist_headline']}"
            ],
            items=found,
        ),
        _block(
            "told",
            f"What {client.full_name} was told to do",
            paragraphs=[
                ADVICE_WHEN["now"],
                f"Next step: {NEXT_STEP['emergency']}. No further massage until a "
                "doctor has assessed these findings.",
            ],
        ),
    ]
    other = [f for f in a["referral_reasons"] if f not in urgent] + a["precaution_list"]
    intake = document["intake"]
    record = [_pain_words(document, a)]
    told = [name for code, name in CONDITIONS if code in intake.get("conditions", [])]
    told += [name for code, name in MEDICATIONS if code in intake.get("medications", [])]
    if told:
        record.append("Conditions and medicines recorded: " + "; ".join(told) + ".")
    n = len(document["sessions"])
    record.append(
        f"Massage sessions so far: {n}"
        + (
            f", the latest on {long_date(date.fromisoformat(document['sessions'][-1]['date']))}."
            if n
            else "."
        )
    )
    blocks.append(
        _block(
            "record",
            "Also on the record",
            paragraphs=record,
            items=[_item(f["therapist_text"], cite=_cite(f)) for f in other],
        )
    )
    where = letterhead(therapist.clinic)["contact"] or therapist.clinic.name
    blocks.append(_block("reply", paragraphs=[f"Questions about this note: {where}."]))
    return blocks
