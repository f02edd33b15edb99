"""Issue 13 point 3: the dashboard's search by name or email uses an index on PostgreSQL (a
trigram GIN index, clinic migration 0007) and finds the same clients on both databases."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import access, actions
from backcare.clinic.models import Client
from backcare.clinic.views import _searched
from support.world import World, browser_for

NAMES = [
    ("Ada Ölmez", "ada@example.org"),
    ("Bartholomew Smith", "bart@smith.example"),
    ("Cara Smithson", ""),
    ("Dev Patel", "dev.patel@example.org"),
    ("Eve O'Brien", "eve@obrien.example"),
]


def found(world: World, query: str) -> set[str]:
    response = browser_for(world.therapist).get(
        reverse("dashboard"), {"q": query}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    everyone = response.context["lists"]["everyone"]
    return {c.full_name for c in everyone}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith", {"Bartholomew Smith", "Cara Smithson"}),
        ("SMITH", {"Bartholomew Smith", "Cara Smithson"}),
        ("example.org", {"Ada Ölmez", "Dev Patel"}),
        ("o'bri", {"Eve O'Brien"}),
        # (as typed: SQLite's LIKE folds the case of ASCII letters only, so "ölmez" finds
        # "Ölmez" on PostgreSQL and not on SQLite)
        ("Ölmez", {"Ada Ölmez"}),
        ("pa", {"Dev Patel"}),  # shorter than a trigram: still found (the index is skipped)
        ("%", set()),  # a wildcard is a character, not a pattern
        ("zzz", set()),
    ],
)
def test_the_search_finds_the_same_clients_on_both_databases(
    world: World, query: str, expected: set[str]
) -> None:
    for name, email in NAMES:
        actions.create_client(
            by=world.therapist, therapist=world.therapist.therapist, full_name=name, email=email
        )
    assert found(world, query) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_the_search_uses_the_trigram_index_on_a_seeded_clinic(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    call_command(
        "seed_clinic", f"--clinic={clinic.pk}", "--clients=40", "--sessions-per-client=0",
        "--seed=3", f"--today={dt.date(2026, 3, 1).isoformat()}", stdout=io.StringIO(),
    )  # fmt: skip
    # A clinic of a size where an index matters: more rows, inserted directly (only the table's
    # size matters here, not what the rows say).
    therapist = world.therapist.therapist
    Client.objects.bulk_create(
        Client(clinic=clinic, therapist=therapist, full_name=f"Filler {n:05d}", email="")
        for n in range(4000)
    )
    seeded = Client.objects.filter(clinic=clinic).exclude(full_name__startswith="Filler")
    name = seeded.order_by("pk").values_list("full_name", flat=True)[20]
    word = name.split()[-1][:5]
    with connection.cursor() as cursor:
        # What autovacuum does on a live database: the GIN index's statistics are counted.
        cursor.execute(f"VACUUM ANALYZE {Client._meta.db_table}")
    searched: Any = _searched(access.clients_for(world.therapist), word)
    plan = searched.explain()
    assert "clinic_client_name_trgm" in plan and "clinic_client_email_trgm" in plan, plan
    assert name in {c.full_name for c in searched}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        assert "clinic_client_name_trgm" in searched.explain()


def test_a_search_typed_is_audited_once_a_minute_a_full_page_every_time(world: World) -> None:
    browser = browser_for(world.therapist)
    reads = AuditEvent.objects.filter(action="view.dashboard", actor=world.therapist)
    for typed in ["c", "ca", "car", "caro"]:  # one htmx request a keystroke
        response = browser.get(reverse("dashboard"), {"q": typed}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    assert reads.count() == 1
    browser.get(reverse("dashboard"))
    browser.get(reverse("dashboard"), {"q": "carol"})
    assert reads.count() == 3  # each full page load
    cache.clear()  # as when the minute is over
    browser.get(reverse("dashboard"), {"q": "carol c"}, HTTP_HX_REQUEST="true")
    assert reads.count() == 4
