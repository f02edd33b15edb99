"""`backcare manage migrate_as_owner`: migrate as the database's owner role, then grant the
app's role its rights (`grant_app_role`). `backcare serve` runs it.

With BACKCARE_MIGRATE_DATABASE_URL set (PostgreSQL, the owner role) the migrations and the
grants run in child processes connected as that role, and the app (DATABASE_URL) keeps a role
that cannot change the audit log. Without it, this is a plain `migrate` (SQLite, or a single
role: the README's deployment section says why two are better).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

OWNER_URL = "BACKCARE_MIGRATE_DATABASE_URL"


class Command(BaseCommand):
    help = "Migrate as the owner role (BACKCARE_MIGRATE_DATABASE_URL), then grant the app role."

    def handle(self, *args: Any, **options: Any) -> None:
        owner_url = os.environ.get(OWNER_URL, "")
        if not owner_url:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
            return
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(f"{OWNER_URL} is for PostgreSQL: DATABASE_URL is not")
        app_role = settings.DATABASES["default"]["USER"]
        env = {
            **os.environ,
            "DATABASE_URL": owner_url,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "backcare.web.settings"
            ),
        }
        del env[OWNER_URL]  # the child connects as the owner, and only as the owner
        for argv in (["migrate", "--no-input"], ["grant_app_role", app_role]):
            done = subprocess.run([sys.executable, "-m", "django", *argv], env=env, check=False)
            if done.returncode != 0:
                raise CommandError(f"{' '.join(argv)} as the owner role failed")
