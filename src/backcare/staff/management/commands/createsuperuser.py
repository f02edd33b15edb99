"""Django's createsuperuser, except that without a terminal (--noinput) the password from
DJANGO_SUPERUSER_PASSWORD is checked by the password validators too (Django's checks it only
when it asks on a terminal). backcare's own accounts are made by create_clinic or an invitation;
a superuser has no clinic and reaches nothing, but its password is still a way to sign in.

The staff app is listed before django.contrib.auth in INSTALLED_APPS so that this command is
the one `backcare manage createsuperuser` runs.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError

from backcare.staff.passwords import password_problems


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            username = options[self.UserModel.USERNAME_FIELD] or os.environ.get(
                "DJANGO_SUPERUSER_" + self.UserModel.USERNAME_FIELD.upper()
            )
            user = self.UserModel(
                **{self.UserModel.USERNAME_FIELD: username or ""},
                email=options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL") or "",
            )
            if problems := password_problems(password, user):
                raise CommandError("password: " + " ".join(problems) + " (nothing created)")
        super().handle(*args, **options)
