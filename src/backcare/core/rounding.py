"""Half-up rounding with Decimal.

Python's round() rounds half to even and works on binary floats (round(2.675, 2) == 2.67), which
would make a clinical score depend on floating-point noise. Every score in backcare is rounded
here instead: decimal arithmetic from the values as written, halves rounded away from zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_decimal(value: int | float | Decimal) -> Decimal:
    """The exact decimal a person wrote: 6.1 -> Decimal("6.1"), not 6.0999999999999996447..."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):  # bool is an int subclass; a flag is never a score
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    # repr() of a float is the shortest string that reads back to the same float,
    # i.e. the number as it was written in the JSON document.
    return Decimal(repr(value))


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round to `places` decimals, halves away from zero (-6.25 -> -6.3, 2.5 -> 3)."""
    quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)
