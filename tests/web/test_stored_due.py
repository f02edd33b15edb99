"""The next session's due date stored per client (issue 13, point 3): written by every action
that changes what it is computed from, equal to `next_session_due` recomputed from the records;
the dashboard's due list read from it is the list the old per-client computation gave, and the
dashboard's queries do not grow with the clinic."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backcare.accounts.models import Clinic
from backcare.clinic import actions, summary
from backcare.clinic.models import Client, IntakeRecord
from backcare.clinic.worklist import DUE_WITHIN, next_session_due, sessions_due
from backcare.core.validation import parse_intake
from support.world import INTAKE, SESSION_VALUES, World, add_client, browser_for, make_therapist


def recomputed(client: Client, *, sessions_done: int | None = None) -> dt.date | None:
    """The due date computed from the records in plain Python, as the dashboard did before it
    was stored: the latest intake's plan and day, the last session not void, and the sessions
    done (not void ones, unless given)."""
    intake = client.intakes.order_by("-created_at", "-id").first()
    if intake is None:
        return None
    kept = sorted(client.sessions.filter(voided_at__isnull=True), key=lambda s: (s.date, s.number))
    plan = intake.assessment.get("plan") or {}
    return next_session_due(
        assessed_on=timezone.localdate(intake.created_at, client.clinic.zone),
        last_session=kept[-1].date if kept else None,
        sessions_done=len(kept) if sessions_done is None else sessions_done,
        sessions_per_week=plan.get("sessions_per_week"),
        planned_sessions=plan.get("planned_sessions"),
    )


def _record(world: World) -> None:
    actions.record_session(
        by=world.therapist, client=world.client, when=dt.date(2026, 1, 9), values=SESSION_VALUES
    )


def _void(world: World) -> None:
    second = actions.record_session(
        by=world.therapist, client=world.client, when=dt.date(2026, 1, 9), values=SESSION_VALUES
    )
    assert Client.objects.get(pk=world.client.pk).next_session_due == dt.date(2026, 1, 16)
    actions.void_session(by=world.therapist, session=second, reason="Recorded in error, sorry.")


def _amend(world: World) -> None:
    # A session's date is not amendable (models.AMENDABLE_FIELDS): an amendment still runs the
    # summary, and the stored date must come out as the records say.
    actions.sign_session(by=world.therapist, session=world.session)
    actions.amend_session(
        by=world.therapist,
        session=world.session,
        changes={"pain_after": 2},
        reason="Pain after was misread from the form.",
    )


def _update(world: World) -> None:
    actions.update_session(by=world.therapist, session=world.session, values={"pain_after": 2})


def _new_intake(world: World) -> None:
    actions.record_intake(by=world.therapist, client=world.client, intake=parse_intake(INTAKE))


def _reassess(world: World) -> None:
    entry = world.client.current_intake
    assert entry is not None
    actions.reassess(by=world.therapist, entry=entry)


def _review(world: World) -> None:
    actions.record_checkin(
        by=None,
        client=world.client,
        when=dt.date(2026, 1, 7),
        pain=3,
        red_flags=["saddle_numbness"],
        actor_label="Carol Client (client, one-time link)",
    )
    assert Client.objects.get(pk=world.client.pk).next_step == "emergency"
    actions.record_review(
        by=world.therapist,
        client=world.client,
        values={
            "date": dt.date(2026, 1, 8),
            "rules": ["RF-CES-SADDLE"],
            "by": "Dr A. Patel",
            "role": "Emergency physician",
            "source": "letter_seen",
            "outcome": "may_resume",
            "note": "MRI normal; no cauda equina.",
        },
        today=dt.date(2026, 1, 8),
    )


def _many_sessions(world: World) -> None:
    entry = world.client.current_intake
    assert entry is not None
    planned = entry.assessment["plan"]["planned_sessions"]
    for n in range(1, planned):  # the world has one already: the course ends complete
        actions.record_session(
            by=world.therapist,
            client=world.client,
            when=dt.date(2026, 1, 5) + dt.timedelta(weeks=n),
            values=SESSION_VALUES,
        )


WRITES: dict[str, Callable[[World], None]] = {
    "record a session": _record,
    "void a session": _void,
    "amend a signed session": _amend,
    "update an unsigned session": _update,
    "a new intake": _new_intake,
    "re-assess": _reassess,
    "check-in and review": _review,
    "every planned session done": _many_sessions,
}
EXPECTED = {
    "record a session": dt.date(2026, 1, 16),  # a week after the 9th
    "void a session": dt.date(2026, 1, 12),  # back to a week after the 5th
    "amend a signed session": dt.date(2026, 1, 12),
    "update an unsigned session": dt.date(2026, 1, 12),
    "a new intake": dt.date(2026, 1, 12),  # the new plan, same sessions
    "re-assess": dt.date(2026, 1, 12),
    "check-in and review": dt.date(2026, 1, 12),
    "every planned session done": None,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_the_stored_due_date_is_the_one_computed_from_the_records(world: World, write: str) -> None:
    before = Client.objects.get(pk=world.client.pk)
    assert before.next_session_due == recomputed(before) == dt.date(2026, 1, 12)
    WRITES[write](world)
    after = Client.objects.get(pk=world.client.pk)
    assert after.next_session_due == recomputed(after)
    assert after.next_session_due == EXPECTED[write]
    # ... and to the sessions done of the stored state, the number the rule is given.
    assert after.next_session_due == recomputed(
        after, sessions_done=(after.outcome or {}).get("sessions_done", 0)
    )


@pytest.mark.parametrize("active", ["UTC", "America/Los_Angeles", "Pacific/Auckland"])
def test_the_course_starts_on_the_assessments_day_in_the_clinics_zone(
    world: World, active: str
) -> None:
    # 12:30 UTC on the 5th is already the 6th in Auckland. Whatever zone the writing request
    # runs in (the API's UTC, a page's clinic zone, the command line's), the stored date is
    # the clinic's: a new client is due on the day it was assessed there.
    Clinic.objects.filter(pk=world.client.clinic_id).update(time_zone="Pacific/Auckland")
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="Nia New"
    )
    with timezone.override(zoneinfo.ZoneInfo(active)):
        actions.record_intake(by=world.therapist, client=client, intake=parse_intake(INTAKE))
        IntakeRecord.objects.filter(client=client).update(
            created_at=dt.datetime(2026, 1, 5, 12, 30, tzinfo=dt.UTC)
        )
        summary.refresh(Client.objects.get(pk=client.pk))
    stored = Client.objects.get(pk=client.pk)
    assert stored.next_session_due == dt.date(2026, 1, 6) == recomputed(stored)


def test_a_client_without_an_intake_has_no_due_date(world: World) -> None:
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="Una Unassessed"
    )
    assert Client.objects.get(pk=client.pk).next_session_due is None
    assert not IntakeRecord.objects.filter(client=client).exists()


def test_recompute_states_fills_the_due_date_of_a_stale_client(world: World) -> None:
    # What migration 0009 leaves: the column empty and the summary marked stale.
    Client.objects.filter(pk=world.client.pk).update(next_session_due=None, state_rules_version="")
    call_command("recompute_states", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Client.objects.get(pk=world.client.pk).next_session_due == dt.date(2026, 1, 12)


def _old_sessions_due(clinic: Clinic, today: dt.date) -> list[tuple[int, dt.date, bool]]:
    """The due list as it was computed before it was stored: every client of the clinic, its
    due date computed in Python, those due within DUE_WITHIN or overdue."""
    found = []
    for client in Client.objects.filter(clinic=clinic):
        if client.next_step in ("emergency", "see_doctor", "reassess"):
            continue
        due = recomputed(client, sessions_done=(client.outcome or {}).get("sessions_done", 0))
        if due is not None and due <= today + DUE_WITHIN:
            found.append((client.pk, due, due < today))
    return sorted(found, key=lambda row: (row[1], row[0]))


def test_the_due_list_of_a_seeded_clinic_is_the_one_computed_client_by_client(db: Any) -> None:
    clinic = Clinic.objects.create(name="Seeded")
    make_therapist("sid", clinic, admin=True)
    call_command(
        "seed_clinic",
        f"--clinic={clinic.pk}",
        "--clients=30",
        "--sessions-per-client=3",
        "--seed=7",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    today = timezone.localdate()
    listed = sessions_due(Client.objects.filter(clinic=clinic), today)
    got = sorted(((d.client.pk, d.due, d.overdue) for d in listed), key=lambda r: (r[1], r[0]))
    expected = _old_sessions_due(clinic, today)
    assert got == expected
    assert len(expected) >= 3  # the seed gives a list worth comparing
    assert [d.due for d in listed] == sorted(d.due for d in listed)  # soonest first
    # Every client's stored date is the one computed from its records.
    for client in Client.objects.filter(clinic=clinic):
        assert client.next_session_due == recomputed(
            client, sessions_done=(client.outcome or {}).get("sessions_done", 0)
        )


def _dashboard_queries(world: World) -> int:
    browser = browser_for(world.therapist)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(queries)


def test_the_dashboards_queries_do_not_grow_with_the_clinic(world: World) -> None:
    today = timezone.localdate()

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            client = add_client(world.therapist, f"Client {i:03}")
            actions.record_session(
                by=world.therapist,
                client=client,
                when=today - dt.timedelta(days=i % 12),
                values=SESSION_VALUES,
            )

    add(4, 0)  # with the world's client: 5 of the clinic
    small = _dashboard_queries(world)
    add(45, 4)  # 50
    large = _dashboard_queries(world)
    assert Client.objects.filter(clinic=world.client.clinic).count() == 50
    assert large == small
    page = browser_for(world.therapist).get(reverse("dashboard")).content.decode()
    assert page.count("data-due-client=") > 5  # the lists were read, not an empty page


def _everyone_page(browser: Any, query: str = "") -> tuple[list[int], str, dict[str, str]]:
    """The "everyone" list's client ids, its heading and its Next/Previous links."""
    response = browser.get(reverse("dashboard") + query)
    assert response.status_code == 200
    page = response.content.decode()
    section = page[page.index('id="everyone-h"') :]
    ids = [int(x) for x in re.findall(r'<tr data-client="(\d+)">', section)]
    heading = re.search(r'id="everyone-h">([^<]*)<', section)
    links = {
        rel: href.replace("&amp;", "&")
        for href, rel in re.findall(r'<a href="([^"]*)#everyone" rel="(next|prev)">', section)
    }
    assert heading is not None
    return ids, heading.group(1), links


