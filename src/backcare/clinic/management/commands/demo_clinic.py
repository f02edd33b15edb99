"""Load a demo clinic: two therapists, a dozen clients with courses of sessions, one red flag.

Idempotent: running it again changes nothing. Prints the demo sign-in: the password, and for
the clinic admin the second factor's secret and recovery codes. Refused under production
settings: its accounts have a published password.
"""

from __future__ import annotations

import datetime as dt
from binascii import unhexlify
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.oath import TOTP

from backcare.accounts.models import Clinic, Therapist
from backcare.accounts.two_factor import authenticator
from backcare.clinic import actions, two_factor
from backcare.clinic.models import Client
from backcare.core.validation import parse_intake

DEMO_PASSWORD = "demo-massage-2026"  # printed on purpose: demo data only, never in production

CLIENTS: list[tuple[str, dict[str, Any], list[int]]] = [
    # name, intake changes, pain before each session
    (
        "Ada Lovelace",
        {
            "pain": {"intensity": 6, "duration_weeks": 20, "regions": ["lumbar"]},
            "findings": {"trigger_points": True},
        },
        [6, 5, 5, 4, 3, 3],
    ),
    (
        "Ben Okafor",
        {
            "pain": {"intensity": 5, "duration_weeks": 40, "regions": ["lumbar", "gluteal"]},
            "medications": ["anticoagulant"],
        },
        [5, 5, 4],
    ),
    (
        "Chloé Martin",
        {
            "pain": {"intensity": 7, "duration_weeks": 3, "regions": ["lumbar"]},
            "conditions": ["muscle_strain"],
        },
        [7, 6, 5, 4],
    ),
    (
        "Dev Patel",
        {
            "pain": {"intensity": 5, "duration_weeks": 30, "regions": ["thoracic"]},
            "findings": {"fascial_restriction": True},
        },
        [5, 5, 5, 5, 5],
    ),
    (
        "Eva Novak",
        {
            "pain": {"intensity": 6, "duration_weeks": 2, "regions": ["lumbar"]},
            "red_flags": {"new_bladder_dysfunction": True},
        },
        [],
    ),
    (
        "Farid Haddad",
        {
            "pain": {
                "intensity": 4,
                "duration_weeks": 16,
                "regions": ["lumbar"],
                "radiation": "below_knee",
            },
            "conditions": ["herniated_disc"],
        },
        [4, 4, 3],
    ),
    (
        "Grace Kim",
        {
            "age": 32,
            "sex": "female",
            "pregnancy": {"pregnant": True, "weeks": 28},
            "pain": {"intensity": 5, "duration_weeks": 6, "regions": ["lumbar", "sacral"]},
        },
        [5, 4],
    ),
    (
        "Hugo Silva",
        {
            "pain": {"intensity": 3, "duration_weeks": 52, "regions": ["cervical", "thoracic"]},
            "findings": {"muscle_tension": True},
        },
        [3, 3, 2, 2, 1, 1, 1],
    ),
    (
        "Ines Duarte",
        {
            "pain": {"intensity": 6, "duration_weeks": 10, "regions": ["lumbar"]},
            "startback": [1, 1, 1, 0, 1, 1, 1, 0, 4],
        },
        [6, 6],
    ),
    (
        "Jonas Berg",
        {
            "age": 72,
            "pain": {"intensity": 4, "duration_weeks": 26, "regions": ["lumbar"]},
            "conditions": ["osteoporosis"],
        },
        [4, 4, 3],
    ),
    (
        "Kemi Adeyemi",
        {
            "pain": {"intensity": 5, "duration_weeks": 14, "regions": ["gluteal"]},
            "preferences": {"pressure": "light"},
        },
        [5, 4, 4],
    ),
    (
        "Luca Rossi",
        {
            "pain": {"intensity": 8, "duration_weeks": 1, "regions": ["lumbar"]},
            "recent": {"injury_hours_ago": 30},
        },
        [8],
    ),
]


