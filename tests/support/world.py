"""The shared world of the web tests: a therapist (clinic admin) and a client in one clinic, a
colleague in another clinic with a client of her own, and an outsider with an account but no
clinic. Every URL is tried by every actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client as Browser

from backcare.accounts.models import Clinic, Therapist
from backcare.clinic import actions
from backcare.clinic.models import Client, IntakeRecord, Session
from backcare.core.validation import parse_intake
from support.two_factor import sign_in_both_factors

INTAKE = {
    "schema": "backcare.intake/1",
    "age": 45,
    "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
    "findings": {"trigger_points": True},
}
SESSION_VALUES = {
    "pain_before": 6,
    "pain_after": 4,
    "techniques": ["swedish", "trigger_point"],
    "pressure": "medium",
    "regions": ["lumbar-left", "lumbar-right"],
    "side_effects": [],
    "side_effect_hours": None,
    "new_red_flags": [],
    "subjective": "Better after the last session.",
}


@dataclass
class World:
    therapist: User
    colleague: User  # another clinic
    outsider: User  # signed in, but no clinic
    client: Client  # the therapist's client
    other_client: Client  # the colleague's client
    intake: IntakeRecord
    session: Session


def make_therapist(username: str, clinic: Clinic, admin: bool = False) -> User:
    user = User.objects.create_user(username=username, password="a-long-test-password")
    Therapist.objects.create(
        user=user, clinic=clinic, display_name=username.title(), is_clinic_admin=admin
    )
    return user


def add_client(user: User, name: str, intake: dict[str, Any] | None = None) -> Client:
    client = actions.create_client(by=user, therapist=user.therapist, full_name=name)
    actions.record_intake(by=user, client=client, intake=parse_intake(intake or INTAKE))
    return client


@pytest.fixture
def world(db: Any) -> World:
    riverside = Clinic.objects.create(name="Riverside")
    hilltop = Clinic.objects.create(name="Hilltop")
    therapist = make_therapist("alice", riverside, admin=True)
    colleague = make_therapist("bea", hilltop, admin=True)
    outsider = User.objects.create_user(username="oscar", password="a-long-test-password")
    client = add_client(therapist, "Carol Client")
    other = add_client(colleague, "Dan Other")
    import datetime as dt

    session = actions.record_session(
        by=therapist, client=client, when=dt.date(2026, 1, 5), values=dict(SESSION_VALUES)
    )
    return World(
        therapist=therapist,
        colleague=colleague,
        outsider=outsider,
        client=client,
        other_client=other,
        intake=client.current_intake,  # type: ignore[arg-type]
        session=session,
    )


def browser_for(user: User | None) -> Browser:
    """A test browser signed in as `user` (both factors when the user needs two), or anonymous."""
    browser = Browser()
    if user is not None:
        sign_in_both_factors(browser, user)
    return browser
