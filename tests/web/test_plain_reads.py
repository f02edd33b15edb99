"""The reads made on every client page and every write (issue 13) are plain queries
(lib/rows.py): `access.get_client` and `Client.current_intake` give what the ORM gives, to the
last field, and refuse what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from backcare.clinic import access, actions
from backcare.clinic.models import Client
from backcare.core.validation import parse_intake
from support.api import call, token_for
from support.world import INTAKE, World


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_client_is_the_one_the_orm_reads_with_its_clinic(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        client = access.get_client(world.therapist, world.client.pk)
        assert client.clinic.name  # the therapist's, already read: no query for it
    assert len(queries) == 1
    assert _fields(client) == _fields(Client.objects.get(pk=world.client.pk))
    assert client.outcome == Client.objects.get(pk=world.client.pk).outcome  # JSON, decoded
    assert client.outcome is not None and client.last_contact is not None


def test_another_clinics_client_or_an_id_past_the_column_is_404(world: World) -> None:
    for client_id in (world.other_client.pk, 0, -1, 2**63, 10**30):
        with pytest.raises(Http404):
            access.get_client(world.therapist, client_id)
    token = token_for(world.therapist)
    assert call("get", f"/clients/{10**30}", token).status_code == 404
    assert call("get", f"/clients/{world.other_client.pk}", token).status_code == 404


def test_the_current_intake_is_the_latest_as_the_orm_orders_them(world: World) -> None:
    first = world.client.current_intake
    assert first is not None and _fields(first) == _fields(world.intake)
    later = actions.record_intake(
        by=world.therapist, client=world.client, intake=parse_intake({**INTAKE, "age": 46})
    )
    for client in (world.client, Client.objects.get(pk=world.client.pk)):
        current = client.current_intake
        assert current is not None and current.pk == later.pk
        expected = client.intakes.order_by("-created_at", "-id").first()
        assert _fields(current) == _fields(expected)
        assert current.document["age"] == 46 and current.created_at.tzinfo is not None
    assert world.other_client.intakes.exists()
    new = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name="New Client"
    )
    assert new.current_intake is None
