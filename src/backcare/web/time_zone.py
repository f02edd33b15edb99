"""Pages in the clinic's own time zone (issue 15).

For a signed-in therapist, every page shows dates and times in their clinic's zone
(accounts.models.Clinic.time_zone): the zone is activated for the request and put back after
it, so a worker thread never carries one clinic's zone into the next request. A client's link
pages are in their clinic's zone too, set at the link's entry point once the link is known
(clinic/portal.py::_link_pages, and the portal's answer page). Anyone else (the public
self-check, an unusable link's page, the API's tokens) keeps the site's zone, UTC.

It runs inside web/two_factor.py's middleware, once the request is past the gate. The therapist
and their clinic come with the user (accounts/backends.py loads all three in one query), so
neither this nor the page's own `therapist_of(user).clinic` reads them again.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest
from django.utils import timezone


def _clinic_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    user = request.user
    if not user.is_authenticated or request.path.startswith("/api/"):
        return None
    # Read with the user and their clinic in the user's own query (accounts/backends.py); a
    # user loaded otherwise reads it here, as `therapist_of` would.
    therapist = getattr(user, "therapist", None)
    if therapist is None:
        return None
    try:
        return zoneinfo.ZoneInfo(therapist.clinic.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a zone this machine no longer knows: the site's, not an error page


@contextmanager
def clinic_time_zone(request: HttpRequest) -> Iterator[None]:
    """The request's pages in its therapist's clinic's zone (web/two_factor.py's middleware,
    past the gate, runs the view inside this)."""
    zone = _clinic_zone(request)
    if zone is None:
        yield
        return
    timezone.activate(zone)
    try:
        yield
    finally:
        timezone.deactivate()