def test_everyone_pages_by_keyset_forward_and_back(world: World) -> None:
    for i in range(119):
        actions.create_client(
            by=world.therapist, therapist=world.therapist.therapist, full_name=f"Pat {i % 7} {i}"
        )
    expected = list(
        Client.objects.filter(clinic=world.client.clinic)
        .order_by("full_name", "id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 120
    browser = browser_for(world.therapist)
    seen: list[int] = []
    pages = []
    query = ""
    while True:
        ids, heading, links = _everyone_page(browser, query)
        assert heading == "Everyone (120)"  # the clinic's count on every page
        assert len(ids) <= 50
        seen += ids
        pages.append((query, ids))
        if "next" not in links:
            break
        query = links["next"]
    assert seen == expected  # every client once, in name order
    assert [len(ids) for _, ids in pages] == [50, 50, 20]
    # Previous from the last page is the middle page again.
    ids, _, links = _everyone_page(browser, pages[-1][0])
    back, _, _ = _everyone_page(browser, links["prev"])
    assert back == pages[1][1]
    # A cursor that is not this list's shows the first page, not an error.
    first, _, _ = _everyone_page(browser, "?cursor=not-a-cursor")
    assert first == expected[:50]


def test_a_search_still_counts_what_it_kept_and_pages_within_it(world: World) -> None:
    for i in range(55):
        actions.create_client(
            by=world.therapist, therapist=world.therapist.therapist, full_name=f"Smith {i}"
        )
    browser = browser_for(world.therapist)
    ids, heading, links = _everyone_page(browser, "?q=smi")
    assert heading == "Everyone (55)" and len(ids) == 50
    page = browser.get(reverse("dashboard") + "?q=smi").content.decode()
    assert 'data-matches="55"' in page and "55 clients match" in page
    rest, _, _ = _everyone_page(browser, links["next"])
    assert len(rest) == 5 and not set(rest) & set(ids)
    assert all(Client.objects.get(pk=pk).full_name.startswith("Smith") for pk in [*ids, *rest])
