"""Remove the API's idempotency keys older than 24 hours (api/idempotency.py).

    backcare manage purge_idempotency_keys

Run it daily (cron, a systemd timer). Old keys are already ignored, so a late run changes no
answer; it only keeps the table small.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from backcare.api.idempotency import purge


class Command(BaseCommand):
    help = "Remove the API's idempotency keys older than 24 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{purge()} idempotency keys removed")
