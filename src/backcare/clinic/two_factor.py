"""Two-factor sign-in's changes, each one transaction with its audit row (as in actions.py):
setting up an authenticator, giving a code at sign-in, new recovery codes, an admin's reset of
a colleague's second factor, and the clinic's rule for its therapists.

Who must use a second factor is accounts/two_factor.py's rule; the gate before every page is
web/two_factor.py; the pages are two_factor_views.py.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from backcare.accounts.models import Clinic, Therapist
from backcare.accounts.two_factor import (
    AUTHENTICATOR,
    RECOVERY,
    RECOVERY_CODES,
    has_two_factor,
    recovery_code_digest,
    recovery_code_digests,
)
from backcare.audit.log import record
from backcare.clinic import access
from backcare.clinic.actions import ActionError

WRONG_CODE = "That code is not right, or was used already. Try the next code your app shows."


def new_key() -> str:
    """A new authenticator secret (hex, as django-otp keeps it): 20 random bytes."""
    return str(random_hex(20))


def key_text(key: str) -> str:
    """The secret as a person types it into an authenticator app: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_address(user: Any, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return str(TOTPDevice(user=user, key=key, name=AUTHENTICATOR).config_url)


def shown_code(token: str) -> str:
    """A recovery code as shown: `abcd-efgh`."""
    return f"{token[:4]}-{token[4:]}"


def _typed(code: str) -> str:
    """A code as typed, without the spaces and dashes people add, in lower case."""
    return "".join(c for c in code if c not in " -\t").lower()


def _therapist(user: Any) -> Therapist | None:
    return getattr(user, "therapist", None)


def _clinic_of(user: Any) -> Clinic | None:
    therapist = _therapist(user)
    return therapist.clinic if therapist is not None else None


def _lock(user: Any) -> None:
    """Serialise a user's second-factor changes (two set-ups at once would make two)."""
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).exists()


def _new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones (returned once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    tokens = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    # Only their digests are kept: the codes are shown once, here, and never stored.
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(t)) for t in tokens
    )
    return [shown_code(t) for t in tokens]


@transaction.atomic
def enrol(*, by: Any, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Set up `by`'s authenticator with the secret `key` they were shown, once they prove their
    app has it with a current `code`; returns the device and ten recovery codes (shown once).
    The code cannot be used again to sign in."""
    therapist = access.therapist_of(by)
    _lock(by)
    if has_two_factor(by):
        raise ActionError({"": ["Two-factor sign-in is already set up for this account."]})
    typed = _typed(code)
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    if not (typed.isascii() and typed.isdigit() and totp.verify(int(typed), tolerance=1)):
        raise ActionError({"code": [WRONG_CODE]})
    TOTPDevice.objects.filter(user=by).delete()  # nothing unconfirmed is left behind
    device = TOTPDevice.objects.create(
        user=by, name=AUTHENTICATOR, key=key, confirmed=True, drift=totp.drift, last_t=totp.t()
    )
    codes = _new_recovery_codes(by)
    record(actor=by, action="mfa.enrol", clinic=therapist.clinic, obj=device)
    return device, codes


def verify(*, user: Any, code: str, address: str) -> Device:
    """The second step of signing in: `code` from the user's authenticator, or one of their
    recovery codes (used up). Returns the device that accepted it; raises ActionError for a
    wrong, reused or too-soon code. Every try is audited, a wrong one too (its row is kept:
    the error is raised after the transaction)."""
    with transaction.atomic():
        device, problem = _check(user, _typed(code))
        clinic = _clinic_of(user)
        if device is None:
            record(actor=user, action="mfa.fail", clinic=clinic, address=address)
        elif isinstance(device, StaticDevice):
            left = device.token_set.count()
            record(
                actor=user, action="mfa.recovery_code", clinic=clinic, obj=device,
                address=address, codes_left=left,
            )  # fmt: skip
        else:
            record(actor=user, action="mfa.verify", clinic=clinic, obj=device, address=address)
    if device is None:
        raise ActionError({"code": [problem]})
    return device


def _check(user: Any, typed: str) -> tuple[Device | None, str]:
    """The device that accepts `typed` (six digits: the authenticator; eight letters and
    digits: a recovery code), or None and why. Devices are locked while checked (django-otp's
    for_verify), so a code is accepted once even when sent twice at once."""
    model: type[Device]
    if typed.isascii() and typed.isdigit() and len(typed) == 6:
        model = TOTPDevice
    elif typed.isascii() and typed.isalnum() and len(typed) == 8:
        model = StaticDevice
    else:
        return None, "A code is six digits from your app, or a recovery code (xxxx-xxxx)."
    device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return None, WRONG_CODE
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = (why or {}).get("locked_until")
        wait = max(1, int((until - timezone.now()).total_seconds())) if until else 1
        return None, f"Too many wrong codes: wait {wait} seconds, then try again."
    token = typed
    if isinstance(device, StaticDevice):
        # The stored digest that matches, if one does; else the first, which matches nothing
        # (a wrong code is still one wrong try for django-otp's throttle, and only one).
        digests = recovery_code_digests(typed)
        found = device.token_set.filter(token__in=digests).values_list("token", flat=True)
        token = found.first() or digests[0]
    if not device.verify_token(token):
        return None, WRONG_CODE
    return device, ""


@transaction.atomic
def new_recovery_codes(*, by: Any) -> list[str]:
    """Ten new recovery codes for `by` (the old ones stop working); shown once."""
    therapist = access.therapist_of(by)
    _lock(by)
    if not has_two_factor(by):
        raise ActionError({"": ["Set up two-factor sign-in first."]})
    codes = _new_recovery_codes(by)
    record(actor=by, action="mfa.recovery_codes", clinic=therapist.clinic)
    return codes


@transaction.atomic
def reset(*, by: Any, therapist: Therapist) -> int:
    """A clinic admin removes a colleague's second factor (a lost phone): their authenticator
    and recovery codes are deleted, and they set up a new one at their next sign-in (any
    session they have open asks for it at once). Not one's own: another admin does that.
    Returns how many devices were removed."""
    admin = access.clinic_admin(by)
    if therapist.clinic_id != admin.clinic_id:
        raise ActionError({"": ["Not a therapist of your clinic."]})
    if therapist.user_id == by.pk:
        raise ActionError({"": ["Another admin of the clinic resets your own second factor."]})
    _lock(therapist.user)
    removed = TOTPDevice.objects.filter(user_id=therapist.user_id).delete()[0]
    removed += StaticDevice.objects.filter(user_id=therapist.user_id).delete()[0]
    record(
        actor=by, action="mfa.reset", clinic=admin.clinic, obj=therapist.user,
        about=therapist.display_name,
    )  # fmt: skip
    return removed


@transaction.atomic
def set_therapists_need_two_factor(*, by: Any, required: bool) -> None:
    """The clinic admin's rule: whether the clinic's therapists must use a second factor too
    (admins always must). Those without one set it up at their next page."""
    admin = access.clinic_admin(by)
    Clinic.objects.filter(pk=admin.clinic_id).update(therapists_need_two_factor=required)
    admin.clinic.therapists_need_two_factor = required
    record(actor=by, action="clinic.two_factor_rule", clinic=admin.clinic, required=required)
