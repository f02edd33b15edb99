"""Issue 12, point 9: the reads that were not audited are. Each page or answer that shows a
client's record or the clinic's list of clients writes one `view.*` row naming who read it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.core.wording import audit_action
from support.api import call, token_for
from support.world import World, browser_for

# (URL name, what the row says was viewed, whose record: "client" or the clinic's list)
READS = [
    ("intake_new", "view.intake_form", "client"),
    ("session_new", "view.session_form", "client"),
    ("session_edit", "view.session_edit", "client"),
    ("client_edit", "view.client_edit", "client"),
    ("dashboard", "view.dashboard", "clinic"),
]


def _url(world: World, name: str) -> str:
    if name == "dashboard":
        return reverse(name)
    if name == "session_edit":
        return reverse(name, args=[world.client.pk, world.session.pk])
    return reverse(name, args=[world.client.pk])


@pytest.mark.parametrize(("name", "action", "whose"), READS)
def test_a_form_or_list_that_shows_the_record_is_an_audited_read(
    world: World, name: str, action: str, whose: str
) -> None:
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = browser_for(world.therapist).get(_url(world, name))
    assert response.status_code == 200
    (event,) = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor, event.actor_label) == (action, world.therapist, "Alice")
    assert event.clinic_id == world.client.clinic_id
    assert event.client == (world.client if whose == "client" else None)
    assert audit_action(event.action).startswith("Viewed: ")


def test_a_form_shown_again_with_its_errors_is_a_read_too(world: World) -> None:
    url = reverse("session_new", args=[world.client.pk])
    response = browser_for(world.therapist).post(url, {"pain_before": "99"})
    assert response.status_code == 422
    assert AuditEvent.objects.filter(action="view.session_form", client=world.client).count() == 1


def test_a_dashboard_search_is_audited_without_the_name_searched_for(world: World) -> None:
    browser_for(world.therapist).get(reverse("dashboard"), {"q": "Carol"}, HTTP_HX_REQUEST="1")
    (event,) = AuditEvent.objects.filter(action="view.dashboard")
    assert event.actor == world.therapist and "Carol" not in str(event.detail)


def test_the_apis_client_list_is_an_audited_read(world: World) -> None:
    token = token_for(world.therapist, write=False)
    response = call("get", "/clients", token)
    assert response.status_code == 200 and response.json()[0]["full_name"] == "Carol Client"
    (event,) = AuditEvent.objects.filter(action="view.api.clients")
    assert (event.actor, event.client, event.clinic_id) == (
        world.therapist,
        None,
        world.client.clinic_id,
    )
