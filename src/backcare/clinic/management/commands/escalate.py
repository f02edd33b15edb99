"""`backcare manage escalate`: escalate check-in alerts nobody has acknowledged (§6b).

Meant to run every few minutes (cron or a systemd timer; see the README). An emergency not
acknowledged within 1 hour, or a see-a-doctor alert within 24 hours, is emailed to every admin of
the clinic, and again every hour (emergency) or day until acknowledged. Each escalation is
audited. Running it twice in a row escalates nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backcare.clinic.actions import escalate_alerts


class Command(BaseCommand):
    help = "Escalate unacknowledged check-in alerts to the clinic's admins (run every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        # For tests and replays: the time to judge "overdue" at (ISO 8601, with a time zone).
        parser.add_argument("--now", help="judge at this time instead of the clock's")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(
                    f"--now must be an ISO 8601 time, not {options['now']!r}"
                ) from None
            if now.tzinfo is None:
                raise CommandError("--now needs a time zone (e.g. 2026-11-29T10:00:00+00:00)")
        escalated = escalate_alerts(now=now)
        self.stdout.write(f"Escalated {len(escalated)} alert(s).")
