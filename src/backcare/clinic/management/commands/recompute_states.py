"""`backcare manage recompute_states`: recompute every client's state and dashboard summary.

Run after a rules upgrade (`backcare serve` runs it after migrating), so that no summary stays
as an older rules version left it. The state itself is always computed under the current rules
(core.state); an assessment stored under older rules says so on its page, with a one-click
re-assessment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from backcare.clinic.models import Client
from backcare.clinic.summary import refresh
from backcare.core.rules.tables import load_tables


class Command(BaseCommand):
    help = "Recompute the state summary of every client computed under other rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="every client, not only stale ones")

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        clients = Client.objects.all()
        if not options["all"]:
            clients = clients.exclude(state_rules_version=load_tables().version)
        for pk in clients.values_list("pk", flat=True).iterator():
            # One short transaction per client: a large clinic never waits on one long lock.
            with transaction.atomic():
                client = Client.objects.select_for_update().get(pk=pk)
                refresh(client)
            count += 1
        self.stdout.write(f"Recomputed the state of {count} client(s).")
