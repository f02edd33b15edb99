"""Issue 15, point 4: a letter fit to send, in two kinds chosen by the client's one state.

Each letter is read twice, as its page (tags stripped) and as its PDF (pdftotext), and both must
carry every item: the page and the PDF render the same content (clinic/letter.py).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import state_of
from backcare.clinic.letter import HANDOVER, letter_content
from backcare.clinic.models import Client
from backcare.core.validation import parse_intake
from backcare.core.wording import ADVICE_WHEN, ALERT_NAME, NEXT_STEP, STATUS
from backcare.staff import actions as staff_actions
from support import AFTER_THE_FACT
from support.states import STATES, build
from support.world import INTAKE, SESSION_VALUES, World, browser_for, make_therapist

PRINTED = dt.date(2026, 2, 3)
ADDRESS = "12 River Lane\nRiverton RV1 2AB"
DETAILS = {
    "address": ADDRESS,
    "phone": "+44 20 7946 0000",
    "email": "desk@riverside.example",
    "letterhead": "Member of the Massage Therapists' Register since 2015",
}
PROFILE = {
    "display_name": "Alice Lee",
    "credentials": "BSc (Hons), Dip. Sports Massage",
    "registration_number": "MTR-40417",
}


INLINE = re.compile(r"</?(?:strong|span|a)\b[^>]*>")  # inline tags join their words


def flowing(text: str) -> str:
    return " ".join(text.split())


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def signed(world: World) -> World:
    """The clinic's details and Alice's profile, set through their actions."""
    staff_actions.update_clinic_details(by=world.therapist, values=DETAILS)
    staff_actions.update_profile(by=world.therapist, values=PROFILE)
    world.therapist.refresh_from_db()
    return world


def both(user: User, client: Client, tmp_path: Path) -> dict[str, str]:
    """The letter as its page shows it and as its PDF prints it, each as flowing text."""
    browser = browser_for(user)
    page = browser.get(reverse("referral_letter", args=[client.pk]))
    assert page.status_code == 200
    body = page.content.decode().split('<article class="letter', 1)[1].split("</article>")[0]
    pdf = browser.get(reverse("referral_letter_pdf", args=[client.pk]))
    assert pdf.status_code == 200
    return {
        "page": flowing(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(INLINE, "", body)))),
        "pdf": flowing(pdf_text(pdf.content, tmp_path).replace("•", "")),
    }


def letterhead_and_signature(text: str) -> list[str]:
    """Every item of the letterhead and the signature that is missing from `text`."""
    wanted = [*ADDRESS.splitlines(), *(DETAILS[k] for k in ("phone", "email", "letterhead"))]
    wanted += [*PROFILE.values(), "Riverside"]
    return [w for w in wanted if w not in text]


@pytest.mark.parametrize("key", STATES)
def test_the_kind_follows_the_state(world: World, key: str) -> None:
    built = build(key, world.therapist)
    state = state_of(built.client)
    assert state is not None
    letter = letter_content(built.client, world.therapist.therapist)
    assert (letter["kind"] == HANDOVER) == (state.next_step == "emergency")
    blocks = [b["key"] for b in letter["blocks"]]
    if letter["kind"] == HANDOVER:
        assert "asks" not in blocks and letter["greeting"] == "To the emergency team,"
    else:
        assert "asks" in blocks and letter["greeting"] == "Dear Doctor,"


def test_a_letter_asking_for_clearance_carries_every_item(signed: World, tmp_path: Path) -> None:
    # A past cancer without concerning features: a routine clearance first (§2), a session
    # recorded after the fact so that there is a treatment to summarise.
    intake = INTAKE | {"age": 58, "red_flags": {"history_of_cancer": True}}
    client = actions.create_client(
        by=signed.therapist,
        therapist=signed.therapist.therapist,
        full_name="Rita Referral",
        phone="07700 900123",
    )
    actions.record_intake(by=signed.therapist, client=client, intake=parse_intake(intake))
    actions.record_session(
        override=AFTER_THE_FACT,
        by=signed.therapist,
        client=client,
        when=dt.date(2026, 1, 5),
        values=dict(SESSION_VALUES),
    )
    for kind, text in both(signed.therapist, client, tmp_path).items():
        assert "Letter for the doctor" in text and "Dear Doctor," in text, kind
        assert "Re: Rita Referral, aged 58 at the intake of" in text, kind
        assert "(phone 07700 900123)" in text, kind
        assert letterhead_and_signature(text) == [], kind
        assert "Registration number: MTR-40417" in text, kind
        # the findings with their sources
        assert "Reasons for referral (routine)" in text, kind
        assert "[RF-CANCER-HISTORY-ROUTINE; downie2013]" in text, kind
        assert "[finucane2020]" in text and "Sources" in text, kind
        # the treatment so far and its progress
        assert "Treatment so far 1 session of massage on 5 Jan 2026:" in text, kind
        assert "Swedish massage" in text and "at medium pressure." in text, kind
        assert (
            f"Pain 6/10 at the intake, 6/10 now (+0 points, 0 %): {STATUS['no_change'].lower()}"
            in text
        ), kind
        # exactly what is asked: a clearance of the named rule for named massage and pressure
        asked = text.split("What I ask of you", 1)[1].strip()
        assert asked.startswith(
            "Clearance: your written clearance (dated, with your name) of "
            "RF-CANCER-HISTORY-ROUTINE (History of cancer without concerning features: routine "
            "medical clearance before massage.) for massage (Swedish massage, Deep tissue"
        ), (kind, asked[:300])
        assert "at firm pressure at most." in asked, kind
        assert "Please reply to Phone +44 20 7946 0000 · Email desk@riverside.example" in text


def test_a_warning_sign_is_named_for_assessment(signed: World, tmp_path: Path) -> None:
    built = build("warning_at_session", signed.therapist)  # fever reported at session 2
    for kind, text in both(signed.therapist, built.client, tmp_path).items():
        asked = text.split("What I ask of you", 1)[1].strip()
        assert asked.startswith(
            f"Assessment: your assessment of: {ALERT_NAME['AL-NEW-RED-FLAG']} (Warning sign "
            "raised at a visit and not resolved by a medical review: RF-FEVER reported "
            "2026-03-09."
        ), (kind, asked[:300])
        assert "clearance" not in asked.lower(), kind
        assert "2 sessions of massage from 2 Mar 2026 to 9 Mar 2026" in text, kind
        assert letterhead_and_signature(text) == [], kind


def test_an_urgent_referral_asks_for_an_assessment_of_the_named_sign(
    signed: World, tmp_path: Path
) -> None:
    built = build("urgent_referral", signed.therapist)  # unexplained weight loss
    for kind, text in both(signed.therapist, built.client, tmp_path).items():
        asked = text.split("What I ask of you", 1)[1].strip()
        assert asked.startswith("Assessment: your assessment of RF-WEIGHT-LOSS: Unexplained"), (
            kind,
            asked[:200],
        )
        assert "No massage has been given yet." in text, kind


def test_nothing_is_asked_when_massage_goes_ahead(signed: World, tmp_path: Path) -> None:
    built = build("fine", signed.therapist)
    for kind, text in both(signed.therapist, built.client, tmp_path).items():
        asked = text.split("What I ask of you", 1)[1].strip()
        assert asked.startswith("Nothing needs your action"), kind
        assert "clearance" not in text.lower(), kind


@pytest.mark.parametrize("key", ["emergency_at_intake", "warning_at_checkin"])
def test_an_emergency_gets_a_handover_note_that_asks_for_nothing(
    signed: World, tmp_path: Path, key: str
) -> None:
    built = build(key, signed.therapist)
    # The check-in link dates a check-in the day it is sent (clinic/checkin_steps.py).
    checkins = built.client.checkins.all()
    found = (
        "At the intake on"
        if key == "emergency_at_intake"
        else f"RF-CES-SADDLE reported {checkins.get().date.isoformat()}"
    )
    for kind, text in both(signed.therapist, built.client, tmp_path).items():
        assert "Handover note for the emergency team" in text, kind
        assert "To the emergency team," in text and "Dear Doctor" not in text, kind
        assert "What was found" in text and "RF-CES-SADDLE" in text and found in text, kind
        told = f"What {built.client.full_name} was told to do {ADVICE_WHEN['now']}"
        assert told in text, kind
        assert NEXT_STEP["emergency"] in text, kind
        assert letterhead_and_signature(text) == [], kind
        assert "Handed over by Alice Lee" in text, kind
        # no request: not for clearance, not for a review by post
        for word in ("clearance", "What I ask of you", "grateful", "Yours sincerely"):
            assert word.lower() not in text.lower(), (kind, word)


def test_without_an_intake_the_letter_says_so(signed: World, tmp_path: Path) -> None:
    client = actions.create_client(
        by=signed.therapist, therapist=signed.therapist.therapist, full_name="Nina New"
    )
    for kind, text in both(signed.therapist, client, tmp_path).items():
        assert "No intake has been recorded yet." in text and "Alice Lee" in text, kind


# -- the clinic's details and the therapist's profile ------------------------------------------


def test_the_admin_sets_the_clinics_details_audited(world: World) -> None:
    browser = browser_for(world.therapist)
    response = browser.post(reverse("clinic_details"), DETAILS, follow=True)
    assert response.status_code == 200
    assert "The clinic&#x27;s details were saved" in response.content.decode()
    clinic = world.therapist.therapist.clinic
    clinic.refresh_from_db()
    assert (clinic.address, clinic.phone, clinic.email) == (
        ADDRESS,
        DETAILS["phone"],
        DETAILS["email"],
    )
    event = AuditEvent.objects.get(action="clinic.details")
    assert event.actor_id == world.therapist.pk and event.object_id == str(clinic.pk)


def test_a_therapist_who_is_not_admin_cannot_set_the_clinics_details(world: World) -> None:
    plain = make_therapist("paul", world.therapist.therapist.clinic)
    browser = browser_for(plain)
    assert browser.get(reverse("clinic_details")).status_code == 404
    assert browser.post(reverse("clinic_details"), DETAILS).status_code == 404
    assert not AuditEvent.objects.filter(action="clinic.details").exists()
    # ...but sets their own profile
    response = browser.post(reverse("profile"), PROFILE | {"display_name": "Paul Park"})
    assert response.status_code == 302
    plain.therapist.refresh_from_db()
    assert plain.therapist.registration_number == "MTR-40417"
    assert AuditEvent.objects.get(action="staff.profile").actor_id == plain.pk


def test_a_profile_needs_a_name_and_a_bad_email_is_refused(world: World) -> None:
    browser = browser_for(world.therapist)
    response = browser.post(reverse("profile"), PROFILE | {"display_name": "  "})
    assert response.status_code == 422
    world.therapist.therapist.refresh_from_db()
    assert world.therapist.therapist.display_name == "Alice"
    response = browser.post(reverse("clinic_details"), DETAILS | {"email": "not an address"})
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action__in=["staff.profile", "clinic.details"]).exists()
