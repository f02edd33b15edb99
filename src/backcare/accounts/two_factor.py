"""Who signs in with a second factor, and what they have: the rule in one place.

A second factor is an authenticator app's code (a django-otp TOTP device), with ten single-use
recovery codes (a static device) for a lost phone. Clinic admins must use one; a clinic's other
therapists must when the clinic says so (`Clinic.therapists_need_two_factor`), and may anyway.
Anyone who has one set up is asked for a code at every sign-in, required or not.

The changes (setting one up, a code given, a reset by an admin) are audited actions in
clinic/two_factor.py; the gate that asks for the code is web/two_factor.py.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR = "authenticator"  # the TOTP device's name
RECOVERY = "recovery codes"  # the static device's name
RECOVERY_CODES = 10


def recovery_code_digest(code: str, *, secret: str | None = None) -> str:
    """What is stored for a recovery code (`StaticToken.token`, 16 characters): the first 16
    hex digits of its HMAC-SHA256 under the site's secret key, never the code. A copy of the
    database (a dump, a backup file) then gives nobody a way in: the codes have 40 bits, few
    enough to try them all against a plain hash, but not without the key. A stored digest is
    16 characters, so it cannot itself be typed as a code (8)."""
    key = settings.SECRET_KEY if secret is None else secret
    digest = salted_hmac("backcare.recovery-code", code, secret=key, algorithm="sha256")
    return digest.hexdigest()[:16]


def recovery_code_digests(code: str) -> list[str]:
    """The digests a typed code may be stored as: under the secret key, then under each of
    Django's SECRET_KEY_FALLBACKS (codes made before the key was changed keep working while
    the old key is kept as a fallback, as sessions do)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [recovery_code_digest(code, secret=key) for key in keys]


def must_use_two_factor(user: Any) -> bool:
    """Whether `user` may not work without a second factor: a clinic admin, or a therapist of a
    clinic that asks it of everyone. Accounts without a clinic reach no record and are not."""
    therapist = getattr(user, "therapist", None)
    if therapist is None:
        return False
    return bool(therapist.is_clinic_admin or therapist.clinic.therapists_need_two_factor)


def authenticator(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolled(user_ids: list[int]) -> set[int]:
    """Which of these users have set up a second factor."""
    found = TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True)
    return set(found.values_list("user_id", flat=True))


def recovery_codes_left(user: Any) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return 0 if device is None else device.token_set.count()


def step_needed(user: Any) -> Literal["code", "enrol"] | None:
    """What a signed-in user who has not yet given a code this session must do before any page:
    give a code (they have a second factor), set one up (they must have one), or nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    if has_two_factor(user):
        return "code"
    if must_use_two_factor(user):
        return "enrol"
    return None
