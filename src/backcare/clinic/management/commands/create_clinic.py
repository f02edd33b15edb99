"""Create a clinic and its first therapist (the clinic admin), or add a therapist to a clinic.

    backcare manage create_clinic "Riverside Massage" amara "Amara Osei"
    backcare manage create_clinic --add-to 1 tom "Tom Reyes"

The password is asked for on the terminal (or read from BACKCARE_NEW_PASSWORD for scripts) and
checked against the password rules.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backcare.accounts.models import Clinic, Therapist


class Command(BaseCommand):
    help = "Create a clinic with its admin therapist, or add a therapist to a clinic."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", nargs="?", help="the clinic's name (not with --add-to)")
        parser.add_argument("username")
        parser.add_argument("display_name")
        parser.add_argument("--add-to", type=int, metavar="CLINIC_ID", help="an existing clinic")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"the username {options['username']!r} is taken")
        password = os.environ.get("BACKCARE_NEW_PASSWORD") or getpass.getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        with transaction.atomic():
            if options["add_to"] is not None:
                clinic = Clinic.objects.filter(pk=options["add_to"]).first()
                if clinic is None:
                    raise CommandError(f"no clinic with id {options['add_to']}")
                admin = False
            else:
                if not options["name"]:
                    raise CommandError("give the clinic's name")
                clinic = Clinic.objects.create(
                    name=options["name"], selfcheck_code=Clinic.new_selfcheck_code()
                )
                admin = True
            user = User.objects.create_user(username=options["username"], password=password)
            Therapist.objects.create(
                user=user,
                clinic=clinic,
                display_name=options["display_name"],
                is_clinic_admin=admin,
            )
        role = "clinic admin" if admin else "therapist"
        self.stdout.write(
            f"{options['display_name']} ({role}) in {clinic.name} (clinic id {clinic.pk})."
        )
