"""One table of downloads (reports/downloads.py): the web and the API serve the same files,
each audited once, each an attachment that is never cached."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.reports.downloads import DOWNLOADS
from support.api import call, token_for
from support.downloads import body
from support.world import World, browser_for

# Each download: its web URL name and its API path ({c}: the client's id).
ROUTES = {
    "client_json": ("client_export", "/clients/{c}/export"),
    "sessions_csv": ("sessions_csv", "/clients/{c}/sessions.csv"),
    "outcomes_csv": ("outcomes_csv", "/outcomes.csv"),
    "fhir_bundle": ("client_fhir", "/clients/{c}/fhir"),
    "progress_report_pdf": ("progress_report_pdf", "/clients/{c}/progress-report.pdf"),
    "referral_letter_pdf": ("referral_letter_pdf", "/clients/{c}/referral-letter.pdf"),
}


def test_every_download_has_a_web_url_and_an_api_path() -> None:
    assert set(ROUTES) == set(DOWNLOADS)


def _comparable(what: str, content: bytes) -> Any:
    if what == "fhir_bundle":  # the Bundle's own timestamp is the moment it was made
        bundle = json.loads(content)
        bundle.pop("timestamp")
        return bundle
    return content  # the PDFs too: their output is invariant (no creation time in them)


@pytest.mark.parametrize("what", sorted(DOWNLOADS))
def test_the_web_and_the_api_serve_the_same_file(world: World, what: str) -> None:
    name, api_path = ROUTES[what]
    download = DOWNLOADS[what]
    client = world.client.pk
    web_url = reverse(name, args=[] if not download.per_client else [client])
    web = browser_for(world.therapist).get(web_url)
    api = call("get", api_path.format(c=client), token_for(world.therapist, write=False))
    assert web.status_code == api.status_code == 200
    for response in (web, api):
        assert response["Content-Type"] == download.media_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="{download.filename(world.client)}"'
        )
        assert "no-store" in response["Cache-Control"]
    assert _comparable(what, body(web)) == _comparable(what, body(api))
    assert web.streaming == api.streaming == download.streams
    assert AuditEvent.objects.filter(action=f"export.{what}").count() == 1
    assert AuditEvent.objects.filter(action=f"export.api.{what}").count() == 1


@pytest.mark.parametrize("what", sorted(w for w, d in DOWNLOADS.items() if d.per_client))
def test_another_clinics_client_is_404_and_nothing_is_audited(world: World, what: str) -> None:
    name, api_path = ROUTES[what]
    other = world.other_client.pk
    assert browser_for(world.therapist).get(reverse(name, args=[other])).status_code == 404
    api = call("get", api_path.format(c=other), token_for(world.therapist, write=False))
    assert api.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


@pytest.mark.parametrize("what", sorted(DOWNLOADS))
def test_a_post_is_refused_and_writes_nothing(world: World, what: str) -> None:
    name, _ = ROUTES[what]
    args = [world.client.pk] if DOWNLOADS[what].per_client else []
    assert browser_for(world.therapist).post(reverse(name, args=args)).status_code == 405
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()
