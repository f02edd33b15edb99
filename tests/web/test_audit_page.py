"""Issue 12 point 4: the clinic admin's audit page filters by person, client, action and date;
a bad filter is a field error (400), never a server error or a silently wider list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from backcare.audit.models import AuditEvent
from backcare.clinic import audit_page
from support.world import World, add_client, browser_for, make_therapist


def shown(world: World, **query: Any) -> list[AuditEvent]:
    response = browser_for(world.therapist).get(reverse("audit_log"), query)
    assert response.status_code == 200, response.content[:500]
    return list(response.context["page"])


def test_the_person_filter_shows_what_they_did_and_sign_ins_made_as_them(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    tom = make_therapist("tom", clinic)
    add_client(tom, "Tess Toms")
    Browser(REMOTE_ADDR="198.51.100.1").post(
        reverse("login"), {"username": "tom", "password": "wrong"}
    )
    events = shown(world, person=tom.pk)
    assert {e.action for e in events} == {"client.create", "intake.create", "auth.sign_in_fail"}
    assert all(e.actor == tom or e.object_id == str(tom.pk) for e in events)
    assert "Carol Client" not in {e.client.full_name for e in events if e.client}


def test_the_client_action_and_date_filters(world: World) -> None:
    by_client = shown(world, client=world.client.pk)
    assert by_client and {e.client_id for e in by_client} == {world.client.pk}
    created = shown(world, action="client.create")
    assert [e.action for e in created] == ["client.create"]
    browser_for(world.therapist).get(reverse("progress", args=[world.client.pk]))
    reads = shown(world, action="view")
    assert reads and all(e.action.startswith("view.") for e in reads)
    today = timezone.now().date()
    assert (
        len(shown(world, since=today, until=today))
        == AuditEvent.objects.filter(clinic=world.therapist.therapist.clinic).count()
    )
    assert shown(world, until=today - dt.timedelta(days=1)) == []
    assert shown(world, since=today + dt.timedelta(days=1)) == []


def test_the_filters_survive_the_next_page(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(audit_page, "PER_PAGE", 1)
    response = browser_for(world.therapist).get(reverse("audit_log"), {"client": world.client.pk})
    assert f'href="?client={world.client.pk}&amp;page=2"' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client", "²"),
        ("client", "١"),
        ("client", "9" * 40),
        ("since", "yesterday"),
        ("until", "2026-02-30"),
        ("action", "client.steal"),
        ("person", "abc"),
        ("person", "bea"),  # replaced below by a person of another clinic
    ],
)
def test_a_bad_filter_is_a_field_error(world: World, field: str, value: str) -> None:
    if value == "bea":
        value = str(world.colleague.pk)  # not of this clinic: not a choice
    response = browser_for(world.therapist).get(reverse("audit_log"), {field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert "Carol Client" not in page  # no list at all, not a wider one


def test_dates_in_the_wrong_order_are_a_field_error(world: World) -> None:
    response = browser_for(world.therapist).get(
        reverse("audit_log"), {"since": "2026-03-02", "until": "2026-03-01"}
    )
    assert response.status_code == 400 and 'id="id_until-error"' in response.content.decode()


def test_only_the_clinics_admin_reaches_it_whatever_the_filter(world: World) -> None:
    tom = make_therapist("tom", world.therapist.therapist.clinic)
    for user in (tom, world.outsider):
        assert browser_for(user).get(reverse("audit_log"), {"client": "²"}).status_code == 404
    colleague = browser_for(world.colleague).get(reverse("audit_log"), {"client": world.client.pk})
    assert colleague.status_code == 200 and list(colleague.context["page"]) == []
