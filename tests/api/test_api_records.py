"""/api/v1: reading one intake or check-in, correcting a client's details, and the limits on
client details (which PostgreSQL would otherwise refuse with a server error)."""

from __future__ import annotations

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from support.api import call, token_for
from support.world import World


def test_one_intake_and_one_checkin(world: World) -> None:
    token = token_for(world.therapist, write=False)
    intake = call("get", f"/clients/{world.client.pk}/intakes/{world.intake.pk}", token)
    assert intake.status_code == 200
    assert intake.json()["assessment"] == world.intake.assessment
    other = world.other_client.current_intake
    assert call("get", f"/clients/{world.client.pk}/intakes/{other.pk}", token).status_code == 404
    assert (
        call("get", f"/clients/{world.other_client.pk}/intakes/{other.pk}", token).status_code
        == 404
    )
    made = call(
        "post",
        f"/clients/{world.client.pk}/checkins",
        token_for(world.therapist),
        {"date": "2026-01-07", "pain": 3, "peg": 3.3, "side_effects": ["soreness"]},
    )
    assert made.status_code == 201 and made.json()["peg"] == 3.3
    checkin = call("get", f"/clients/{world.client.pk}/checkins/{made.json()['id']}", token)
    assert checkin.status_code == 200 and checkin.json()["side_effects"] == ["soreness"]
    assert (
        call(
            "get", f"/clients/{world.other_client.pk}/checkins/{made.json()['id']}", token
        ).status_code
        == 404
    )


def test_correcting_a_clients_details(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}"
    response = call("patch", url, token, {"email": "carol@example.org"})
    assert response.status_code == 200 and response.json()["email"] == "carol@example.org"
    world.client.refresh_from_db()
    assert world.client.full_name == "Carol Client" and world.client.email == "carol@example.org"
    event = AuditEvent.objects.filter(action="client.update").get()
    assert "carol@example.org" not in str(event.detail)  # which fields, never their values
    bad = call("patch", url, token, {"email": "not-an-email", "full_name": " "})
    assert bad.status_code == 422
    assert {p["path"] for p in bad.json()} == {"email", "full_name"}
    assert (
        call("patch", f"/clients/{world.other_client.pk}", token, {"phone": "1"}).status_code == 404
    )
    read_only = token_for(world.therapist, write=False)
    assert call("patch", url, read_only, {"phone": "1"}).status_code == 401
    assert AuditEvent.objects.filter(action="client.update").count() == 1


def test_overlong_details_are_422_not_a_server_error(world: World) -> None:
    token = token_for(world.therapist)
    response = call("post", "/clients", token, {"full_name": "x" * 201, "phone": "1" * 41})
    assert response.status_code == 422
    assert {p["path"] for p in response.json()} == {"full_name", "phone"}


def test_update_client_changes_nothing_when_nothing_changes(world: World) -> None:
    from django.db import transaction

    with transaction.atomic():
        actions.update_client(by=world.therapist, client=world.client, full_name="Carol Client")
    assert not AuditEvent.objects.filter(action="client.update").exists()
