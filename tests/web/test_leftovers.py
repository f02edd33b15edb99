"""Issue 15's leftovers: the letter's link is named as the letter its state calls for, and a
client who needs re-assessment is listed for that, not for a session."""

from __future__ import annotations

import re

from django.urls import reverse

from backcare.clinic.letter import DOCTOR, HANDOVER, TITLE
from support.states import emergency_at_intake, plateau
from support.world import World, browser_for


def _letter_pdf_link(html: str) -> str:
    found = re.search(r"<a href=\"[^\"]*/referral-letter\.pdf\"[^>]*>([^<]*)</a>", html)
    if found is None:  # the address as reports/urls.py has it
        found = re.search(r"<a [^>]*data-letter-pdf[^>]*>([^<]*)</a>", html)
    assert found is not None
    return found.group(1)


def test_the_letters_link_names_the_handover_note_in_an_emergency(world: World) -> None:
    client = emergency_at_intake(world.therapist).client
    html = browser_for(world.therapist).get(reverse("client_detail", args=[client.pk]))
    text = html.content.decode()
    assert _letter_pdf_link(text) == f"{TITLE[HANDOVER]} (PDF)"
    assert TITLE[DOCTOR] not in text
    # the letter itself is the same kind
    letter = browser_for(world.therapist).get(reverse("referral_letter", args=[client.pk]))
    assert 'data-letter-kind="handover"' in letter.content.decode()


def test_the_letters_link_names_the_letter_for_the_doctor_otherwise(world: World) -> None:
    html = browser_for(world.therapist).get(reverse("client_detail", args=[world.client.pk]))
    text = html.content.decode()
    assert _letter_pdf_link(text) == f"{TITLE[DOCTOR]} (PDF)"
    assert TITLE[HANDOVER] not in text


def test_a_client_to_reassess_is_listed_for_that_not_for_a_session(world: World) -> None:
    client = plateau(world.therapist).client
    client.refresh_from_db()
    assert client.next_step == "reassess"
    assert (
        client.outcome["sessions_done"]
        < client.current_intake.assessment["plan"]["planned_sessions"]
    )  # the plan alone would have the next session due
    html = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    due = re.findall(r'data-due-client="(\d+)"', html)
    assert str(world.client.pk) in due  # the list works: Carol's session is due
    assert str(client.pk) not in due
    attention = html.split('id="attention-h"', 1)[1].split("</section>", 1)[0]
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*/clients/{client.pk}/.*?</tr>", attention, re.S)
    assert row is not None and 'data-next-step="reassess"' in row.group(0)
