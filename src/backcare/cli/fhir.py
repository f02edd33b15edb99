"""`backcare fhir ...`: the intake Questionnaire, QuestionnaireResponse → intake, and a client's
record as a Bundle (export) or a new intake from a QuestionnaireResponse (import).

Export and import act on the web app's database as a named therapist (`--as`), through the same
access functions and audited actions as the web app and the API: a client of another clinic is
"not found", and every export and import is in the audit log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from backcare.cli.common import EXIT_OK, UsageError, read_document, report_invalid


def _json_out(document: Any, path: str | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if path is None or path == "-":
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror})") from None


def _setup() -> None:
    # The questionnaire's wording comes from the web app's intake form, so every subcommand
    # needs Django's settings (nothing else of the web app runs).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    import django

    django.setup()


def _therapist_and_client(username: str, client_id: int) -> tuple[Any, Any]:
    _setup()
    from django.contrib.auth import get_user_model
    from django.http import Http404

    from backcare.clinic import access

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or getattr(user, "therapist", None) is None:
        raise UsageError(f"--as {username}: no active therapist has that username")
    try:
        return user, access.get_client(user, client_id)
    except Http404:
        raise UsageError(f"--client {client_id}: no such client in {username}'s clinic") from None


def cmd_questionnaire(args: argparse.Namespace) -> int:
    _setup()
    from backcare.fhir.questionnaire import intake_questionnaire

    _json_out(intake_questionnaire(), args.output)
    return EXIT_OK


def cmd_intake(args: argparse.Namespace) -> int:
    """A QuestionnaireResponse file → `backcare.intake/1` (nothing stored)."""
    _setup()
    from backcare.core.validation import InvalidInput
    from backcare.fhir.questionnaire import intake_from_response

    try:
        intake = intake_from_response(read_document(args.file))
    except InvalidInput as exc:
        return report_invalid(args.file, exc.problems)
    _json_out(intake.to_json(), args.output)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    user, client = _therapist_and_client(args.as_user, args.client)
    from backcare.clinic import actions
    from backcare.fhir.bundle import client_bundle

    actions.record_export(by=user, client=client, what="cli.fhir_bundle")
    _json_out(client_bundle(client), args.output)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    text = read_document(args.file)  # read before touching the database
    user, client = _therapist_and_client(args.as_user, args.client)
    from backcare.core.validation import InvalidInput
    from backcare.fhir.questionnaire import intake_from_response

    try:
        intake = intake_from_response(text)
    except InvalidInput as exc:
        return report_invalid(args.file, exc.problems)
    from backcare.clinic import actions

    entry = actions.record_intake(by=user, client=client, intake=intake, source="fhir")
    referral = entry.referral_urgency or "none"
    sys.stdout.write(
        f"Intake {entry.pk} recorded for client {client.pk}: disposition {entry.disposition}, "
        f"referral {referral}.\n"
    )
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """Register `backcare fhir` and its subcommands."""
    fhir = sub.add_parser(
        "fhir",
        help="FHIR R4: the intake Questionnaire, import and export",
        description="FHIR R4 interoperability. export/import use the web app's database "
        "(DATABASE_URL or the SQLite default) as the therapist named by --as.",
    )
    commands = fhir.add_subparsers(dest="fhir_command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("questionnaire", help="print the intake Questionnaire resource")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=cmd_questionnaire)

    p = commands.add_parser(
        "intake",
        help="convert a QuestionnaireResponse to backcare.intake/1 (nothing is stored)",
    )
    p.add_argument("file", metavar="FILE", help="QuestionnaireResponse JSON, or - for stdin")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=cmd_intake)

    for name, func, text in (
        ("export", cmd_export, "print a client's record as a FHIR Bundle (audited)"),
        ("import", cmd_import, "record an intake from a QuestionnaireResponse (audited)"),
    ):
        p = commands.add_parser(name, help=text, description=text)
        p.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
        p.add_argument(
            "--as", dest="as_user", required=True, metavar="USERNAME", help="acting therapist"
        )
        if name == "import":
            p.add_argument("file", metavar="FILE", help="QuestionnaireResponse JSON, or -")
        else:
            p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
        p.set_defaults(func=func)
