"""Create a clinic and its first therapist (the clinic admin), or add a therapist to a clinic.

    backcare manage create_clinic "Riverside Massage" amara "Amara Osei"
    backcare manage create_clinic --add-to 1 tom "Tom Reyes"

The password is read from BACKCARE_NEW_PASSWORD (for scripts) or asked for twice on the terminal,
and checked by Django's password validators against the new account (so it may not be the
username or close to the name). Without either, the command says so and creates nothing; every
argument is checked before the password is asked for.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backcare.accounts.models import Clinic, Therapist

PASSWORD_VARIABLE = "BACKCARE_NEW_PASSWORD"


class Command(BaseCommand):
    help = "Create a clinic with its admin therapist, or add a therapist to a clinic."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", nargs="?", help="the clinic's name (not with --add-to)")
        parser.add_argument("username")
        parser.add_argument("display_name")
        parser.add_argument("--add-to", type=int, metavar="CLINIC_ID", help="an existing clinic")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user = User(username=options["username"], first_name=options["display_name"][:150])
        _check(user, options)
        password = _password()
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        with transaction.atomic():
            if options["add_to"] is not None:
                clinic = Clinic.objects.filter(pk=options["add_to"]).first()
                if clinic is None:  # deleted since it was checked
                    raise CommandError(f"--add-to: no clinic with id {options['add_to']}")
                admin = False
            else:
                clinic = Clinic.objects.create(
                    name=options["name"].strip(), selfcheck_code=Clinic.new_selfcheck_code()
                )
                admin = True
            user.first_name = ""  # given only for the password check: the name is the therapist's
            user.set_password(password)
            user.save()
            Therapist.objects.create(
                user=user,
                clinic=clinic,
                display_name=options["display_name"].strip(),
                is_clinic_admin=admin,
            )
        role = "clinic admin" if admin else "therapist"
        self.stdout.write(
            f"{options['display_name'].strip()} ({role}) in {clinic.name} (clinic id {clinic.pk})."
        )


def _check(user: Any, options: dict[str, Any]) -> None:
    """Every argument, before the password is asked for: each problem names its argument."""
    problems = []
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as exc:
        problems += [f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items()]
    if type(user).objects.filter(username=user.username).exists():
        problems.append(f"username: {user.username!r} is taken")
    problems += _text("display_name", options["display_name"], Therapist, "display_name")
    if options["add_to"] is not None:
        if options["name"] is not None:
            problems.append("name: give either a clinic name or --add-to, not both")
        if not Clinic.objects.filter(pk=options["add_to"]).exists():
            problems.append(f"--add-to: no clinic with id {options['add_to']}")
    elif options["name"] is None:
        problems.append("name: give the clinic's name (or --add-to CLINIC_ID)")
    else:
        problems += _text("name", options["name"], Clinic, "name")
    if problems:
        raise CommandError("; ".join(problems))


def _text(argument: str, value: str, model: Any, field: str) -> list[str]:
    limit = model._meta.get_field(field).max_length
    if not value.strip():
        return [f"{argument}: must not be empty"]
    if len(value.strip()) > limit:
        return [f"{argument}: must be at most {limit} characters (has {len(value.strip())})"]
    return []


def _password() -> str:
    """From the environment, or asked for twice on a terminal; a CommandError otherwise."""
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise CommandError(
            f"no terminal to ask for the password on: set {PASSWORD_VARIABLE} (nothing created)"
        )
    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password (again): ")
    except (EOFError, KeyboardInterrupt):
        raise CommandError("no password given (nothing created)") from None
    if password != again:
        raise CommandError("the two passwords differ (nothing created)")
    return password
