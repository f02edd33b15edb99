"""Signing in and out in the audit log: Django's `user_logged_in`, `user_logged_out` and
`user_login_failed` signals and axes' `user_locked_out`, connected in apps.py.

Each row names the clinic of the account (an admin sees their own staff's sign-ins), or none for
a username that does not exist; the username typed is never stored (people type passwords into
it). A failure is not the account holder's doing, so its actor is nobody and the account is the
row's object: the audit page's person filter finds both.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from backcare.audit.log import record
from backcare.lib.addresses import client_address

# When this session's password step was: setting up a second factor needs a recent one.
PASSWORD_AT = "backcare_password_at"


def _clinic(user: Any) -> Any:
    therapist = getattr(user, "therapist", None) if user is not None else None
    return therapist.clinic if therapist is not None else None


def _address(request: Any) -> str:
    return client_address(request) if request is not None else ""


def _account(username: Any) -> Any:
    if not isinstance(username, str) or not username:
        return None
    User = get_user_model()
    return (
        User._default_manager.select_related("therapist__clinic")
        .filter(**{User.USERNAME_FIELD: username})
        .first()
    )


def _about(user: Any) -> str:
    """Who a failed or locked sign-in tried to be, in the actor column's words."""
    if user is None:
        return "unknown (no such username)"
    therapist = getattr(user, "therapist", None)
    name = therapist.display_name if therapist is not None else user.get_username()
    return f"unknown (signing in as {name})"


def signed_in(request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        record(actor=user, action="auth.sign_in", clinic=_clinic(user), address=_address(request))
    if request is not None and hasattr(request, "session"):
        request.session[PASSWORD_AT] = int(time.time())


def signed_out(request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return  # signing out without a session: nothing happened
    with transaction.atomic():
        record(actor=user, action="auth.sign_out", clinic=_clinic(user), address=_address(request))


def sign_in_failed(credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    user = _account(credentials.get(get_user_model().USERNAME_FIELD))
    with transaction.atomic():
        record(
            actor=None,
            actor_label=_about(user),
            action="auth.sign_in_fail",
            clinic=_clinic(user),
            obj=user,
            address=_address(request),
        )


def locked_out(request: Any, username: Any, ip_address: Any, **kwargs: Any) -> None:
    user = _account(username)
    with transaction.atomic():
        record(
            actor=None,
            actor_label=_about(user),
            action="auth.lockout",
            clinic=_clinic(user),
            obj=user,
            address=ip_address or _address(request),
        )


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(signed_in, dispatch_uid="backcare.audit.signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="backcare.audit.signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="backcare.audit.sign_in_failed")
    user_locked_out.connect(locked_out, dispatch_uid="backcare.audit.locked_out")
