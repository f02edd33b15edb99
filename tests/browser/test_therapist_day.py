"""The therapist's day on the demo clinic (issue 15, "Done when"), in a browser at 1366 px.

The demo clinic as `backcare manage demo_clinic` loads it (scripts/demo); its admin, Amara,
signs in with both factors. She sees the work list, opens the client who needs attention (Ada
Lovelace: numbness after massage, a doctor's review due), finds the session form's §6a check
shown once while that alert is open, follows the client's primary action (record the doctor's
review), then the next one (record a session): the form starts from the plan, she saves and
signs it, amends it, and prints the letter for the doctor, whose PDF carries every item of the
letter page. Each page is kept as a screenshot (test-artifacts/day-*.png) and passes axe-core
(nothing serious or critical). The client page and the progress page are also the README's
screenshots (docs/screenshots/, written when BACKCARE_README_SCREENSHOTS=1).
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from backcare.clinic.course import state_of
from backcare.clinic.letter import DOCTOR, TITLE
from backcare.clinic.management.commands.demo_clinic import DEMO_PASSWORD
from backcare.clinic.models import Client, Session
from support.two_factor import code_now

from .conftest import ROOT, axe_violations, screenshot

README_SHOTS = ROOT / "docs" / "screenshots"


class Day:
    """The walk's page, numbering each screenshot in the order of the day and checking every
    page with axe-core."""

    def __init__(self, page: Any) -> None:
        self.page, self.n = page, 0

    def keep(self, name: str) -> None:
        self.n += 1
        screenshot(self.page, f"day-{self.n:02d}-{name}")
        bad = axe_violations(self.page)
        assert not bad, (name, [(v["id"], v["impact"], v["help"]) for v in bad])


def _readme_shot(page: Any, name: str) -> None:
    """A small PNG of the top of the page for the README (the first screen, not the scroll)."""
    if os.environ.get("BACKCARE_README_SCREENSHOTS") == "1":
        from PIL import Image  # reportlab's own dependency

        README_SHOTS.mkdir(parents=True, exist_ok=True)
        path = README_SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        with Image.open(path) as shot:  # 256 colours: a page's flat colours, a third the bytes
            small = shot.convert("RGB").quantize(colors=256)
        small.save(path, optimize=True)


def _flowing(text: str) -> str:
    return " ".join(text.split())


def test_a_therapists_day_on_the_demo_clinic(
    browser: Any, live_server: Any, transactional_db: Any, tmp_path: Path
) -> None:
    call_command("demo_clinic", stdout=io.StringIO())
    base = live_server.url
    ada = Client.objects.get(full_name="Ada Lovelace")
    device = TOTPDevice.objects.get(user__username="amara", confirmed=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    day = Day(page)

    # Sign in: the password, then the code her authenticator shows.
    page.goto(f"{base}/sign-in/")
    day.keep("sign-in")
    page.fill("#id_username", "amara")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/sign-in/code/**")
    day.keep("second-factor")
    # The next period's code: demo_clinic used this period's to confirm the authenticator, and
    # a code is accepted once (the server takes the next period's too).
    page.fill("#id_code", code_now(device.key, steps_ahead=1))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # The work list: who needs attention first, Ada among them.
    attention = page.locator("section[aria-labelledby=attention-h]")
    assert "Ada Lovelace" in attention.inner_text()
    day.keep("work-list")
    attention.get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url(f"{base}/clients/{ada.pk}/")
    primary = page.locator("[data-primary-action]")
    assert primary.count() == 1 and primary.get_attribute("data-primary-action") == "review"
    day.keep("client-needs-review")

    # Before the review, the session form shows the §6a check once: a doctor first.
    page.goto(f"{base}/clients/{ada.pk}/sessions/new/")
    page.wait_for_selector("[data-cause]")
    assert page.locator("[data-cause]").count() == 1
    assert page.get_attribute("[data-cause]", "data-cause") == "see_doctor"
    day.keep("session-form-check")

    # The primary action: record the doctor's review of the numbness.
    page.goto(f"{base}/clients/{ada.pk}/")
    page.click("[data-primary-action]")
    review = page.locator("details#review")
    assert review.get_attribute("open") is not None
    (rule,) = [a.rule for a in state_of(ada).alerts if a.next_step == "see_doctor"]
    review.locator("#id_date").fill(timezone.localdate().isoformat())
    review.locator(f"input[name=rules][value={rule}]").check()
    review.locator("#id_reviewer").fill("Dr Sam Lee")
    review.locator("#id_role").fill("GP")
    review.locator("input[name=source][value=letter_seen]").check()
    review.locator("input[name=outcome][value=may_resume]").check()
    review.locator("button:has-text('Save the review')").click()
    page.wait_for_selector("text=Medical review recorded.")
    primary = page.locator("[data-primary-action]")
    assert primary.get_attribute("data-primary-action") == "session"
    day.keep("client-after-review")
    _readme_shot(page, "client-page")

    # The next primary action: a session from the plan, saved and signed from the form.
    primary.click()
    page.wait_for_url(f"{base}/clients/{ada.pk}/sessions/new/")
    assessment = state_of(ada).assessment
    assert page.input_value("#id_pressure") == assessment.max_pressure
    checked = page.eval_on_selector_all(
        "input[name=techniques]:checked", "els => els.map(e => e.value).sort()"
    )
    recommended = sorted(
        k for k, v in assessment.techniques.to_json().items() if v["verdict"] == "recommended"
    )
    assert checked == recommended
    assert page.locator("[data-cause]").count() == 0  # the doctor has reviewed: no check
    assert "Demo session." in page.inner_text("[data-previous-note]")
    page.select_option("#id_pain_before", "3")
    page.select_option("#id_pain_after", "2")
    page.get_by_label("Lower back, left").check()
    page.fill("#id_subjective", "Numbness gone since the GP's review; back stiff in the morning.")
    day.keep("session-form-from-the-plan")
    before = Session.objects.filter(client=ada).count()
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=saved, signed and locked")
    session = Session.objects.get(client=ada, number=before + 1)
    assert session.signed and session.signed_by.username == "amara"
    assert session.pressure == assessment.max_pressure
    assert "Amara Osei" in page.inner_text("[data-signed-by]")
    day.keep("session-signed")

    # Amend it: the pain after was 1, not 2.
    page.click("details[data-amend] > summary")
    page.select_option("details[data-amend] #id_pain_after", "1")
    page.fill("details[data-amend] #id_reason", "Misread the scale: the client said 1.")
    page.click("button:has-text('Save amendment')")
    page.wait_for_selector("[data-amended-by]")
    assert "Amara Osei" in page.inner_text("[data-amended-by]")
    session.refresh_from_db()
    assert session.current_values()["pain_after"] == 1 and session.pain_after == 2
    day.keep("session-amended")

    # Progress, then the letter for the doctor and its PDF.
    page.goto(f"{base}/clients/{ada.pk}/progress/")
    page.wait_for_selector("#pain-chart")
    day.keep("progress")
    _readme_shot(page, "progress-page")
    page.goto(f"{base}/clients/{ada.pk}/")
    page.get_by_role("link", name=TITLE[DOCTOR], exact=True).click()
    page.wait_for_selector("[data-letter-kind=doctor]")
    day.keep("letter")
    letter = _flowing(page.inner_text("article.letter"))
    for needed in ("Ada Lovelace", "12 River Lane", "Amara Osei", "DEMO-1001", "Dear Doctor,"):
        assert needed in letter, needed
    page.goto(f"{base}/clients/{ada.pk}/")
    with page.expect_download() as downloading:
        page.click("[data-letter-pdf]")
    pdf = tmp_path / "letter.pdf"
    downloading.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    printed = _flowing(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    # Every item of the page is in the PDF: each block's first words.
    page.goto(f"{base}/clients/{ada.pk}/referral-letter/")
    items = page.eval_on_selector_all(
        "article.letter [data-block]",
        "els => els.map(e => e.innerText.split('\\n').filter(Boolean).slice(0, 2).join(' '))",
    )
    assert len(items) >= 4
    for item in items:
        assert _flowing(item)[:60] in printed, item
    assert errors == []
    context.close()
