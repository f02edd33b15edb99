"""Clients in each kind of clinical state, built only through the actions (and, where the client
reports alone, through their own one-time check-in link), for tests that check every surface
shows the one state (`clinic.course.state_of`).

Each builder takes the therapist who records and answers a `Built`: the client, and the page the
client saw on their own screen when the state came from their check-in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as Browser

from backcare.clinic import actions
from backcare.clinic.models import Client
from support.checkin_link import post_checkin
from support.world import INTAKE, SESSION_VALUES, add_client

START = dt.date(2026, 3, 2)  # the first session; later visits a week apart


def day(week: int) -> dt.date:
    return START + dt.timedelta(weeks=week)


@dataclass(frozen=True)
class Built:
    key: str
    client: Client
    # The page the client saw on submitting their own check-in (None: no check-in of theirs).
    client_screen: str | None = None


def session(user: User, client: Client, week: int, **values: Any) -> None:
    """A session within the assessment (pain before/after and anything else in `values`)."""
    actions.record_session(
        by=user, client=client, when=day(week), values=dict(SESSION_VALUES) | values
    )


def portal_checkin(user: User, client: Client, **answers: Any) -> str:
    """The client checks in through a one-time link, as they would from their phone; answers the
    page they were shown."""
    _, token = actions.create_link(by=user, client=client, purpose="checkin")
    # The warning signs need an answer ("None of these" is one), and so do the cauda equina
    # questions when numbness or weakness opens them (issue 11, §6b).
    # The link asks the rest (support/checkin_link.py) and dates it the day it is sent.
    form = {"red_flags": ["none"], "cauda_equina": ["none"]}
    form |= {k: v for k, v in answers.items() if v is not None}
    response = post_checkin(Browser(), token, form)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert client.checkins.count() >= 1
    return response.content.decode()


def emergency_at_intake(user: User) -> Built:
    intake = INTAKE | {"red_flags": {"saddle_numbness": True}}
    return Built("emergency_at_intake", add_client(user, "Emma Emergency", intake))


def urgent_referral(user: User) -> Built:
    intake = INTAKE | {"red_flags": {"unexplained_weight_loss": True}}
    return Built("urgent_referral", add_client(user, "Una Urgent", intake))


def cleared(user: User) -> Built:
    # A past cancer without concerning features (lumbar, chronic, not severe) fires the
    # clearable RF-CANCER-HISTORY-ROUTINE; the GP's clearance names it.
    intake = INTAKE | {
        "age": 60,
        "red_flags": {"history_of_cancer": True},
        "clearances": [
            {
                "rule": "RF-CANCER-HISTORY-ROUTINE",
                "date": "2026-02-20",
                "by": "Dr J. Singh, GP",
                "note": "Imaging clear; mechanical pain.",
            }
        ],
    }
    client = add_client(user, "Clara Cleared", intake)
    session(user, client, 0, pain_before=6, pain_after=5)
    return Built("cleared", client)


def warning_at_session(user: User) -> Built:
    client = add_client(user, "Sam Session")
    session(user, client, 0, pain_before=6, pain_after=4)
    session(user, client, 1, pain_before=5, pain_after=4, new_red_flags=["fever"])
    return Built("warning_at_session", client)


def warning_at_checkin(user: User) -> Built:
    client = add_client(user, "Cora Checkin")
    session(user, client, 0, pain_before=6, pain_after=4)
    screen = portal_checkin(user, client, pain=5, red_flags=["saddle_numbness"])
    return Built("warning_at_checkin", client, screen)


def reviewed(user: User) -> Built:
    client = add_client(user, "Rita Reviewed")
    session(user, client, 0, pain_before=6, pain_after=4)
    actions.record_checkin(
        by=None,
        client=client,
        when=day(1),
        pain=5,
        red_flags=["saddle_numbness"],
        actor_label="Rita Reviewed (client, one-time link)",
    )
    actions.record_review(
        by=user,
        client=client,
        values={
            "date": day(2),
            "rules": ["RF-CES-SADDLE"],
            "by": "Dr A. Patel",
            "role": "Emergency physician",
            "source": "letter_seen",
            "outcome": "may_resume",
            "note": "MRI normal; no cauda equina.",
        },
        today=day(2),
    )
    return Built("reviewed", client)


def worsening(user: User) -> Built:
    client = add_client(user, "Will Worse")
    session(user, client, 0, pain_before=6, pain_after=5)
    screen = portal_checkin(user, client, pain=8)
    return Built("worsening", client, screen)


def plateau(user: User) -> Built:
    client = add_client(user, "Pat Plateau")
    for week in range(5):
        session(user, client, week, pain_before=6, pain_after=5)
    return Built("plateau", client)


def fine(user: User) -> Built:
    client = add_client(user, "Fay Fine")
    session(user, client, 0, pain_before=6, pain_after=4)
    session(user, client, 1, pain_before=4, pain_after=3)
    screen = portal_checkin(user, client, pain=3)
    return Built("fine", client, screen)


BUILDERS: dict[str, Callable[[User], Built]] = {
    b.__name__: b
    for b in (
        emergency_at_intake,
        urgent_referral,
        cleared,
        warning_at_session,
        warning_at_checkin,
        reviewed,
        worsening,
        plateau,
        fine,
    )
}
STATES = tuple(BUILDERS)
# The states whose latest event is the client's own check-in (their screen is checked too).
CLIENT_REPORTED = tuple(k for k in STATES if k in ("warning_at_checkin", "worsening", "fine"))


def build(key: str, user: User) -> Built:
    built = BUILDERS[key](user)
    built.client.refresh_from_db()
    return built
