"""`{% for row in field|map_rows %}`: a region field's boxes laid out as the body map's rows.

The map is the field's own checkboxes (keyboard, touch and no-JavaScript ready), one row per
contract region from the neck down, one column per side as seen from behind: the client's left
on the left. A box without a side ("lumbar", as the intake's `pain.regions` has it) sits in the
middle column. Region and side words come from core/wording.py.
"""

from __future__ import annotations

from typing import Any, get_args

from django import template

from backcare.core.vocabulary import Region
from backcare.core.wording import NO_SIDE, REGIONS, SIDES

register = template.Library()

_COLUMNS = ("left", "", "right")


@register.filter
def map_rows(field: Any) -> list[dict[str, Any]]:
    """The rows of the map: each region's words and its boxes in column order (left, no
    side, right); a column the field does not offer is left out."""
    boxes: dict[tuple[str, str], Any] = {}
    for box in field:
        region, _, side = str(box.data["value"]).partition("-")
        boxes[(region, side)] = box
    side_words = dict(SIDES) | {"": NO_SIDE}
    columns = [side for side in _COLUMNS if any(s == side for _, s in boxes)]
    return [
        {
            "region": region,
            "words": dict(REGIONS)[region],
            "cells": [
                {"box": boxes[(region, side)], "side": side or "none", "words": side_words[side]}
                for side in columns
                if (region, side) in boxes
            ],
        }
        for region in get_args(Region)
        if any(r == region for r, _ in boxes)
    ]
