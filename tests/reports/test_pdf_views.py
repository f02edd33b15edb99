"""The PDF downloads over HTTP: who may have them, what they answer, and the audit row."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from backcare.audit.models import AuditEvent
from support.world import World, browser_for

DOWNLOADS = [
    ("progress_report_pdf", "export.progress_report_pdf", "progress-report"),
    ("referral_letter_pdf", "export.referral_letter_pdf", "referral-letter"),
]


@pytest.mark.parametrize(("name", "action", "kind"), DOWNLOADS)
def test_a_download_is_a_pdf_attachment_audited_once(
    world: World, tmp_path: Path, name: str, action: str, kind: str
) -> None:
    before = AuditEvent.objects.count()
    response = browser_for(world.therapist).get(reverse(name, args=[world.client.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="client-{world.client.pk}-{kind}.pdf"'
    assert disposition.isascii()
    assert response["Cache-Control"] == "no-store"
    (tmp_path / "download.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "download.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Carol Client" in text and "Alice" in text
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action=action)
    assert event.client == world.client and event.actor == world.therapist
    assert event.clinic_id == world.client.clinic_id


@pytest.mark.parametrize(("name", "action", "kind"), DOWNLOADS)
def test_no_one_outside_the_clinic_gets_a_pdf(
    world: World, name: str, action: str, kind: str
) -> None:
    before = AuditEvent.objects.count()
    url = reverse(name, args=[world.client.pk])
    assert browser_for(world.colleague).get(url).status_code == 404
    assert browser_for(world.outsider).get(url).status_code == 404
    anonymous = browser_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    # a client id that does not exist answers the same as another clinic's
    missing = reverse(name, args=[world.other_client.pk + 1000])
    assert browser_for(world.therapist).get(missing).status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_colleague_gets_her_own_clients_pdf(world: World) -> None:
    url = reverse("progress_report_pdf", args=[world.other_client.pk])
    response = browser_for(world.colleague).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert browser_for(world.therapist).get(url).status_code == 404


def test_the_pages_link_to_the_pdfs(world: World) -> None:
    browser = browser_for(world.therapist)
    c = world.client.pk
    report, letter = (reverse(name, args=[c]) for name, _, _ in DOWNLOADS)
    progress = browser.get(reverse("progress", args=[c])).content.decode()
    assert f'href="{report}">Download PDF<' in progress
    letter_page = browser.get(reverse("referral_letter", args=[c])).content.decode()
    assert f'href="{letter}">Download PDF<' in letter_page
    client_page = browser.get(reverse("client_detail", args=[c])).content.decode()
    assert f'href="{report}"' in client_page and f'href="{letter}"' in client_page


@pytest.mark.parametrize(("name", "action", "kind"), DOWNLOADS)
def test_only_get_downloads(world: World, name: str, action: str, kind: str) -> None:
    before = AuditEvent.objects.count()
    response = browser_for(world.therapist).post(reverse(name, args=[world.client.pk]))
    assert response.status_code == 405
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("kind", ["progress-report", "referral-letter"])
def test_the_pdfs_by_api(world: World, tmp_path: Path, kind: str) -> None:
    from support.api import call, token_for

    token = token_for(world.therapist, write=False)
    response = call("get", f"/clients/{world.client.pk}/{kind}.pdf", token)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (tmp_path / "api.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "api.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Carol Client" in text
    action = f"export.api.{kind.replace('-', '_')}_pdf"
    assert AuditEvent.objects.filter(action=action, client=world.client).count() == 1
    other = call("get", f"/clients/{world.other_client.pk}/{kind}.pdf", token)
    assert other.status_code == 404
