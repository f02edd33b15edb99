"""Issue 13 point 3: the API's lists page by an opaque cursor (the `Link` header), every page
costing the same; `offset` still works; a bad cursor is a 422 at `cursor`, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import Client
from support.api import call, token_for
from support.world import SESSION_VALUES, World, add_client


def links(response: Any) -> dict[str, str]:
    """The `Link` header's URLs by rel, as paths under /api/v1."""
    found = re.findall(r'<http://testserver/api/v1([^>]*)>; rel="(\w+)"', response["Link"] or "")
    return {rel: url for url, rel in found}


def walk(token: str, first: str) -> tuple[list[Any], list[dict[str, str]]]:
    """Every item of a list, following `next` from `first`; and each page's links."""
    items: list[Any] = []
    pages: list[dict[str, str]] = []
    url: str | None = first
    while url is not None:
        response = call("get", url, token)
        assert response.status_code == 200, response.content
        items += response.json()
        pages.append(links(response) if response.has_header("Link") else {})
        url = pages[-1].get("next")
    return items, pages


def test_clients_page_by_cursor_forward_and_back(world: World) -> None:
    for name in ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus"]:
        add_client(world.therapist, name)
    token = token_for(world.therapist)
    expected = list(
        Client.objects.filter(therapist__clinic=world.therapist.therapist.clinic)
        .order_by("full_name", "id")
        .values_list("id", flat=True)
    )
    items, pages = walk(token, "/clients?limit=3")
    assert [c["id"] for c in items] == expected and len(pages) == 3
    assert "prev" not in pages[0] and "next" not in pages[-1] and "prev" in pages[-1]
    # Back from the last page: the middle page again.
    back = call("get", pages[-1]["prev"], token)
    middle = call("get", pages[0]["next"], token)
    assert back.json() == middle.json() and len(back.json()) == 3
    first = call("get", links(back)["prev"], token)
    assert [c["id"] for c in first.json()] == expected[:3] and "prev" not in links(first)
    # The old way still works, and reads the same rows.
    assert [c["id"] for c in call("get", "/clients?offset=3&limit=3", token).json()] == (
        expected[3:6]
    )


def test_the_search_keeps_to_the_cursor(world: World) -> None:
    for name in ["Anna A", "Anna B", "Anna C", "Bert"]:
        add_client(world.therapist, name)
    token = token_for(world.therapist)
    items, pages = walk(token, "/clients?limit=2&q=anna")
    assert [c["full_name"] for c in items] == ["Anna A", "Anna B", "Anna C"]
    assert "q=anna" in pages[0]["next"]


def test_a_bad_cursor_is_a_422_at_cursor_and_reads_nothing(world: World) -> None:
    token = token_for(world.therapist)
    add_client(world.therapist, "Zed")
    good = links(call("get", "/clients?limit=1", token))["next"]
    cursor = good.split("cursor=")[1]
    before = AuditEvent.objects.count()
    for bad in [
        "nonsense",
        cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"),  # signature broken
        "x" * 401,
    ]:
        response = call("get", f"/clients?cursor={bad}", token)
        assert response.status_code == 422, bad
        assert response.json()[0]["path"] == "cursor"
    # A cursor of one list is not one of another.
    sessions = call("get", f"/clients/{world.client.pk}/sessions?cursor={cursor}", token)
    assert sessions.status_code == 422 and sessions.json()[0]["path"] == "cursor"
    both = call("get", f"/clients?cursor={cursor}&offset=0", token)
    assert both.status_code == 422 and both.json()[0]["path"] == "cursor"
    assert AuditEvent.objects.count() == before


def test_another_clinics_cursor_reads_nothing_of_theirs(world: World) -> None:
    add_client(world.colleague, "Dora Other")
    theirs = links(call("get", "/clients?limit=1", token_for(world.colleague)))["next"]
    response = call("get", theirs, token_for(world.therapist))
    assert response.status_code == 422 and response.json()[0]["path"] == "cursor"


def test_a_clients_sessions_and_checkins_page_by_cursor(world: World) -> None:
    for day in range(2, 7):
        actions.record_session(
            by=world.therapist,
            client=world.client,
            when=dt.date(2026, 1, 5) + dt.timedelta(days=day),
            values=dict(SESSION_VALUES),
        )
    token = token_for(world.therapist)
    before = AuditEvent.objects.filter(action="view.api.sessions").count()
    items, pages = walk(token, f"/clients/{world.client.pk}/sessions?limit=2")
    assert [s["number"] for s in items] == [1, 2, 3, 4, 5, 6] and len(pages) == 3
    # Each page served is one audited read of the client's record.
    assert AuditEvent.objects.filter(action="view.api.sessions").count() == before + 3
    intakes, _ = walk(token, f"/clients/{world.client.pk}/intakes?limit=1")
    assert [i["id"] for i in intakes] == [world.intake.pk]
    checkins, pages = walk(token, f"/clients/{world.client.pk}/checkins?limit=1")
    assert checkins == [] and pages == [{}]
    outside = call("get", f"/clients/{world.other_client.pk}/sessions", token)
    assert outside.status_code == 404
