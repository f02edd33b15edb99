"""Model instances from one plain SQL query over several joined tables.

For the few queries run on every request (the API token's check), building the ORM's query
cost more than running it (issue 13). `joined_instances` selects every concrete column of
each model, converts each value as the ORM would (the backend's and the field's converters:
SQLite's dates, aware datetimes, JSON), and makes the instances with `Model.from_db`, as a
queryset does. The caller links them (`token.user = user`), as `select_related` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model`, as `alias`.column, for a SELECT list."""
    key = (connection.vendor, model._meta.label, alias)
    if key not in _COLUMNS:
        quote = connection.ops.quote_name
        _COLUMNS[key] = ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)
    return _COLUMNS[key]


# Made once per model (and kind of database): they depend on nothing else.
_COLUMNS: dict[tuple[str, str, str], str] = {}
_READING: dict[tuple[str, str], tuple[list[str], list[tuple[Any, list[Any]]]]] = {}


def _reading(model: type[Model]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    """The model's attribute names, and each column's expression and converters."""
    key = (connection.vendor, model._meta.label)
    if key not in _READING:
        _READING[key] = _converters(model)
    return _READING[key]


def _converters(model: type[Model]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    fields = model._meta.concrete_fields
    converted = []
    for field in fields:
        expression = field.get_col(model._meta.db_table)
        converters = [
            *connection.ops.get_db_converters(expression),
            *field.get_db_converters(connection),
        ]
        converted.append((expression, converters))
    return [f.attname for f in fields], converted


def one_instance(model: type[Model], where: str, params: Sequence[Any]) -> Model | None:
    """The first row of `model`'s table (alias `t`) matching `where`, as an instance; None
    without one. `where` may end with an ORDER BY."""
    made = joined_instances(
        f"SELECT {columns(model, 't')} FROM {model._meta.db_table} t WHERE {where}",
        params,
        [model],
    )
    return None if made is None else made[0]


def joined_instances(
    sql: str, params: Sequence[Any], models: Sequence[type[Model]]
) -> tuple[Model, ...] | None:
    """Run `sql` (whose SELECT list is `columns(model, alias)` of each of `models`, in order)
    and make one instance of each model from its first row; None without a row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    made = []
    start = 0
    for model in models:
        names, converted = _reading(model)
        values = list(row[start : start + len(names)])
        for i, (expression, converters) in enumerate(converted):
            for convert in converters:
                values[i] = convert(values[i], expression, connection)
        made.append(model.from_db(connection.alias, names, values))
        start += len(names)
    return tuple(made)
