"""The dashboard as a work list (issue 15, point 3): attention first, then the notes to sign,
then the sessions the plan has due or overdue, then everyone; a search that says what it kept
and a link that clears it."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.models import Client
from backcare.clinic.worklist import next_session_due
from support.states import emergency_at_intake
from support.world import SESSION_VALUES, World, add_client, browser_for

MON = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("last", "done", "per_week", "planned", "due"),
    [
        (None, 0, 1, 10, MON),  # no session yet: due on the day of the assessment
        (MON, 1, 1, 10, MON + dt.timedelta(days=7)),  # once a week
        (MON, 1, 2, 10, MON + dt.timedelta(days=3)),  # twice: every 3 days, never later
        (MON, 1, 3, 10, MON + dt.timedelta(days=2)),
        (MON, 1, 7, 10, MON + dt.timedelta(days=1)),
        (MON, 1, 14, 10, MON + dt.timedelta(days=1)),  # at most one a day
        (MON, 9, 1, 10, MON + dt.timedelta(days=7)),  # the last planned session still due
        (MON, 10, 1, 10, None),  # every planned session done
        (MON, 12, 1, 10, None),
        (None, 0, None, None, None),  # no plan (massage does not proceed)
        (None, 0, 0, 10, None),  # no sessions a week
        (None, 0, 1, None, None),
    ],
)
def test_next_session_due(
    last: dt.date | None, done: int, per_week: int | None, planned: int | None, due: Any
) -> None:
    got = next_session_due(
        assessed_on=MON,
        last_session=last,
        sessions_done=done,
        sessions_per_week=per_week,
        planned_sessions=planned,
    )
    assert got == due


class Rows(HTMLParser):
    """Each element carrying `attr`: its attributes, its text and the links inside it."""

    def __init__(self, attr: str) -> None:
        super().__init__()
        self.attr, self.rows, self._open = attr, [], []  # type: ignore[var-annotated]
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a":
            self.links.append(found)
            for row in self._open:
                row["links"].append(found)
        if self.attr in found:
            row = {"tag": tag, "attrs": found, "text": "", "links": []}
            self.rows.append(row)
            self._open.append(row)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1]["tag"] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for row in self._open:
            row["text"] += data


def rows(html: str, attr: str) -> list[dict[str, Any]]:
    parser = Rows(attr)
    parser.feed(html)
    return parser.rows


def dashboard(browser: Browser, **params: str) -> str:
    response = browser.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_two_unsigned_notes_are_listed_oldest_first_with_who_recorded_them(world: World) -> None:
    browser = browser_for(world.therapist)
    second = actions.record_session(
        by=world.therapist, client=world.client, when=dt.date(2026, 1, 12), values=SESSION_VALUES
    )
    page = dashboard(browser)
    listed = rows(page, "data-unsigned-session")
    assert [int(r["attrs"]["data-unsigned-session"]) for r in listed] == [
        world.session.pk,
        second.pk,
    ]
    for row, session in zip(listed, (world.session, second), strict=True):
        assert "Carol Client" in row["text"]
        assert world.therapist.therapist.display_name in row["text"]  # who recorded it
        hrefs = [link["href"] for link in row["links"]]
        assert reverse("session_detail", args=[world.client.pk, session.pk]) in hrefs
    # The link leads to the sign button.
    sign_page = browser.get(listed[0]["links"][-1]["href"]).content.decode()
    assert reverse("session_sign", args=[world.client.pk, world.session.pk]) in sign_page

    # Signed (which leaves the client's record version as it is): gone on the next request.
    actions.sign_session(by=world.therapist, session=world.session)
    listed = rows(dashboard(browser), "data-unsigned-session")
    assert [int(r["attrs"]["data-unsigned-session"]) for r in listed] == [second.pk]
    # A void session is not a note to sign.
    actions.void_session(by=world.therapist, session=second, reason="Recorded in error, sorry.")
    assert rows(dashboard(browser), "data-unsigned-session") == []
    assert "Every note is signed." in dashboard(browser)


def test_the_unsigned_notes_are_the_clinics_own(world: World) -> None:
    theirs = actions.record_session(
        by=world.colleague,
        client=world.other_client,
        when=dt.date(2026, 1, 6),
        values=SESSION_VALUES,
    )
    ours = rows(dashboard(browser_for(world.therapist)), "data-unsigned-session")
    assert [int(r["attrs"]["data-unsigned-session"]) for r in ours] == [world.session.pk]
    assert theirs.pk not in [int(r["attrs"]["data-unsigned-session"]) for r in ours]


def test_an_overdue_client_is_listed_with_the_date_the_plan_had_the_session(
    world: World,
) -> None:
    today = timezone.localdate()
    assert world.client.current_intake is not None
    plan = world.client.current_intake.assessment["plan"]
    assert plan["sessions_per_week"] == 1  # the default plan: weekly
    fresh = add_client(world.therapist, "Fay Fresh")  # assessed today, no session yet
    emergency = emergency_at_intake(world.therapist).client
    unassessed = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="Una Unassessed"
    )
    done = add_client(world.therapist, "Dora Done")
    for n in range(plan["planned_sessions"]):
        actions.record_session(
            by=world.therapist,
            client=done,
            when=today - dt.timedelta(days=70 - 7 * n),
            values=SESSION_VALUES,
        )

    due = {
        int(r["attrs"]["data-due-client"]): r
        for r in rows(dashboard(browser_for(world.therapist)), "data-due-client")
    }
    # Carol's one session was on 2026-01-05: the next was due a week later, long overdue.
    carol = due[world.client.pk]
    assert carol["attrs"]["data-due"] == "2026-01-12" and "data-overdue" in carol["attrs"]
    assert "Overdue" in carol["text"] and "Carol Client" in carol["text"]
    assert due[fresh.pk]["attrs"]["data-due"] == today.isoformat()
    assert "data-overdue" not in due[fresh.pk]["attrs"]
    assert emergency.pk not in due  # an emergency first, never a massage "due"
    assert done.pk not in due  # every planned session done
    assert unassessed.pk not in due  # no intake, no plan
    assert list(due) == [world.client.pk, fresh.pk]  # soonest first


def test_a_search_says_what_it_kept_and_can_be_cleared(world: World) -> None:
    for name in ("Sam Smith", "Ann Smithers", "Kasmi Osei", "Bob Brown"):
        actions.create_client(
            by=world.therapist, therapist=world.therapist.therapist, full_name=name
        )
    browser = browser_for(world.therapist)
    for page in (
        dashboard(browser, q="smi"),
        browser.get(reverse("dashboard"), {"q": "smi"}, HTTP_HX_REQUEST="true").content.decode(),
    ):
        (summary,) = rows(page, "data-matches")
        assert summary["attrs"]["data-matches"] == "3"
        assert "3 clients match “smi”" in summary["text"]
        (clear,) = summary["links"]
        assert clear["href"] == reverse("dashboard") and "Clear the search" in summary["text"]
        everyone = [r["text"] for r in rows(page, "data-client")]
        assert len(everyone) == 3 and not any("Bob Brown" in t for t in everyone)
        assert "No one matching “smi” needs attention." in page
        assert "No one needs attention right now." not in page
    single = dashboard(browser, q="brown")
    assert "1 client matches “brown”" in single
    cleared = dashboard(browser)
    assert rows(cleared, "data-matches") == []
    assert (
        len(rows(cleared, "data-client"))
        == Client.objects.filter(clinic=world.client.clinic).count()
    )


def test_everyone_shows_each_clients_therapist_and_last_contact_as_they_are_now(
    world: World,
) -> None:
    browser = browser_for(world.therapist)
    (row,) = rows(dashboard(browser), "data-client")
    assert "Alice" in row["text"] and "Carol Client" in row["text"]
    assert str(world.client.pk) == row["attrs"]["data-client"]
    therapist = world.therapist.therapist
    therapist.display_name = "Alice Renamed"
    therapist.save()
    (row,) = rows(dashboard(browser), "data-client")
    assert "Alice Renamed" in row["text"]


def test_the_dashboards_read_is_audited_once_without_a_client(world: World) -> None:
    dashboard(browser_for(world.therapist), q="car")
    (event,) = AuditEvent.objects.filter(action="view.dashboard")
    assert event.client_id is None
