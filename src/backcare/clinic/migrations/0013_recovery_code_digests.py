"""Recovery codes stored before this migration were the codes themselves (django-otp's
StaticToken keeps what it is given). Each becomes its digest (accounts.two_factor): the codes
people hold keep working, and the database no longer holds them. Not reversible: a digest
cannot be turned back into its code (going back leaves the digests, which the older code does
not accept; people then ask for new codes)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from backcare.accounts.two_factor import recovery_code_digest


def digest_the_codes(apps: Any, schema_editor: Any) -> None:
    StaticToken = apps.get_model("otp_static", "StaticToken")
    # A code is django-otp's random_token(): 8 base32 letters; a digest is 16 hex digits.
    for token in StaticToken.objects.filter(token__regex=r"^[a-z2-7]{8}$").iterator():
        token.token = recovery_code_digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0012_session_unsigned_index"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(digest_the_codes, migrations.RunPython.noop)]
