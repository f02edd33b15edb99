"""Correcting a client's details, and how every download of a record is answered."""

from __future__ import annotations

from django.urls import reverse

from backcare.audit.models import AuditEvent
from support.world import World, browser_for


def test_editing_a_clients_details(world: World) -> None:
    url = reverse("client_edit", args=[world.client.pk])
    browser = browser_for(world.therapist)
    page = browser.get(url).content.decode()
    assert 'value="Carol Client"' in page
    response = browser.post(url, {"full_name": "Carol Clientson", "email": "", "phone": "0123"})
    assert response.status_code == 302
    world.client.refresh_from_db()
    assert (world.client.full_name, world.client.phone) == ("Carol Clientson", "0123")
    event = AuditEvent.objects.get(action="client.update")
    assert event.client == world.client and "Clientson" not in str(event.detail)


def test_bad_details_are_field_errors_and_nothing_changes(world: World) -> None:
    url = reverse("client_edit", args=[world.client.pk])
    before = (world.client.full_name, world.client.email, world.client.phone)
    response = browser_for(world.therapist).post(
        url, {"full_name": "   ", "email": "nope", "phone": "0999"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    # Each error is the one attached to its own field (includes/field.html), not any "required"
    # that every form prints somewhere.
    assert '<p class="error" id="id_full_name-error">This field is required.</p>' in page
    assert '<p class="error" id="id_email-error">Enter a valid email address.</p>' in page
    assert 'id="id_phone-error"' not in page
    world.client.refresh_from_db()
    assert (world.client.full_name, world.client.email, world.client.phone) == before
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_another_clinic_cannot_edit(world: World) -> None:
    url = reverse("client_edit", args=[world.client.pk])
    response = browser_for(world.colleague).post(url, {"full_name": "Hijacked"})
    assert response.status_code == 404
    world.client.refresh_from_db()
    assert world.client.full_name == "Carol Client"


def test_every_download_is_kept_out_of_caches(world: World) -> None:
    from django.urls import reverse as r

    c = world.client.pk
    for url, filename in (
        (r("client_export", args=[c]), f"client-{c}.json"),
        (r("sessions_csv", args=[c]), f"client-{c}-sessions.csv"),
        (r("outcomes_csv"), "outcomes.csv"),
        (r("client_fhir", args=[c]), f"client-{c}-fhir.json"),
        (r("progress_report_pdf", args=[c]), f"client-{c}-progress-report.pdf"),
        (r("referral_letter_pdf", args=[c]), f"client-{c}-referral-letter.pdf"),
    ):
        response = browser_for(world.therapist).get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"', url