class Command(BaseCommand):
    help = "Load a demo clinic (idempotent) and print the demo sign-in."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "refusing to load the demo clinic with production settings (BACKCARE_ENV="
                "production): its accounts have a published password"
            )
        with transaction.atomic():
            created = self._load()
        self.stdout.write(
            ("Loaded the demo clinic." if created else "The demo clinic is already loaded.")
            + f"\nSign in at http://127.0.0.1:8000/sign-in/ as 'amara' (clinic admin) or 'tom',"
            f" password '{DEMO_PASSWORD}'.\n{self._second_factor()}\nThe public self-check is at "
            "http://127.0.0.1:8000/self-check/ (this clinic's code: RIVERSIDE)."
        )

    def _second_factor(self) -> str:
        """What amara gives after her password: a clinic admin must use two-factor sign-in, so
        the demo sets it up for her and prints what a person needs to try it, printed on
        purpose as the password is: the secret for an authenticator app, and ten new recovery
        codes (each signs in once). tom is a therapist of a clinic that does not ask
        for a second factor: his password is enough."""
        amara = get_user_model()._default_manager.get(username="amara")
        device = authenticator(amara)
        if device is None:
            return "amara has no second factor yet: she sets one up at her first sign-in."
        # Only their digests are stored: new codes are made (and audited) at each run, and the
        # ones printed before stop working.
        codes = two_factor.new_recovery_codes(by=amara)
        return (
            "amara then gives a code: add this secret to an authenticator app, "
            f"{two_factor.key_text(device.key)}, or use one of these new recovery codes of hers"
            " once (those printed before no longer work): "
            + ", ".join(codes)
            + ".\ntom signs in with his password alone (the clinic does not ask its therapists"
            " for a second factor)."
        )

    def _load(self) -> bool:
        User = get_user_model()
        if User.objects.filter(username="amara").exists():
            return False
        clinic = Clinic.objects.create(
            name="Riverside Massage Clinic",
            selfcheck_code="RIVERSIDE",
            # What its letters print (issue 15): a fictional address and a drama phone number.
            address="12 River Lane\nRiverton RV1 2AB",
            phone="020 7946 0000",
            email="desk@riverside.example",
        )
        therapists = []
        for username, name, admin, registration in (
            ("amara", "Amara Osei", True, "DEMO-1001"),
            ("tom", "Tom Reyes", False, "DEMO-1002"),
        ):
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
            therapists.append(
                Therapist.objects.create(
                    user=user,
                    clinic=clinic,
                    display_name=name,
                    is_clinic_admin=admin,
                    credentials="Dip. Clinical Massage",
                    registration_number=registration,
                )
            )
        admin = therapists[0].user
        key = two_factor.new_key()
        code = f"{TOTP(unhexlify(key)).token():06d}"  # what her app would show now
        two_factor.enrol(by=admin, key=key, code=code)
        start = dt.date.today() - dt.timedelta(days=70)
        for i, (name, changes, pains) in enumerate(CLIENTS):
            therapist = therapists[i % 2]
            by = therapist.user
            client = actions.create_client(by=by, therapist=therapist, full_name=name)
            doc: dict[str, Any] = {"schema": "backcare.intake/1", "age": 30 + 3 * i, **changes}
            actions.record_intake(by=by, client=client, intake=parse_intake(doc))
            assessment = client.current_intake.assessment  # type: ignore[union-attr]
            pressure = assessment["max_pressure"] or "light"
            techniques = [
                t for t, v in assessment["techniques"].items() if v["verdict"] == "recommended"
            ] or ["swedish"]
            for n, pain in enumerate(pains):
                session = actions.record_session(
                    by=by,
                    client=client,
                    when=start + dt.timedelta(days=7 * n + i),
                    values={
                        "pain_before": pain,
                        "pain_after": max(pain - 2, 0),
                        "techniques": techniques,
                        "pressure": pressure,
                        "regions": ["lumbar-left", "lumbar-right"],
                        "side_effects": ["soreness"] if n == 0 else [],
                        "side_effect_hours": 20 if n == 0 else None,
                        "new_red_flags": [],
                        "subjective": "Demo session.",
                    },
                )
                actions.sign_session(by=by, session=session)
        self._v11_stories(therapists, start)
        return True

    def _v11_stories(self, therapists: list[Therapist], start: dt.date) -> None:
        """Check-ins and a medical review, so the demo shows clinical rules v1.1 at work: a
        client's check-in that raised an alert nobody has acknowledged yet, and a warning sign
        a doctor's letter has since resolved."""
        by = therapists[0].user
        ada = Client.objects.get(full_name="Ada Lovelace", clinic=therapists[0].clinic)
        actions.record_checkin(
            by=None,
            client=ada,
            when=start + dt.timedelta(days=40),
            pain=4,
            side_effects=["numbness"],
            side_effect_hours=Decimal(12),
            actor_label="Ada Lovelace (client, one-time link)",
        )
        chloe = Client.objects.get(full_name="Chloé Martin", clinic=therapists[0].clinic)
        actions.record_checkin(
            by=by,
            client=chloe,
            when=start + dt.timedelta(days=10),
            pain=6,
            red_flags=["fever"],
            source="therapist",
        )
        for alert in chloe.clinic_alerts.all():
            actions.acknowledge_alert(by=by, alert=alert)
        actions.record_review(
            by=by,
            client=chloe,
            values={
                "date": start + dt.timedelta(days=12),
                "rules": ["RF-FEVER"],
                "by": "Dr Ines Duarte",
                "role": "GP",
                "source": "letter_seen",
                "outcome": "may_resume",
                "note": "Viral infection, resolved; massage may resume.",
            },
            today=dt.date.today(),
        )
