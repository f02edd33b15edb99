"""`backcare manage seed_clinic`: a seeded caseload in an existing clinic, valid through the
core, its states computed, the same for the same seed."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from backcare.accounts.models import Clinic
from backcare.audit.models import AuditEvent
from backcare.clinic.course import course_document, state_of
from backcare.clinic.models import CheckIn, Client, ClinicAlert, Session
from backcare.clinic.seed import SEEDED_KIND, SEEDED_REASON
from backcare.clinic.summary import outcome_of
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_course
from backcare.core.vocabulary import PRESSURE_ORDER
from support.world import make_therapist

TODAY = dt.date(2026, 11, 20)


def _clinic(name: str) -> Clinic:
    clinic = Clinic.objects.create(name=name)
    make_therapist(f"{name.lower()}-admin", clinic, admin=True)
    make_therapist(f"{name.lower()}-tom", clinic)
    return clinic


def _seed(clinic: Clinic, clients: int, sessions: int, seed: int, *more: str) -> None:
    call_command(
        "seed_clinic",
        f"--clinic={clinic.pk}",
        f"--clients={clients}",
        f"--sessions-per-client={sessions}",
        f"--seed={seed}",
        f"--today={TODAY.isoformat()}",
        *more,
        stdout=io.StringIO(),
    )


@pytest.mark.django_db
def test_a_small_seed_gives_valid_records_and_stored_states() -> None:
    clinic = _clinic("Riverside")
    _seed(clinic, 30, 6, 11, "--batch=7")
    clients = list(Client.objects.filter(clinic=clinic).order_by("id"))
    assert len(clients) == 30
    assert {c.therapist.display_name for c in clients} == {"Riverside-Admin", "Riverside-Tom"}
    version = load_tables().version
    treated = 0
    for client in clients:
        intake = client.current_intake
        assert intake is not None
        sessions = list(client.sessions.order_by("number"))
        limit = intake.assessment["max_pressure"]
        if not sessions:  # referred (or nothing allowed): no sessions, no check-ins
            verdicts = intake.assessment["techniques"].values()
            assert limit is None or all(v["verdict"] == "avoid" for v in verdicts)
            assert not client.checkins.exists()
        else:
            treated += 1
            assert limit is not None
            assert [s.number for s in sessions] == [1, 2, 3, 4, 5, 6]
            assert all(
                b.date - a.date == dt.timedelta(days=7) for a, b in itertools.pairwise(sessions)
            )
            assert sessions[-1].date <= TODAY
            assert client.checkins.count() == 3
            for s in sessions:
                assert PRESSURE_ORDER[s.pressure] <= PRESSURE_ORDER[limit]
                assert all(
                    intake.assessment["techniques"][t]["verdict"] != "avoid" for t in s.techniques
                )
                assert (s.override_kind, s.override_reason) == (SEEDED_KIND, SEEDED_REASON)
            assert all(s.signed for s in sessions[:-1])
        # Valid through the core's course contract, and the stored summary is the state now.
        document = course_document(client)
        assert document is not None
        parse_course(document)
        state = state_of(client, document)
        assert state is not None
        assert (client.next_step, client.status, client.outcome, client.state_rules_version) == (
            state.next_step,
            state.progress.status,
            outcome_of(state.progress),
            version,
        )
        assert client.alerts_to_acknowledge == client.clinic_alerts.count()
    assert 10 <= treated < 30  # the caseload refers some clients
    sessions = Session.objects.filter(client__clinic=clinic)
    audit = AuditEvent.objects.filter(clinic=clinic)
    assert audit.filter(action="session.create").count() == sessions.count() == 6 * treated
    assert audit.filter(action="session.sign").count() == sessions.exclude(signed_at=None).count()
    assert audit.filter(action="checkin.create").count() == 3 * treated
    assert (
        audit.filter(action="alert.raise").count()
        == ClinicAlert.objects.filter(client__clinic=clinic).count()
    )
    assert audit.filter(action="intake.create").count() == 30
    row = audit.filter(action="session.create").first()
    assert row is not None and row.actor is not None
    assert row.actor_label == row.actor.therapist.display_name
    assert row.detail["override_kind"] == SEEDED_KIND


def _snapshot(clinic: Clinic) -> list[Any]:
    """Everything seeded, without ids and times of writing."""
    out: list[Any] = []
    for c in Client.objects.filter(clinic=clinic).order_by("id"):
        intake = c.current_intake
        assert intake is not None
        out.append(
            (
                c.full_name,
                c.therapist.display_name.split("-")[1],
                intake.document,
                (intake.baseline_rmdq, intake.baseline_odi, intake.baseline_peg),
                [
                    (s.number, s.date, s.current_values(), s.override_causes, s.signed)
                    for s in c.sessions.order_by("number")
                ],
                list(
                    CheckIn.objects.filter(client=c)
                    .order_by("id")
                    .values_list("date", "pain", "peg", "rmdq", "odi", "side_effects")
                ),
                sorted(c.clinic_alerts.values_list("rule", flat=True)),
                (c.status, c.next_step, c.outcome),
            )
        )
    return out


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_records() -> None:
    first, second, other = _clinic("First"), _clinic("Second"), _clinic("Other")
    _seed(first, 12, 4, 5)
    _seed(second, 12, 4, 5, "--batch=5")  # batches do not change what is drawn
    _seed(other, 12, 4, 6)
    assert _snapshot(first) == _snapshot(second)
    assert _snapshot(first) != _snapshot(other)


@pytest.mark.django_db
def test_a_bad_clinic_is_a_command_error_and_writes_nothing() -> None:
    with pytest.raises(CommandError, match="no clinic has the id 999"):
        _seed(Clinic(pk=999), 3, 2, 1)
    empty = Clinic.objects.create(name="Empty")
    with pytest.raises(CommandError, match="no therapists"):
        _seed(empty, 3, 2, 1)
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_production_settings_refuse_to_seed() -> None:
    clinic = _clinic("Live")
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        _seed(clinic, 3, 2, 1)
    assert not Client.objects.exists()
