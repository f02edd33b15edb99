"""The write path of a session (issue 13, point 2): the course is read once per write, the
client's stored summary is the one a fresh computation gives, and the number of queries of one
write does not grow with the length of the course."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backcare.clinic import actions, course
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


def _course_from_models(client: Client) -> dict[str, object]:
    """The course built from model instances, as course_document was before it read plain
    rows: the reference the plain SQL must match on each database."""
    intake = client.current_intake
    assert intake is not None

    def number(value: object) -> object:
        if value is None:
            return None
        as_float = float(value)  # type: ignore[arg-type]
        return int(as_float) if as_float.is_integer() else as_float

    sessions = []
    for s in client.sessions.filter(voided_at__isnull=True).order_by("number"):
        v = s.current_values()
        sessions.append({
            "number": s.number, "date": s.date.isoformat(), "pain_before": v["pain_before"],
            "pain_after": v["pain_after"], "techniques": list(v["techniques"]),
            "pressure": v["pressure"], "side_effects": list(v["side_effects"]),
            "side_effect_hours": number(v["side_effect_hours"]),
            "new_red_flags": dict.fromkeys(v["new_red_flags"], True),
        })  # fmt: skip
    followups = [
        {
            "date": c.date.isoformat(),
            "pain": c.pain,
            "rmdq": c.rmdq,
            "odi": number(c.odi),
            "peg": number(c.peg),
            "side_effects": list(c.side_effects),
            "side_effect_hours": number(c.side_effect_hours),
            "new_red_flags": dict.fromkeys(c.red_flags, True),
        }
        for c in client.checkins.order_by("created_at", "id")
    ]
    return {
        "schema": "backcare.course/1",
        "intake": intake.document,
        "baseline": course.baseline_of(intake),
        "sessions": sessions,
        "followups": followups,
        "reviews": [r.to_contract() for r in client.reviews.order_by("created_at", "id")],
    }


LATE = "entered after the visit"


def test_the_course_read_as_plain_rows_is_the_one_the_models_give(world: World) -> None:
    """Amended values (hours as text, lists, a pressure), a voided session, check-ins with
    decimal scores and warning signs, and a review: every column of the course, on SQLite and
    on PostgreSQL (the PostgreSQL pass runs tests/web)."""
    signed = _session(world, 7, side_effects=["soreness"], side_effect_hours=Decimal("12.5"))
    actions.sign_session(by=world.therapist, session=signed)
    voided = _session(world, 14, pain_after=6)
    actions.void_session(by=world.therapist, session=voided, reason="wrong client")
    _session(world, 21, pain_before=4, pain_after=0)
    for changes in (
        {"side_effect_hours": Decimal("36")},
        {"pressure": "light", "techniques": ["swedish"]},
        {"pain_after": 2, "new_red_flags": ["saddle_numbness"]},
    ):
        with contextlib.suppress(actions.ActionError):  # a §6a prompt: confirm it
            actions.amend_session(
                by=world.therapist, session=signed, changes=changes, reason="typo"
            )
            continue
        actions.amend_session(
            by=world.therapist,
            session=signed,
            changes=changes,
            reason="typo",
            override={"confirm": True, "reason_kind": "recorded_after_the_fact", "reason": LATE},
        )
    for day, values in (
        (22, {"pain": 3, "peg": Decimal("4.3"), "odi": Decimal("22.5"), "rmdq": 7}),
        (20, {"pain": 5, "side_effects": ["bruising"], "side_effect_hours": Decimal("48.5")}),
        (23, {"pain": 2, "red_flags": ["fever"]}),
    ):
        actions.record_checkin(
            by=world.therapist, client=world.client, source="therapist",
            when=dt.date(2026, 1, 5) + dt.timedelta(days=day), **values,  # type: ignore[arg-type]
        )  # fmt: skip
    actions.record_review(
        by=world.therapist,
        client=world.client,
        values={
            "date": dt.date(2026, 2, 1),
            "rules": ["AL-FEVER"],
            "by": "Dr N. Okafor",
            "role": "GP",
            "source": "clinician_contacted",
            "outcome": "may_resume",
            "note": "Fine.",
        },
        today=dt.date(2026, 2, 2),
    )
    client = Client.objects.get(pk=world.client.pk)
    document = course.course_document(client)
    assert document == _course_from_models(client)
    amended = document["sessions"][1]  # the world's own session is the first
    assert amended["side_effect_hours"] == 36 and amended["pressure"] == "light"
    assert amended["new_red_flags"] == {"saddle_numbness": True}
    assert [f["date"] for f in document["followups"]] == ["2026-01-27", "2026-01-25", "2026-01-28"]
    assert document["followups"][0]["peg"] == 4.3
    assert document["followups"][1]["side_effect_hours"] == 48.5
    assert [s["number"] for s in document["sessions"]] == [1, 2, 4]
