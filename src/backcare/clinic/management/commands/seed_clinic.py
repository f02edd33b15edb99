"""`backcare manage seed_clinic --clinic ID --clients N --sessions-per-client K --seed S`: fill
an existing clinic with a seeded caseload for demos and load tests (clinic/seed.py), and print
what it wrote and how long it took.

Refused under production settings, as demo_clinic is: seeded records among real ones would be
mistaken for clinical notes (each seeded session says it is seeded data, but a list does not).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backcare.accounts.models import Clinic
from backcare.clinic.seed import seed_clinic


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Fill an existing clinic with seeded clients, sessions and check-ins (not production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", type=int, required=True, help="the clinic's id")
        parser.add_argument("--clients", type=_positive, required=True)
        parser.add_argument("--sessions-per-client", type=_positive, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--batch", type=int, default=200, help="clients per transaction (default 200)"
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="the day courses end by (YYYY-MM-DD; default today): the same seed and day "
            "give the same records",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "refusing to seed a clinic with production settings (BACKCARE_ENV=production):"
                " seeded records would sit among real clinical records"
            )
        clinic = Clinic.objects.filter(pk=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"no clinic has the id {options['clinic']}")
        if not clinic.therapists.exists():
            raise CommandError(f"the clinic {clinic.pk} has no therapists to share the clients")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        start = time.perf_counter()

        def done(count: int) -> None:
            elapsed = time.perf_counter() - start
            self.stdout.write(f"  {count} client(s) in {elapsed:.1f} s")

        seeded = seed_clinic(
            clinic=clinic,
            clients=options["clients"],
            sessions_per_client=options["sessions_per_client"],
            seed=options["seed"],
            today=options["today"] or dt.date.today(),
            batch=options["batch"],
            done=done if options["verbosity"] > 1 else None,
        )
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"Seeded {seeded.clients} client(s) into clinic {clinic.pk} ({clinic.name}):"
            f" {seeded.sessions} session(s), {seeded.checkins} check-in(s),"
            f" {seeded.alerts} alert(s), {seeded.referred} client(s) referred without"
            f" sessions, {seeded.audit_rows} bulk audit row(s); {elapsed:.1f} s"
            f" ({seeded.clients / elapsed if elapsed else 0:.0f} clients/s)."
        )
