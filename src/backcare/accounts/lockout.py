"""Sign-in lockout (django-axes, configured in web/settings.py): what a successful sign-in clears.

Failures are counted per username and per address apart. A sign-in clears its own username's
failures only; axes' own reset on success would clear the address's count too, so a person with
an account could sign in between guesses at a colleague's password and never be locked.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt


def clear_own_failures(user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: the failed attempts at this username, from any address."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()
