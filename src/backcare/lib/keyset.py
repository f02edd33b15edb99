"""Keyset pagination: lists whose every page costs the same, however deep.

A page is read from where the previous one ended (`WHERE (key) > (last key) ORDER BY key
LIMIT n`, an index range scan), never by counting rows to skip (`OFFSET`, which reads every
skipped row). The cursor that says where is opaque: it carries the id of the row a page ended
(or began) at and the direction, signed (`django.core.signing`, with a salt per list), and the
key's values are read back from that row through the caller's own, already scoped queryset.

Why the id and not the key's values: a list ordered by name would otherwise put a client's name
into every "next" URL, and so into browser histories and server logs (the safer choice). A
cursor of another list, another clinic or a row that is gone is a `BadCursor` (the caller
answers it as a field error, 400/422), never a server error and never a silently wider list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)

_AFTER, _BEFORE = "n", "p"
BAD_CURSOR = "Not a cursor of this list: start again from its first page."


class BadCursor(ValueError):
    """A cursor that is not one of this list's (tampered with, of another list, or stale)."""


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None  # the page after this one, if there is one
    previous_cursor: str | None  # the page before this one, if there is one

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def cursor(scope: str, pk: Any, direction: str) -> str:
    return str(signing.dumps({"d": direction, "k": pk}, salt=f"backcare.keyset.{scope}"))


def _read(scope: str, text: str) -> tuple[str, Any]:
    try:
        value = signing.loads(text, salt=f"backcare.keyset.{scope}")
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(BAD_CURSOR) from exc
    if not isinstance(value, dict) or value.get("d") not in (_AFTER, _BEFORE):
        raise BadCursor(BAD_CURSOR)
    return value["d"], value.get("k")


def _beyond(fields: Sequence[str], values: Sequence[Any], ops: Sequence[str]) -> Q:
    """Rows whose key (`fields`, compared in order, each by its `ops`: "gt" or "lt") is past
    `values`: `(a, b) > (x, y)` spelt `a >= x AND (a > x OR (a = x AND b > y))`, which both
    databases answer from an index on (a, b) (the leading `a >= x` is the index range)."""
    past = Q()
    for i, name in enumerate(fields):
        equal_before = dict(zip(fields[:i], values[:i], strict=True))
        past |= Q(**equal_before, **{f"{name}__{ops[i]}": values[i]})
    lead = Q(**{f"{fields[0]}__{ops[0]}e": values[0]})
    return lead & past


def page(
    queryset: QuerySet[M],
    *,
    scope: str,
    key: Sequence[str],
    descending: bool = False,
    limit: int,
    after: str | None = None,
) -> Page[M]:
    """One page of `queryset` in the order of `key` (its last field unique, e.g. the id; a
    field named "-field" descends, as in `order_by`; `descending` turns every field round),
    starting after the cursor `after` (the first page without one). `scope` names the list: a
    cursor is good for its own list only. Key fields are never NULL in the rows listed."""
    fields = [f.removeprefix("-") for f in key]
    down = [f.startswith("-") != descending for f in key]
    order = [f"-{f}" if d else f for f, d in zip(fields, down, strict=True)]
    if after is None:
        rows = list(queryset.order_by(*order)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, cursor(scope, rows[-1].pk, _AFTER) if more else None, None)
    direction, pk = _read(scope, after)
    try:
        found = list(queryset.filter(pk=pk).values_list(*fields)[:1])
    except (ValueError, TypeError) as exc:
        raise BadCursor(BAD_CURSOR) from exc
    if not found:
        raise BadCursor(BAD_CURSOR)
    values = found[0]
    forward = direction == _AFTER
    # Forward along an ascending field is "greater than"; backward flips it, and so does a
    # descending field.
    ops = ["gt" if forward != d else "lt" for d in down]
    walk = order if forward else [f if d else f"-{f}" for f, d in zip(fields, down, strict=True)]
    beyond = _beyond(fields, values, ops)
    rows = list(queryset.filter(beyond).order_by(*walk)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    if not rows:
        return Page(rows, None, None)
    # The cursor's own row lies on the far side, so the way back always exists.
    if forward:
        return Page(
            rows,
            cursor(scope, rows[-1].pk, _AFTER) if more else None,
            cursor(scope, rows[0].pk, _BEFORE),
        )
    return Page(
        rows,
        cursor(scope, rows[-1].pk, _AFTER),
        cursor(scope, rows[0].pk, _BEFORE) if more else None,
    )
