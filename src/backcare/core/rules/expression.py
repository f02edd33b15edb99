"""A tiny, safe condition language for the rule tables.

A rule's `when` is a one-line condition a clinician can read, e.g.

    red_flags.history_of_cancer and pain.radiation == "below_knee"
        and not ("herniated_disc" in conditions or "spinal_stenosis" in conditions)

It is parsed with Python's own parser (`ast.parse`, mode "eval") and then compiled, node by node,
into plain closures. It is never passed to eval(): only the node types listed in `_compile` are
accepted (boolean logic, comparisons, membership, constants, set/list literals, dotted fact names
and the one function `count(...)`); anything else -- calls, subscripts, lambdas, dunder
attributes -- is refused when the tables load. Every fact name is checked against the names the
evaluator provides, so a misspelled field in a table is a load-time error, never a silent False.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Getter = Callable[[Mapping[str, Any]], Any]
# A fact about one fact, cheap to list for a set of facts: ("t", name, None) the fact is truthy;
# ("n", name, None) it is not None; ("e", name, c) it equals c; ("c", name, c) it is a
# collection holding c.
Atom = tuple[str, str, Any]


class ExpressionError(ValueError):
    """A condition in a rule table is not in the allowed form."""


@dataclass(frozen=True)
class Condition:
    """A compiled condition: call it with the facts; `names` are the facts it reads.

    `test` is the compiled closure itself (truthy or falsy); the engine calls it directly, since
    this is the hot path of every assessment.
    """

    source: str
    names: frozenset[str]
    test: Getter
    # A guard (see `Atom`): atoms of which at least one holds whenever the condition does, so an
    # engine may skip the condition when none holds; None when no such set was found.
    guard: frozenset[Atom] | None = None

    def __call__(self, facts: Mapping[str, Any]) -> bool:
        return bool(self.test(facts))


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def compile_condition(source: str, known: Callable[[str], bool]) -> Condition:
    """Compile `source`; `known(name)` says whether a fact name exists."""
    try:
        # Wrapped in parentheses so that a condition may span several lines of a table.
        tree = ast.parse(f"(\n{source}\n)", mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None
    names: set[str] = set()

    def fail(node: ast.AST, why: str) -> ExpressionError:
        return ExpressionError(f"{why} in {source!r} (at {ast.unparse(node)!r})")

    def compile_node(node: ast.expr) -> Getter:
        if isinstance(node, ast.BoolOp):
            return _bool_op(isinstance(node.op, ast.And), [compile_node(v) for v in node.values])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = compile_node(node.operand)
            return lambda f: not inner(f)
        if isinstance(node, ast.Compare):
            simple = _simple_compare(node, compile_node)
            if simple is not None:
                return simple
            left = compile_node(node.left)
            steps = []
            for op, right in zip(node.ops, node.comparators, strict=True):
                fn = _COMPARE.get(type(op))
                if fn is None:
                    raise fail(node, "unsupported comparison")
                if isinstance(op, ast.Is | ast.IsNot) and not (
                    isinstance(right, ast.Constant) and right.value is None
                ):
                    raise fail(node, "'is' may only compare with None")
                steps.append((fn, compile_node(right)))

            def compare(f: Mapping[str, Any]) -> bool:
                a = left(f)
                for fn, right_getter in steps:
                    b = right_getter(f)
                    if not fn(a, b):
                        return False
                    a = b
                return True

            return compare
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str | int | float | bool | type(None)):
                raise fail(node, "unsupported constant")
            value = node.value
            return lambda f: value
        if isinstance(node, ast.Set | ast.List | ast.Tuple):
            if not all(isinstance(e, ast.Constant) for e in node.elts):
                raise fail(node, "collections may hold constants only")
            values = frozenset(e.value for e in node.elts if isinstance(e, ast.Constant))
            return lambda f: values
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "count") or node.keywords:
                raise fail(node, "the only function is count(...)")
            parts = [compile_node(a) for a in node.args]
            return lambda f: sum(1 for p in parts if p(f))
        name = _dotted(node)
        if name is not None:
            if "__" in name:
                raise fail(node, "dunder names are not allowed")
            if not known(name):
                raise fail(node, f"unknown fact {name!r}")
            names.add(name)
            return operator.itemgetter(name)
        raise fail(node, f"unsupported syntax {type(node).__name__}")

    fn = compile_node(tree.body)
    return Condition(
        source=" ".join(source.split()),
        names=frozenset(names),
        test=fn,
        guard=_guard(tree.body),
    )


def _guard(node: ast.expr) -> frozenset[Atom] | None:
    """Atoms of which at least one holds whenever `node` is truthy (None: none found).

    `a and b` is truthy only if both are, so either operand's guard guards it (the smaller is
    kept); `a or b` is truthy only if one of them is, so it needs a guard for each (their
    union). Only the plainest shapes are atoms: a bare fact, `fact is not None`, `fact ==
    constant`, `fact in {constants}` (one "e" atom per constant) and `constant in fact`.
    """
    if isinstance(node, ast.BoolOp):
        guards = [_guard(v) for v in node.values]
        if isinstance(node.op, ast.And):
            found = [g for g in guards if g is not None]
            return min(found, key=len) if found else None
        if any(g is None for g in guards):
            return None
        return frozenset().union(*(g for g in guards if g is not None))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op, left, right = node.ops[0], node.left, node.comparators[0]
        name, other = _dotted(left), _dotted(right)
        if name is not None and isinstance(right, ast.Constant):
            if isinstance(op, ast.IsNot) and right.value is None:
                return frozenset({("n", name, None)})
            if isinstance(op, ast.Eq):
                return frozenset({("e", name, right.value)})
        if (
            name is not None
            and isinstance(op, ast.In)
            and isinstance(right, ast.Set | ast.List | ast.Tuple)
            and all(isinstance(e, ast.Constant) for e in right.elts)
        ):
            return frozenset(
                ("e", name, e.value) for e in right.elts if isinstance(e, ast.Constant)
            )
        if other is not None and isinstance(op, ast.In) and isinstance(left, ast.Constant):
            return frozenset({("c", other, left.value)})
        return None
    name = _dotted(node)
    if name is not None:
        return frozenset({("t", name, None)})
    return None


# Specialised closures for the common shapes: they run once per rule per assessment, so fewer
# Python-level calls here is most of the engine's speed. Semantics are those of Python's own
# `and`, `or` and comparisons.


def _bool_op(is_and: bool, parts: list[Getter]) -> Getter:
    if len(parts) == 2:
        a, b = parts
        return (lambda f: a(f) and b(f)) if is_and else (lambda f: a(f) or b(f))
    if len(parts) == 3:
        a, b, c = parts
        if is_and:
            return lambda f: a(f) and b(f) and c(f)
        return lambda f: a(f) or b(f) or c(f)

    def many(f: Mapping[str, Any]) -> Any:
        value: Any = is_and
        for p in parts:
            value = p(f)
            if bool(value) != is_and:
                return value
        return value

    return many


def _simple_compare(node: ast.Compare, compile_node: Callable[[ast.expr], Getter]) -> Getter | None:
    """`fact OP constant` or `constant in fact`, the shapes nearly every rule uses.

    Where the fact is a plain (dotted) name, the closure reads `f[name]` itself, which is what
    the name's getter would do, one call fewer.
    """
    if len(node.ops) != 1:
        return None
    op, left, right = node.ops[0], node.left, node.comparators[0]
    if isinstance(op, ast.Is | ast.IsNot):
        name = _dotted(left)
        if name is None or not (isinstance(right, ast.Constant) and right.value is None):
            return None  # checked (and refused, if need be) by the general path
        compile_node(left)  # checks the name
        fact: str = name
        if isinstance(op, ast.Is):
            return lambda f: f[fact] is None
        return lambda f: f[fact] is not None
    const_right = isinstance(right, ast.Constant | ast.Set | ast.List | ast.Tuple)
    const_left = isinstance(left, ast.Constant)
    if const_right and not const_left:
        get, value = compile_node(left), compile_node(right)(_NO_FACTS)
        name = _dotted(left)
        if name is not None:
            return _fact_op_constant(name, op, value)
        if isinstance(op, ast.In):
            return lambda f: get(f) in value
        if isinstance(op, ast.NotIn):
            return lambda f: get(f) not in value
        if isinstance(op, ast.Eq):
            return lambda f: get(f) == value
        if isinstance(op, ast.NotEq):
            return lambda f: get(f) != value
        if isinstance(op, ast.GtE):
            return lambda f: get(f) >= value
        if isinstance(op, ast.Gt):
            return lambda f: get(f) > value
        if isinstance(op, ast.Lt):
            return lambda f: get(f) < value
        if isinstance(op, ast.LtE):
            return lambda f: get(f) <= value
    if const_left and isinstance(op, ast.In | ast.NotIn):
        value, get = compile_node(left)(_NO_FACTS), compile_node(right)
        name = _dotted(right)
        if name is not None:
            if isinstance(op, ast.In):
                return lambda f: value in f[name]
            return lambda f: value not in f[name]
        if isinstance(op, ast.In):
            return lambda f: value in get(f)
        return lambda f: value not in get(f)
    return None


def _fact_op_constant(name: str, op: ast.cmpop, value: Any) -> Getter | None:
    if isinstance(op, ast.In):
        return lambda f: f[name] in value
    if isinstance(op, ast.NotIn):
        return lambda f: f[name] not in value
    if isinstance(op, ast.Eq):
        return lambda f: f[name] == value
    if isinstance(op, ast.NotEq):
        return lambda f: f[name] != value
    if isinstance(op, ast.GtE):
        return lambda f: f[name] >= value
    if isinstance(op, ast.Gt):
        return lambda f: f[name] > value
    if isinstance(op, ast.Lt):
        return lambda f: f[name] < value
    if isinstance(op, ast.LtE):
        return lambda f: f[name] <= value
    return None


_NO_FACTS: Mapping[str, Any] = {}
