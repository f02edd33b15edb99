"""Time zones for tests of "the clinic's day, not UTC's"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone


def zone_on_another_day() -> str:
    """At any moment one of these two zones is on another day than UTC (14 hours ahead, 12
    behind): that one."""
    utc_day = timezone.localdate(timezone=dt.UTC)
    return next(
        name
        for name in ("Pacific/Kiritimati", "Etc/GMT+12")
        if timezone.localdate(timezone=zoneinfo.ZoneInfo(name)) != utc_day
    )
