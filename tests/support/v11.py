"""Helpers of the v1.1 tests (check-ins that raise alerts, escalation, medical reviews, the §6a
session check): example intakes, the clinic's staff with email addresses, an email backend that
fails, and a small reader of the data-* attributes a page carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from backcare.clinic import actions
from backcare.clinic.models import Client
from support.world import World, add_client, make_therapist

_BASE = {"schema": "backcare.intake/1", "age": 45}
# Saddle numbness at intake: disposition emergency, max_pressure null (AL-UNRESOLVED-REFERRAL).
EMERGENCY_INTAKE = _BASE | {
    "pain": {"intensity": 5, "duration_weeks": 2, "regions": ["lumbar"]},
    "red_flags": {"saddle_numbness": True},
}
# An anticoagulant: PR-BLEEDING caps the pressure at light; deep tissue and trigger point avoid.
LIGHT_INTAKE = _BASE | {
    "pain": {"intensity": 5, "duration_weeks": 20, "regions": ["lumbar"]},
    "medications": ["anticoagulant"],
}
# Unexplained weight loss: an urgent referral, max_pressure null, next step see_doctor.
URGENT_INTAKE = _BASE | {
    "pain": {"intensity": 5, "duration_weeks": 20, "regions": ["lumbar"]},
    "red_flags": {"unexplained_weight_loss": True},
}

REVIEW_FIELDS = {"by": "Dr Grey", "role": "GP", "note": ""}

# A reason for a §6a confirmation: exactly the shortest length allowed (10 characters).
TEN = "Happened!!"
assert len(TEN) == 10


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The test users' passwords are hashed quickly (the world makes several users per test;
    Argon2 would take most of the run's time and tests nothing here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def today() -> dt.date:
    return timezone.localdate()


def yesterday() -> dt.date:
    return today() - dt.timedelta(days=1)


class FailingBackend(BaseEmailBackend):
    """An email backend whose every send fails (as an SMTP server that is down would)."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down (test)")


@dataclass
class Staff:
    """Riverside's people with email addresses: two active admins (one is world.therapist), an
    inactive admin, the client's own therapist (not an admin), a bystander therapist (not the
    client's, not an admin); an admin without an address; the colleague of another clinic has
    an address too."""

    admin: User
    second_admin: User
    inactive_admin: User
    owner: User
    bystander: User
    colleague: User
    client: Client  # the owner's client

    @property
    def admins(self) -> set[str]:
        return {self.admin.email, self.second_admin.email}


def staff_of(world: World) -> Staff:
    clinic = world.therapist.therapist.clinic
    second = make_therapist("dora", clinic, admin=True)
    inactive = make_therapist("ida", clinic, admin=True)
    inactive.is_active = False
    owner = make_therapist("eve", clinic)
    bystander = make_therapist("fred", clinic)
    make_therapist("gil", clinic, admin=True)  # no email address: nobody to send to
    for user, address in (
        (world.therapist, "alice@riverside.test"),
        (second, "dora@riverside.test"),
        (inactive, "ida@riverside.test"),
        (owner, "eve@riverside.test"),
        (bystander, "fred@riverside.test"),
        (world.colleague, "bea@hilltop.test"),
    ):
        user.email = address
        user.save()
    client = add_client(owner, "Quentin Quillfeather")
    client.email = "quentin@private.test"
    client.save(update_fields=["email"])
    return Staff(world.therapist, second, inactive, owner, bystander, world.colleague, client)


def checkin(client: Client, **given: Any) -> Any:
    """A check-in the client sent (as by a one-time link), dated yesterday unless told."""
    values: dict[str, Any] = {"when": yesterday(), "pain": 5} | given
    return actions.record_checkin(by=None, client=client, actor_label="client (test)", **values)


def emergency_client(world: World, name: str = "Sam Saddle") -> Client:
    return add_client(world.therapist, name, EMERGENCY_INTAKE)


def light_client(world: World, name: str = "Lena Light") -> Client:
    return add_client(world.therapist, name, LIGHT_INTAKE)


def urgent_client(world: World, name: str = "Uma Urgent") -> Client:
    return add_client(world.therapist, name, URGENT_INTAKE)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def tags(html: str | bytes, attribute: str) -> list[dict[str, str]]:
    """The attributes of every element that carries `attribute` (e.g. "data-cause"), in order."""
    parser = _Tags()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return [attrs for _tag, attrs in parser.found if attribute in attrs]


def values_of(html: str | bytes, attribute: str) -> list[str]:
    """The values of `attribute` on the page, in order: ["emergency", "no_massage"]."""
    return [attrs[attribute] for attrs in tags(html, attribute)]
