"""`backcare manage` and `backcare serve`: the web app, run with backcare's Django settings.

Django is imported only when one of these commands runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from backcare.cli.common import EXIT_INTERNAL, EXIT_OK, UsageError


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["backcare manage", *argv])
    return EXIT_OK


def cmd_manage(args: argparse.Namespace) -> int:
    return _django(args.args)


def cmd_serve(args: argparse.Namespace) -> int:
    """A production server: migrate, collect static files, then gunicorn. Refused with
    development settings (debug pages, a published secret key) unless `--insecure-dev`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    from django.conf import settings

    if not getattr(settings, "PRODUCTION", False) or settings.DEBUG:
        if not args.insecure_dev:
            raise UsageError(
                "refusing to serve with development settings (debug pages, a published secret "
                "key): set BACKCARE_ENV=production and its settings (README: 'Running the web "
                "app for real'), or pass --insecure-dev to serve them on a machine of your own"
            )
        sys.stderr.write(
            "backcare: warning: serving with development settings (--insecure-dev): "
            "never for real records or on a shared network\n"
        )
    if args.migrate:
        # As the owner role when BACKCARE_MIGRATE_DATABASE_URL is set; then the app's grants.
        _django(["migrate_as_owner"])
        # After a rules upgrade, no client's summary stays as the older rules left it.
        _django(["recompute_states"])
    _django(["collectstatic", "--no-input", "--verbosity", "0"])
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    # No gunicorn access log: its request line holds the query string, and the dashboard's
    # search puts a client's name there. The app logs one line per request instead, with its
    # request id and without the query (web/request_id.py).
    argv = [gunicorn, "backcare.web.wsgi:application", "--bind", args.bind]
    argv += ["--workers", str(args.workers)]
    os.execv(gunicorn, argv)
    return EXIT_INTERNAL  # not reached
