"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest

from backcare import __version__
from backcare.clinic import access


def site(request: HttpRequest) -> dict[str, Any]:
    therapist = None
    # A 400 page may be drawn before the middleware has set `user` (a bad Host header).
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            therapist = access.therapist_of(user)  # the request's one therapist lookup
        except Http404:
            therapist = None
    number = settings.BACKCARE_EMERGENCY_NUMBER
    return {
        "backcare_version": __version__,
        "current_therapist": therapist,
        # One place for "call the emergency number": a tap-to-call link when it is known.
        "emergency_number": number,
        "emergency_tel": number.replace(" ", ""),
    }
