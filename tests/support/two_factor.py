"""Two-factor sign-in in tests: a confirmed authenticator with a known secret, the code it
shows now, and a test browser signed in with both factors (as the code page leaves it)."""

from __future__ import annotations

import time
from binascii import unhexlify
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client as Browser
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backcare.accounts.two_factor import AUTHENTICATOR, must_use_two_factor

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, as hex


def give_authenticator(user: Any, key: str = KEY) -> TOTPDevice:
    """The user's confirmed authenticator (made with `key` if they have none)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": AUTHENTICATOR, "key": key}
    )
    return device


def code_now(key: str = KEY, steps_ahead: int = 0) -> str:
    """The code an authenticator app with `key` shows now (or `steps_ahead` periods on: the
    server accepts the next period's code too, so a test can sign in twice in one period)."""
    totp = TOTP(unhexlify(key), digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in_both_factors(browser: Browser, user: Any) -> Browser:
    """`browser` with a session as both sign-in steps leave it: signed in as `user`, and when
    the user must have a second factor (given here if missing) verified by it.

    Made directly, like `force_login` but without sending `user_logged_in`: the sign-in is a
    test's setting, not its subject, and must not add audit rows to the ones a test counts (the
    sign-in tests go through the real pages)."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if must_use_two_factor(user):
        session[DEVICE_ID_SESSION_KEY] = give_authenticator(user).persistent_id
    session.save()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return browser
