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


class ExpressionError(ValueError):
    """A condition in a rule table is not in the allowed form."""


@dataclass(frozen=True)
class Condition:
    """A compiled condition: call it with the facts; `names` are the facts it reads."""

    source: str
    names: frozenset[str]
    test: Getter  # the compiled closure itself: truthy or falsy, as Python's own operators are

    def __call__(self, facts: Mapping[str, Any]) -> bool:
        return bool(self.test(facts))


# The comparisons a condition may use (rules/partial.py evaluates with the same ones).
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
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


def dotted(node: ast.expr) -> str | None:
    """`pain.regions` for the node of `pain.regions`; None for anything but a (dotted) name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def parse_condition(source: str) -> ast.expr:
    """The syntax tree of a condition (not yet checked: `compile_condition` checks it)."""
    try:
        # Wrapped in parentheses so that a condition may span several lines of a table.
        return ast.parse(f"(\n{source}\n)", mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None


def compile_condition(source: str, known: Callable[[str], bool]) -> Condition:
    """Compile `source`; `known(name)` says whether a fact name exists."""
    compiler = _Compiler(source, known)
    test = compiler.compile(parse_condition(source))
    return Condition(source=" ".join(source.split()), names=frozenset(compiler.names), test=test)


class _Compiler:
    """Compiles one condition's nodes into closures, refusing anything not allowed."""

    def __init__(self, source: str, known: Callable[[str], bool]) -> None:
        self.source = source
        self.known = known
        self.names: set[str] = set()

    def fail(self, node: ast.AST, why: str) -> ExpressionError:
        return ExpressionError(f"{why} in {self.source!r} (at {ast.unparse(node)!r})")

    def compile(self, node: ast.expr) -> Getter:
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v) for v in node.values]
            return _all(parts) if isinstance(node.op, ast.And) else _any(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.compile(node.operand)
            return lambda f: not inner(f)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Set | ast.List | ast.Tuple):
            if not all(isinstance(e, ast.Constant) for e in node.elts):
                raise self.fail(node, "collections may hold constants only")
            values = frozenset(e.value for e in node.elts if isinstance(e, ast.Constant))
            return lambda f: values
        if isinstance(node, ast.Call):
            return self.count(node)
        return self.fact(node)

    def compare(self, node: ast.Compare) -> Getter:
        """`a OP b`, or a chain `a OP b OP c`, with Python's meaning."""
        left = self.compile(node.left)
        steps = []
        for op, right in zip(node.ops, node.comparators, strict=True):
            fn = COMPARE[type(op)]  # every one of Python's ten comparison operators
            if isinstance(op, ast.Is | ast.IsNot) and not (
                isinstance(right, ast.Constant) and right.value is None
            ):
                raise self.fail(node, "'is' may only compare with None")
            steps.append((fn, self.compile(right)))

        def test(f: Mapping[str, Any]) -> bool:
            a = left(f)
            for fn, right_getter in steps:
                b = right_getter(f)
                if not fn(a, b):
                    return False
                a = b
            return True

        return test

    def constant(self, node: ast.Constant) -> Getter:
        if not isinstance(node.value, str | int | float | bool | type(None)):
            raise self.fail(node, "unsupported constant")
        value = node.value
        return lambda f: value

    def count(self, node: ast.Call) -> Getter:
        """`count(a, b, ...)`: how many of its arguments are true."""
        if not (isinstance(node.func, ast.Name) and node.func.id == "count") or node.keywords:
            raise self.fail(node, "the only function is count(...)")
        parts = [self.compile(a) for a in node.args]
        return lambda f: sum(1 for p in parts if p(f))

    def fact(self, node: ast.expr) -> Getter:
        name = dotted(node)
        if name is None:
            raise self.fail(node, f"unsupported syntax {type(node).__name__}")
        if "__" in name:
            raise self.fail(node, "dunder names are not allowed")
        if not self.known(name):
            raise self.fail(node, f"unknown fact {name!r}")
        self.names.add(name)
        return operator.itemgetter(name)


def _all(parts: list[Getter]) -> Getter:
    """`a and b and ...` (two parts or more, as Python parses it): the first falsy value, or
    the last value."""
    *first, last = parts

    def test(f: Mapping[str, Any]) -> Any:
        for part in first:
            value = part(f)
            if not value:
                return value
        return last(f)

    return test


def _any(parts: list[Getter]) -> Getter:
    """`a or b or ...` (two parts or more): the first truthy value, or the last value."""
    *first, last = parts

    def test(f: Mapping[str, Any]) -> Any:
        for part in first:
            value = part(f)
            if value:
                return value
        return last(f)

    return test
