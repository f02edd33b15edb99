"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from backcare import __version__
from backcare.clinic import access


def site(request: HttpRequest) -> dict[str, Any]:
    therapist = None
    if request.user.is_authenticated:
        try:
            therapist = access.therapist_of(request.user)  # the request's one therapist lookup
        except Http404:
            therapist = None
    return {"backcare_version": __version__, "current_therapist": therapist}
