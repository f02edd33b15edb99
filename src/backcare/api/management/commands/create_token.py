"""Create a personal API token for a therapist, for scripts and automation.

    backcare manage create_token amara --scope read
    TOKEN=$(backcare manage create_token amara --scope write --name "nightly export" --days 30)

Only the token is printed on standard output (one line); it is shown this once, and only its hash
is kept. It works for --days days (90 by default; one of the API tokens page's choices). The
token is audited like one made on the API tokens page, and revoked there.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backcare.api.models import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS, ApiToken
from backcare.api.tokens import create_token

NAME_LENGTH = ApiToken._meta.get_field("name").max_length


class Command(BaseCommand):
    help = "Create a personal API token for a therapist and print it (shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="the therapist the token acts as")
        parser.add_argument(
            "--scope",
            required=True,
            choices=("read", "write"),
            help="read: read-only; write: may also change records",
        )
        parser.add_argument(
            "--days",
            type=int,
            choices=EXPIRY_DAYS,
            default=DEFAULT_EXPIRY_DAYS,
            help=f"how many days the token works (default {DEFAULT_EXPIRY_DAYS})",
        )
        parser.add_argument(
            "--name",
            help='what the token is for (default "command line (YYYY-MM-DD)")',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        if getattr(user, "therapist", None) is None:
            raise CommandError(f"{username!r} is not a therapist of any clinic")
        name = options["name"]
        if name is None:
            # The clinic's date, as its pages show it (the server's zone may be another day).
            today = timezone.localdate(timezone=user.therapist.clinic.zone)
            name = f"command line ({today.isoformat()})"
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty")
        if len(name) > NAME_LENGTH:
            raise CommandError(f"--name must be at most {NAME_LENGTH} characters")
        made, token = create_token(
            by=user,
            name=name,
            can_write=options["scope"] == "write",
            days=options["days"],
            via="command line",
        )
        self.stdout.write(token)
        scope = "read-write" if made.can_write else "read-only"
        self.stderr.write(
            f"Created the {scope} token {name!r} for {username} (it starts {made.prefix}; it "
            f"expires {made.expires_at:%Y-%m-%d %H:%M} UTC). It is shown only this once: keep "
            "it now. Revoke it on the API tokens page.",
            style_func=lambda text: text,  # a note, not an error: not in red
        )
