"""Conditions for the accelerated walk: a guard for each, and closures with fewer calls.

A guard is a set of atoms of which at least one holds whenever the condition does, so the walk
may skip a condition when none holds. An atom is a fact about one fact, cheap to list for a
set of facts: ("t", name, None) the fact is truthy; ("n", name, None) it is not None;
("e", name, c) it equals c; ("c", name, c) it is a collection holding c.

`fast_test` compiles the shapes nearly every rule uses (`fact OP constant`, `constant in fact`,
two or three operands of `and`/`or`) into closures that read the facts themselves, one Python
call fewer per node; anything else is compiled by the plain compiler
(`rules.expression.compile_condition`). The conditions were checked when the tables loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from backcare.core.rules.expression import (
    Condition,
    Getter,
    compile_condition,
    dotted,
    parse_condition,
)

Atom = tuple[str, str, Any]


def guard(condition: Condition) -> frozenset[Atom] | None:
    """The condition's guard (None when none was found: the walk always tests it)."""
    return _guard(parse_condition(condition.source))


def _guard(node: ast.expr) -> frozenset[Atom] | None:
    """`a and b` is truthy only if both are, so either operand's guard guards it (the smaller
    is kept); `a or b` is truthy only if one of them is, so it needs a guard for each (their
    union). Only the plainest shapes are atoms: a bare fact, `fact is not None`,
    `fact == constant`, `fact in {constants}` (one "e" atom per constant) and
    `constant in fact`."""
    if isinstance(node, ast.BoolOp):
        guards = [_guard(v) for v in node.values]
        if isinstance(node.op, ast.And):
            found = [g for g in guards if g is not None]
            return min(found, key=len) if found else None
        if any(g is None for g in guards):
            return None
        return frozenset().union(*(g for g in guards if g is not None))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _compare_guard(node.ops[0], node.left, node.comparators[0])
    name = dotted(node)
    return None if name is None else frozenset({("t", name, None)})


def _compare_guard(op: ast.cmpop, left: ast.expr, right: ast.expr) -> frozenset[Atom] | None:
    name, other = dotted(left), dotted(right)
    if name is not None and isinstance(right, ast.Constant):
        if isinstance(op, ast.IsNot) and right.value is None:
            return frozenset({("n", name, None)})
        if isinstance(op, ast.Eq):
            return frozenset({("e", name, right.value)})
    if name is not None and isinstance(op, ast.In):
        values = _constants(right)
        if values is not None:
            return frozenset(("e", name, value) for value in values)
    if other is not None and isinstance(op, ast.In) and isinstance(left, ast.Constant):
        return frozenset({("c", other, left.value)})
    return None


def _constants(node: ast.expr) -> list[Any] | None:
    """The values of a literal collection of constants (None for anything else)."""
    if isinstance(node, ast.Set | ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) for e in node.elts
    ):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    return None


def fast_test(condition: Condition) -> Getter:
    """A closure equivalent to `condition.test`, with fewer calls for the common shapes."""
    return _fast(parse_condition(condition.source))


def _fast(node: ast.expr) -> Getter:
    if isinstance(node, ast.BoolOp):
        parts = [_fast(v) for v in node.values]
        return _and(parts) if isinstance(node.op, ast.And) else _or(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _fast(node.operand)
        return lambda f: not inner(f)
    if isinstance(node, ast.Call):  # count(...), the one function
        parts = [_fast(a) for a in node.args]
        return lambda f: sum(1 for p in parts if p(f))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        simple = _simple_compare(node.ops[0], node.left, node.comparators[0])
        if simple is not None:
            return simple
    # Any other shape: the plain compiler's closure (the names were checked at load time).
    return compile_condition(ast.unparse(node), lambda name: True).test


def _and(parts: list[Getter]) -> Getter:
    """`a and b ...` with Python's meaning: the first falsy value, or the last."""
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)
    a, b, *rest = parts
    if len(rest) == 1:
        (c,) = rest
        return lambda f: a(f) and b(f) and c(f)
    head, tail = _and(parts[:3]), _and(parts[3:]) if len(parts) > 4 else parts[3]
    return lambda f: head(f) and tail(f)


