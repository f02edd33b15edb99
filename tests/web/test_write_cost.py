"""The write path of a session (issue 13, point 2): the course is read once per write, the
client's stored summary is the one a fresh computation gives, and the number of queries of one
write does not grow with the length of the course."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backcare.clinic import actions
from backcare.clinic.models import Client
from backcare.clinic.summary import refresh
from support.world import SESSION_VALUES, World

SUMMARY = (
    "attention", "attention_reason", "next_step", "status", "last_contact",
    "assessment_changed", "alerts_to_acknowledge", "outcome", "state_rules_version",
)  # fmt: skip


def _summary(client: Client) -> dict[str, object]:
    client.refresh_from_db()
    return {name: getattr(client, name) for name in SUMMARY}


def _session(world: World, day: int, **values: object) -> object:
    return actions.record_session(
        by=world.therapist,
        client=world.client,
        when=dt.date(2026, 1, 5) + dt.timedelta(days=day),
        values={**SESSION_VALUES, **values},
        override={"confirm": True, "reason_kind": "recorded_after_the_fact", "reason": "test"},
    )


def test_the_summary_a_write_stores_is_the_one_computed_afresh(world: World) -> None:
    amended = _session(world, 7, pain_after=5)
    actions.sign_session(by=world.therapist, session=amended)
    actions.amend_session(
        by=world.therapist, session=amended, changes={"pain_after": 1}, reason="typo"
    )
    voided = _session(world, 14, pain_after=6)
    actions.void_session(by=world.therapist, session=voided, reason="wrong client")
    _session(world, 21, pain_before=4, pain_after=0)
    stored = _summary(world.client)
    version = world.client.record_version
    refresh(world.client)  # from the database, as recompute_states does
    assert _summary(world.client) == stored
    assert world.client.record_version == version + 1
    assert stored["status"] and stored["outcome"]["sessions_done"] == 3


def test_a_session_dated_before_the_course_is_refused_voided_ones_aside(world: World) -> None:
    late = _session(world, 30)
    actions.void_session(by=world.therapist, session=late, reason="wrong date")
    _session(world, 10)  # before the voided one, after the course's last: allowed
    with pytest.raises(actions.ActionError) as refused:
        _session(world, 9)
    assert "before the previous one (2026-01-15)" in refused.value.errors["date"][0]


def test_one_writes_queries_do_not_grow_with_the_course(world: World) -> None:
    def queries_of_one_write(day: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            _session(world, day)
        return len(queries)

    short = queries_of_one_write(7)  # a course of two sessions
    for day in range(14, 14 + 7 * 10, 7):
        _session(world, day)
    assert queries_of_one_write(200) == short  # a course of thirteen
