"""Issue 13 point 3: the audit page's filters that a walk by time serves badly when few rows
match use an index of their own on PostgreSQL (audit migration 0005): a person (who is also the
object of rows about their account) and a read kind (`export.%`, a prefix of the action)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from backcare.accounts.models import Therapist
from backcare.audit.models import AuditEvent
from backcare.clinic.audit_page import AuditFilterForm
from support.world import World, make_therapist

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
    pytest.mark.django_db(transaction=True),  # VACUUM runs outside a transaction
]


def _page(world: World, **filters: Any) -> Any:
    clinic = world.therapist.therapist.clinic
    form = AuditFilterForm(filters, staff=Therapist.objects.filter(clinic=clinic))
    assert form.is_valid(), form.errors
    return form.events(AuditEvent.objects.filter(clinic=clinic)).order_by("-at", "-id")[:100]


def test_a_rare_person_and_a_read_kind_are_found_by_their_indexes(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    with connection.cursor() as cursor:
        # A clinic's log of 30,000 rows by one person, the way a long-used clinic's looks.
        cursor.execute(
            f"""
            INSERT INTO {AuditEvent._meta.db_table}
                (at, actor_id, actor_label, action, clinic_id, object_type, object_id, detail)
            SELECT now() - g * interval '1 second', %s, 'Busy', 'view.progress', %s, '', '',
                   '{{}}'::jsonb
            FROM generate_series(1, 30000) AS g
            """,
            [world.therapist.pk, clinic.pk],
        )
        cursor.execute(f"VACUUM ANALYZE {AuditEvent._meta.db_table}")
    rare = make_therapist("rare", clinic)  # a new colleague: the object of one row
    AuditEvent.objects.create(
        actor=world.therapist, actor_label="Busy", action="two_factor.reset", clinic=clinic,
        object_type="User", object_id=str(rare.pk),
    )  # fmt: skip
    AuditEvent.objects.create(
        actor=world.therapist, actor_label="Busy", action="export.api.outcomes_csv", clinic=clinic
    )
    person = _page(world, person=str(rare.pk))
    kind = _page(world, action="export")
    assert [e.action for e in person] == ["two_factor.reset"]
    assert [e.action for e in kind] == ["export.api.outcomes_csv"]
    assert "audit_user" in person.explain(), person.explain()
    assert "audit_clinic_action_prefix" in kind.explain(), kind.explain()
