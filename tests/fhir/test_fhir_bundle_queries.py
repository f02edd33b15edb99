"""Issue 13 point 3: the FHIR bundle's queries do not grow with the number of sessions or
check-ins (one query per kind of record, never one per record)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from backcare.clinic import actions
from backcare.clinic.models import Client
from backcare.fhir.bundle import client_bundle
from support.api import call, token_for
from support.world import SESSION_VALUES, World


def grow(world: World, sessions: int) -> None:
    """Sessions (signed, one amended) and check-ins up to `sessions` each."""
    client = world.client
    for n in range(client.sessions.count(), sessions):
        day = dt.date(2026, 1, 6) + dt.timedelta(days=2 * n)
        made = actions.record_session(
            by=world.therapist, client=client, when=day, values=dict(SESSION_VALUES)
        )
        actions.sign_session(by=world.therapist, session=made)
        if n % 3 == 0:
            actions.amend_session(
                by=world.therapist,
                session=made,
                changes={"pain_after": 2},
                reason="typo",
                override={"confirm": False, "reason_kind": None, "reason": None},
            )
        actions.record_checkin(
            by=world.therapist, client=client, when=day + dt.timedelta(days=1), pain=3,
            peg=Decimal("3"), rmdq=None, odi=None, side_effects=["soreness"],
            side_effect_hours=Decimal("5"), red_flags=[], source="therapist",
        )  # fmt: skip


def queries_for(world: World) -> tuple[int, int]:
    client = Client.objects.get(pk=world.client.pk)
    with CaptureQueriesContext(connection) as captured:
        bundle = client_bundle(client)
    procedures = sum(e["resource"]["resourceType"] == "Procedure" for e in bundle["entry"])
    return len(captured), procedures


def test_the_bundles_queries_do_not_grow_with_the_sessions(world: World) -> None:
    grow(world, 2)
    few, procedures = queries_for(world)
    assert procedures == 2
    grow(world, 20)
    many, procedures = queries_for(world)
    assert procedures == 20
    assert many == few, f"{few} queries for 2 sessions, {many} for 20"


def test_the_api_export_of_the_bundle_does_not_grow_either(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/fhir"

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = call("get", url, token)
        assert response.status_code == 200
        return len(captured)

    grow(world, 2)
    count()  # the token's first use is written once; the counts below are steady
    few = count()
    grow(world, 20)
    assert count() == few
