"""Every URL against every actor: allowed, 404, or a redirect to sign in. Nothing leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backcare.audit.models import AuditEvent
from support.world import World, browser_for


def client_urls(w: World, client: Any, intake: Any, session: Any) -> list[str]:
    c = client.pk
    return [
        reverse("client_detail", args=[c]),
        reverse("client_edit", args=[c]),
        reverse("intake_import", args=[c]),
        reverse("intake_new", args=[c]),
        reverse("intake_detail", args=[c, intake.pk]),
        reverse("session_new", args=[c]),
        reverse("session_detail", args=[c, session.pk]) if session else None,
        reverse("session_edit", args=[c, session.pk]) if session else None,
        reverse("progress", args=[c]),
        reverse("measurement_new", args=[c]),
        reverse("referral_letter", args=[c]),
        reverse("progress_report_pdf", args=[c]),
        reverse("referral_letter_pdf", args=[c]),
    ]


GLOBAL_PAGES = ["dashboard", "client_new"]


@pytest.mark.parametrize("page", GLOBAL_PAGES)
def test_global_pages(world: World, page: str) -> None:
    url = reverse(page)
    assert browser_for(world.therapist).get(url).status_code == 200
    assert browser_for(world.colleague).get(url).status_code == 200
    assert browser_for(world.outsider).get(url).status_code == 404  # no clinic
    anonymous = browser_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_client_pages_are_the_owning_clinics_only(world: World) -> None:
    urls = [u for u in client_urls(world, world.client, world.intake, world.session) if u]
    for url in urls:
        assert browser_for(world.therapist).get(url).status_code == 200, url
        assert browser_for(world.colleague).get(url).status_code == 404, url
        assert browser_for(world.outsider).get(url).status_code == 404, url
        anonymous = browser_for(None).get(url)
        assert anonymous.status_code == 302 and "sign-in" in anonymous["Location"], url


def test_an_object_of_another_client_is_404_even_under_an_allowed_client(world: World) -> None:
    """A session id from another clinic's client cannot be reached through one's own client."""
    other_intake = world.other_client.current_intake
    url = reverse("intake_detail", args=[world.client.pk, other_intake.pk])
    assert browser_for(world.therapist).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("session_sign", "session"),
        ("session_amend", "session"),
        ("link_create", "client"),
        ("clearance_add", "intake"),
        ("intake_reassess", "intake"),
        ("session_void", "session"),
        ("session_check", "client"),
        ("review_new", "client"),
    ],
)
def test_posts_are_refused_outside_the_clinic_and_change_nothing(
    world: World, name: str, args: str
) -> None:
    c = world.client.pk
    url = reverse(
        name,
        args={
            "session": [c, world.session.pk],
            "client": [c],
            "intake": [c, world.intake.pk],
        }[args],
    )
    before = AuditEvent.objects.count()
    intakes = world.client.intakes.count()
    form = {
        "purpose": "checkin",
        "void_reason": "Entered for the wrong client.",
        "rules": ["RF-FEVER"],
    }
    for user in (world.colleague, world.outsider):
        assert browser_for(user).post(url, form).status_code == 404
    assert browser_for(None).post(url).status_code == 302
    assert AuditEvent.objects.count() == before
    world.session.refresh_from_db()
    assert world.session.signed_at is None and world.session.voided_at is None
    assert world.client.intakes.count() == intakes and not world.client.reviews.exists()


def test_another_clinics_alert_cannot_be_acknowledged(world: World) -> None:
    from backcare.clinic import actions
    from backcare.clinic.models import ClinicAlert

    actions.record_checkin(
        by=world.therapist, client=world.client, when=world.session.date, pain=5,
        red_flags=["saddle_numbness"],
    )  # fmt: skip
    alert = ClinicAlert.objects.get(client=world.client)
    url = reverse("alert_acknowledge", args=[world.client.pk, alert.pk])
    for user in (world.colleague, world.outsider):
        assert browser_for(user).post(url).status_code == 404
    # Nor through one's own client: the alert belongs to another client.
    own = reverse("alert_acknowledge", args=[world.other_client.pk, alert.pk])
    assert browser_for(world.colleague).post(own).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_get_on_post_only_urls_is_405(world: World) -> None:
    url = reverse("session_sign", args=[world.client.pk, world.session.pk])
    assert browser_for(world.therapist).get(url).status_code == 405


def test_audit_log_is_for_clinic_admins_only_and_shows_only_their_clinic(world: World) -> None:
    url = reverse("audit_log")
    page = browser_for(world.therapist).get(url)
    assert page.status_code == 200
    assert "Carol Client" in page.content.decode() and "Dan Other" not in page.content.decode()
    assert browser_for(world.outsider).get(url).status_code == 404
    from backcare.accounts.models import Therapist

    Therapist.objects.filter(user=world.colleague).update(is_clinic_admin=False)
    assert browser_for(world.colleague).get(url).status_code == 404


def test_dashboard_lists_only_the_clinics_clients(world: World) -> None:
    body = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert "Carol Client" in body and "Dan Other" not in body


def test_portal_pages_need_a_valid_link(world: World) -> None:
    for name in ("portal_intake", "portal_checkin"):
        assert browser_for(None).get(reverse(name, args=["not-a-token"])).status_code == 404
    assert browser_for(None).get(reverse("portal_result")).status_code == 404


def test_health_is_public_and_plain(world: World) -> None:
    response = browser_for(None).get(reverse("health"))
    assert response.status_code == 200 and response.content == b"ok"


def test_a_client_with_a_portal_session_reaches_only_their_own_answer(world: World) -> None:
    from backcare.clinic import actions

    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    phone = browser_for(None)
    form = {
        "age": "45",
        "sex": "unspecified",
        "pain_intensity": "4",
        "pain_duration_weeks": "10",
        "pain_regions": ["lumbar"],
        "pain_onset": "gradual",
        "pain_radiation": "none",
    }
    assert phone.post(reverse("portal_intake", args=[token]), form).status_code == 302
    assert phone.get(reverse("portal_result")).status_code == 200
    # the client is not a therapist: every therapist page sends them to sign in
    for url in client_urls(world, world.client, world.intake, world.session):
        if url:
            response = phone.get(url)
            assert response.status_code == 302 and "sign-in" in response["Location"], url
    assert phone.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="view.client_assessment", client=world.client).exists()


def test_a_search_with_a_nul_character_is_harmless(world: World) -> None:
    response = browser_for(world.therapist).get(reverse("dashboard"), {"q": "car\x00ol"})
    assert response.status_code == 200 and "Carol Client" in response.content.decode()
