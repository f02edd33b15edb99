"""Issue 12 point 4: the clinic admin's audit page filters by person, client, action and date;
a bad filter is a field error (400), never a server error or a silently wider list."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

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
    older = re.search(r'href="\?([^"]*)" rel="next">Older', response.content.decode())
    assert older and older.group(1).startswith(f"client={world.client.pk}&amp;cursor=")


def pages_of(browser: Browser, query: dict[str, Any], rel: str = "next") -> list[list[int]]:
    """The ids on each page, following the `rel` link from the page of `query`."""
    pages: list[list[int]] = []
    url: str | None = reverse("audit_log") + "?" + urlencode(query)
    while url is not None:
        response = browser.get(url)
        assert response.status_code == 200
        pages.append([e.pk for e in response.context["page"]])
        found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', response.content.decode())
        url = reverse("audit_log") + html.unescape(found.group(1)) if found else None
    return pages


def test_older_and_newer_walk_the_filtered_log_by_cursor(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(audit_page, "PER_PAGE", 2)
    for name in ["Ann", "Bob", "Cid"]:
        add_client(world.therapist, name)
    browser = browser_for(world.therapist)
    clinic = world.therapist.therapist.clinic
    # Every row of the clinic, newest first, each once, across the pages.
    expected = list(
        AuditEvent.objects.filter(clinic=clinic).order_by("-at", "-id").values_list("pk", flat=True)
    )
    forward = pages_of(browser, {"action": "client.create"})
    created = list(
        AuditEvent.objects.filter(clinic=clinic, action="client.create")
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
    )
    assert [pk for page in forward for pk in page] == created and len(forward) == 2
    walked = [pk for page in pages_of(browser, {}) for pk in page]
    # (rows written while walking, if any, are newer: at the top)
    assert walked[len(walked) - len(expected) :] == expected and len(set(walked)) == len(walked)
    # Newer from the last page walks back to the first.
    last = reverse("audit_log") + "?" + urlencode({"action": "client.create"})
    response = browser.get(last)
    older = re.search(r'href="(\?[^"]*)" rel="next"', response.content.decode())
    assert older
    back = pages_of(browser, dict(parse_qsl(html.unescape(older.group(1))[1:])), rel="prev")
    assert back == forward[::-1]


def test_a_bad_cursor_is_a_form_error_not_a_wider_list(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(audit_page, "PER_PAGE", 1)
    other = browser_for(world.colleague).get(reverse("audit_log"))
    theirs = re.search(r'cursor=([^"&]*)" rel="next"', other.content.decode())
    assert theirs  # a good cursor, of another clinic's log
    browser = browser_for(world.therapist)
    for bad in ["nonsense", "eyJkIjoibiIsImsiOjF9:forged", html.unescape(theirs.group(1))]:
        response = browser.get(reverse("audit_log") + "?cursor=" + bad)
        assert response.status_code == 400
        assert "Not a cursor of this list" in response.content.decode()
        assert response.context["page"] is None


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
