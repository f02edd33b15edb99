"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from backcare import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    therapist = getattr(request.user, "therapist", None) if request.user.is_authenticated else None
    return {"backcare_version": __version__, "current_therapist": therapist}
