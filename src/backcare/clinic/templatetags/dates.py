"""`{{ when|moment }}` and `{{ day|day }}`: dates and times as every page shows them, from the
one place (lib/dates.py); `{% time_zone %}` names the zone they are shown in."""

from __future__ import annotations

from typing import Any

from django import template

from backcare.lib import dates

register = template.Library()


@register.filter(name="day")
def day(value: Any) -> str:
    return dates.day(value)


@register.filter(name="moment")
def moment(value: Any) -> str:
    return dates.moment(value)


@register.simple_tag(name="time_zone")
def time_zone() -> str:
    return dates.zone_name()
