"""The one way pages show a date and a time (issue 15).

A page for people (every therapist page, the letter and its PDF, the progress report) shows a
day as "29 Nov 2026" and a moment as "29 Nov 2026, 09:47" in the active time zone: the clinic's
own for a signed-in therapist (web/time_zone.py). Exports for machines (CSV, JSON, FHIR, the
API) keep ISO 8601 and never come here. Templates reach these through the filters `day` and
`moment` (clinic/templatetags/dates.py).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateformat, timezone

DATE_FORMAT = "j M Y"  # 29 Nov 2026
DATETIME_FORMAT = "j M Y, H:i"  # 29 Nov 2026, 09:47


def day(value: date | datetime | str | None) -> str:
    """A day as pages show it; a moment is first put in the active zone (its local day).
    An ISO date string (a course document's) is read first; nothing shows as ""."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return str(dateformat.format(value, DATE_FORMAT))


def moment(value: datetime | None) -> str:
    """A date and time as pages show it, in the active time zone; nothing shows as ""."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(dateformat.format(value, DATETIME_FORMAT))


def zone_name() -> str:
    """The active time zone's name, as a page says it ("Pacific/Auckland")."""
    return str(timezone.get_current_timezone_name())
