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

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR = "authenticator"  # the TOTP device's name
RECOVERY = "recovery codes"  # the static device's name
RECOVERY_CODES = 10


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
