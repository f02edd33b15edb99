"""Pages show the record as it is now: the progress page's body is a cached template fragment,
keyed on the client's own record version and the rules' version, and everything else on a page
(names, the CSRF token, the dashboard's lists) is rendered on every request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backcare.clinic import actions, views
from backcare.clinic.models import Client
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_intake
from backcare.core.wording import ALERT_NAME
from support.two_factor import sign_in_both_factors
from support.world import INTAKE, SESSION_VALUES, World, browser_for, make_therapist


def progress(browser: Browser, client: Client) -> str:
    response = browser.get(reverse("progress", args=[client.pk]))
    assert response.status_code == 200
    return response.content.decode()


def pain_row(page: str) -> tuple[str, str]:
    """The progress table's pain baseline and latest value."""
    found = re.search(r"<tr><td>Pain</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert found is not None
    return found.group(1), found.group(2)


def test_the_progress_page_shows_each_change_on_the_very_next_request(world: World) -> None:
    browser = browser_for(world.therapist)
    user, client = world.therapist, world.client
    page = progress(browser, client)  # the body's fragment is now cached
    assert "after 1 session." in page and pain_row(page) == ("6", "6")

    # A session recorded.
    second = actions.record_session(
        by=user,
        client=client,
        when=dt.date(2026, 1, 12),
        values=dict(SESSION_VALUES) | {"pain_before": 5, "pain_after": 3},
    )
    page = progress(browser, client)
    assert "after 2 sessions." in page and pain_row(page) == ("6", "5")

    # An amendment of a signed session.
    actions.sign_session(by=user, session=second)
    actions.amend_session(
        by=user, session=second, changes={"pain_before": 4}, reason="Typed 5 for 4."
    )
    assert pain_row(progress(browser, client)) == ("6", "4")

    # A check-in, then one with a warning sign (an emergency, on the dashboard too).
    actions.record_checkin(by=user, client=client, when=dt.date(2026, 1, 14), pain=3)
    page = progress(browser, client)
    assert pain_row(page) == ("6", "3") and "the check-in of 14 Jan 2026" in page
    actions.record_checkin(
        by=user, client=client, when=dt.date(2026, 1, 15), pain=3, red_flags=["saddle_numbness"]
    )
    page = progress(browser, client)
    assert 'data-next-step="emergency"' in page
    assert ALERT_NAME["AL-NEW-RED-FLAG"] in browser.get(reverse("dashboard")).content.decode()

    # A medical review of it.
    actions.record_review(
        by=user,
        client=client,
        values={
            "date": dt.date(2026, 1, 16),
            "rules": ["RF-CES-SADDLE"],
            "by": "Dr A. Patel",
            "role": "Emergency physician",
            "source": "letter_seen",
            "outcome": "may_resume",
            "note": "MRI normal; no cauda equina.",
        },
        today=dt.date(2026, 1, 16),
    )
    assert 'data-next-step="emergency"' not in progress(browser, client)

    # A session voided, and a new intake (a new baseline).
    actions.void_session(by=user, session=second, reason="Recorded for the wrong client.")
    assert "after 1 session." in progress(browser, client)
    actions.record_intake(
        by=user,
        client=client,
        intake=parse_intake(INTAKE | {"pain": INTAKE["pain"] | {"intensity": 8}}),
    )
    assert pain_row(progress(browser, client))[0] == "8"


def test_names_show_as_they_are_now_on_the_progress_page_and_the_dashboard(
    world: World,
) -> None:
    browser = browser_for(world.therapist)
    client = world.client
    dashboard = reverse("dashboard")
    assert "Carol Client" in progress(browser, client)
    assert "Carol Client" in browser.get(dashboard).content.decode()
    assert "Carol Client" in browser.get(dashboard, {"q": "car"}).content.decode()

    actions.update_client(by=world.therapist, client=client, full_name="Carla Renamed")
    page = progress(browser, client)
    assert "Carla Renamed" in page and "Carol Client" not in page
    for listed in (
        browser.get(dashboard).content.decode(),
        browser.get(dashboard, {"q": "car"}).content.decode(),
        browser.get(dashboard, {"q": "car"}, HTTP_HX_REQUEST="true").content.decode(),
    ):
        assert "Carla Renamed" in listed and "Carol Client" not in listed

    actions.create_client(by=world.therapist, therapist=world.therapist.therapist, full_name="Cy")
    assert ">Cy</a>" in browser.get(dashboard).content.decode()


def test_each_clinic_sees_its_own_clients_even_at_the_same_versions(world: World) -> None:
    # Dan (the other clinic's only client) gets as many versions as Carol has: both clinics'
    # client lists are then at one client and the same sum of record versions.
    actions.record_checkin(
        by=world.colleague, client=world.other_client, when=dt.date(2026, 1, 9), pain=5
    )
    versions = sorted(Client.objects.values_list("clinic_id", "record_version"))
    assert [v for _, v in versions] == [2, 2] and len({c for c, _ in versions}) == 2
    ours = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    theirs = browser_for(world.colleague).get(reverse("dashboard")).content.decode()
    assert "Carol Client" in ours and "Dan Other" not in ours
    assert "Dan Other" in theirs and "Carol Client" not in theirs


def test_every_viewer_gets_their_own_csrf_token_and_their_own_name(world: World) -> None:
    url = reverse("progress", args=[world.client.pk])
    tokens = []
    dora = make_therapist("dora", world.therapist.therapist.clinic)
    for user in (world.therapist, world.therapist, dora):
        browser = sign_in_both_factors(Browser(enforce_csrf_checks=True), user)
        page = browser.get(url).content.decode()
        assert user.therapist.display_name in page
        others = {"alice", "dora"} - {user.username}
        assert not any(name.title() in page for name in others)  # not an earlier viewer's
        (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        tokens.append(token)
        signed_out = browser.post(reverse("logout"), {"csrfmiddlewaretoken": token})
        assert signed_out.status_code == 302  # the token works: CSRF checks are on
        assert browser.get(url).status_code == 302  # and the user is signed out
    assert len(set(tokens)) == 3


def test_the_navigation_shows_who_is_signed_in_as_they_are_now(world: World) -> None:
    """The header's links and names are a fragment cached per therapist: a new name, a renamed
    clinic or a new role shows on the very next request."""
    browser = browser_for(world.therapist)
    url = reverse("progress", args=[world.client.pk])
    audit = f'href="{reverse("audit_log")}"'
    therapist = world.therapist.therapist
    therapist.is_clinic_admin = False
    therapist.save()
    page = browser.get(url).content.decode()
    assert f"{therapist.display_name} · {therapist.clinic.name}" in page and audit not in page

    therapist.display_name = "Alice Renamed"
    therapist.save()
    page = browser.get(url).content.decode()
    assert f"Alice Renamed · {therapist.clinic.name}" in page and audit not in page

    therapist.clinic.name = "Renamed Clinic"
    therapist.clinic.save()
    assert "Alice Renamed · Renamed Clinic" in browser.get(url).content.decode()

    therapist.is_clinic_admin = True
    therapist.save()
    assert audit in browser.get(url).content.decode()


def test_new_rules_give_a_fresh_progress_body(world: World, monkeypatch: Any) -> None:
    """A rules upgrade changes what the body says without any change to the record: the body
    is keyed on the rules' version too."""
    browser = browser_for(world.therapist)
    current = load_tables()
    page = progress(browser, world.client)
    assert "Meaningful change: " in page and "NEW-SOURCE" not in page

    newer = dataclasses.replace(current, version=current.version + "-next")
    monkeypatch.setattr(views, "load_tables", lambda: newer)
    said = views.meaningful_change()
    monkeypatch.setattr(views, "meaningful_change", lambda: said | {"sources": ["NEW-SOURCE"]})
    assert "Meaningful change: NEW-SOURCE." in progress(browser, world.client)


@pytest.mark.parametrize("writes", ["session", "checkin", "client"])
def test_a_write_touches_no_row_shared_by_the_clinic(world: World, writes: str) -> None:
    """Writes for different clients of one clinic do not wait for each other on a clinic-wide
    row: an action updates and locks only its own client's rows."""
    user, client = world.therapist, world.client
    with CaptureQueriesContext(connection) as queries:
        if writes == "session":
            actions.record_session(
                by=user, client=client, when=dt.date(2026, 1, 12), values=dict(SESSION_VALUES)
            )
        elif writes == "checkin":
            actions.record_checkin(by=user, client=client, when=dt.date(2026, 1, 9), pain=4)
        else:
            actions.create_client(by=user, therapist=user.therapist, full_name="Nora New")
    sql = [q["sql"] for q in queries.captured_queries]
    updates = [s for s in sql if s.lstrip().upper().startswith("UPDATE") or "FOR UPDATE" in s]
    assert updates if writes != "client" else not updates  # the client's own summary row
    assert not [s for s in updates if re.search(r'"accounts_(clinic|therapist)"', s)]