def _or(parts: list[Getter]) -> Getter:
    """`a or b ...` with Python's meaning: the first truthy value, or the last."""
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)
    a, b, *rest = parts
    if len(rest) == 1:
        (c,) = rest
        return lambda f: a(f) or b(f) or c(f)
    head, tail = _or(parts[:3]), _or(parts[3:]) if len(parts) > 4 else parts[3]
    return lambda f: head(f) or tail(f)


def _simple_compare(op: ast.cmpop, left: ast.expr, right: ast.expr) -> Getter | None:
    """`fact OP constant`, `fact is [not] None` or `constant [not] in fact`."""
    name = dotted(left)
    if name is not None and isinstance(op, ast.Is | ast.IsNot):
        if not (isinstance(right, ast.Constant) and right.value is None):
            return None
        if isinstance(op, ast.Is):
            return lambda f: f[name] is None
        return lambda f: f[name] is not None
    if name is not None:
        value = _constant(right)
        return None if value is _NOT_CONSTANT else _fact_op_constant(name, op, value)
    value = _constant(right)
    if value is not _NOT_CONSTANT and not isinstance(left, ast.Constant):
        return _getter_op_constant(_fast(left), op, value)  # e.g. count(...) >= 2
    other = dotted(right)
    if other is not None and isinstance(left, ast.Constant):
        word = left.value
        if isinstance(op, ast.In):
            return lambda f: word in f[other]
        if isinstance(op, ast.NotIn):
            return lambda f: word not in f[other]
    return None


_NOT_CONSTANT = object()


def _constant(node: ast.expr) -> Any:
    """A constant's value, a literal collection as a frozenset, or `_NOT_CONSTANT`."""
    if isinstance(node, ast.Constant):
        return node.value
    values = _constants(node)
    return _NOT_CONSTANT if values is None else frozenset(values)


def _fact_op_constant(name: str, op: ast.cmpop, value: Any) -> Getter | None:
    tests: Mapping[type[ast.cmpop], Getter] = {
        ast.In: lambda f: f[name] in value,
        ast.NotIn: lambda f: f[name] not in value,
        ast.Eq: lambda f: f[name] == value,
        ast.NotEq: lambda f: f[name] != value,
        ast.GtE: lambda f: f[name] >= value,
        ast.Gt: lambda f: f[name] > value,
        ast.Lt: lambda f: f[name] < value,
        ast.LtE: lambda f: f[name] <= value,
    }
    return tests.get(type(op))


def _getter_op_constant(get: Getter, op: ast.cmpop, value: Any) -> Getter | None:
    tests: Mapping[type[ast.cmpop], Getter] = {
        ast.In: lambda f: get(f) in value,
        ast.NotIn: lambda f: get(f) not in value,
        ast.Eq: lambda f: get(f) == value,
        ast.NotEq: lambda f: get(f) != value,
        ast.GtE: lambda f: get(f) >= value,
        ast.Gt: lambda f: get(f) > value,
        ast.Lt: lambda f: get(f) < value,
        ast.LtE: lambda f: get(f) <= value,
    }
    return tests.get(type(op))


def compared_constants(condition: Condition, name: str) -> set[Any] | None:
    """The constants the (undotted) fact `name` is compared with in the condition; None if it
    is read in any other way (a truth test, a chain, a comparison with another fact)."""
    tree = parse_condition(condition.source)
    reads = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name)
    found: set[Any] = set()
    compared = 0
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            continue
        left, right = node.left, node.comparators[0]
        for fact, other in ((left, right), (right, left)):
            if isinstance(fact, ast.Name) and fact.id == name and isinstance(other, ast.Constant):
                found.add(other.value)
                compared += 1
    return found if compared == reads else None
