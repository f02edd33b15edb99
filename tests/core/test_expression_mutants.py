"""The rule tables' condition language, pinned down (docs/mutation.md).

A condition means what the same line means in Python. The first tests hold the compiled
closures to Python's own evaluation of the same text, value for value (not only truthiness:
`a and b` is the first falsy value or the last, as in Python), over many conditions and facts.
The rest pin each refusal to its message: a table author reads it to fix a row.
"""

from __future__ import annotations

import ast
import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from backcare.core.rules.expression import (
    COMPARE,
    ExpressionError,
    compile_condition,
    dotted,
    parse_condition,
)

NAMES = {"a", "b", "c", "n", "m", "s", "items", "pain.regions", "pain.side", "red_flags.fever"}


def known(name: str) -> bool:
    return name in NAMES


def python_value(source: str, facts: dict[str, Any]) -> Any:
    """What Python itself says `source` is, the dotted names given as attributes."""
    scope: dict[str, Any] = {}
    for name, value in facts.items():
        head, _, rest = name.partition(".")
        if rest:
            scope.setdefault(head, SimpleNamespace())
            setattr(scope[head], rest, value)
        else:
            scope[head] = value

    def count(*args: Any) -> int:
        return sum(1 for arg in args if arg)

    scope["count"] = count
    return eval(source, {"__builtins__": {}}, scope)  # the oracle: Python itself


CONDITIONS = [
    "a",
    "not a",
    "not not a",
    "a and b",
    "a or b",
    "a and b and c",
    "a or b or c",
    "a and (b or c)",
    "(a or b) and not c",
    "a and b or c",
    "n == 3",
    "n != 3",
    "n < 3",
    "n <= 3",
    "n > 3",
    "n >= 3",
    "1 < n < 5",
    "1 <= n <= 5",
    "n < m",
    "n <= m",
    "n < m < 5",
    "n == m == 3",
    "3 > n >= 1",
    "s == 'lumbar'",
    "s in ['lumbar', 'thoracic']",
    "s not in {'lumbar', 'thoracic'}",
    "s in ('lumbar',)",
    "'lumbar' in pain.regions",
    "'lumbar' not in pain.regions",
    "'lumbar' in pain.regions and pain.side == 'left'",
    "items",
    "not items",
    "pain.side is None",
    "pain.side is not None",
    "n is None or n > 2",
    "count(a, b, c)",
    "count(a, b, c) >= 2",
    "count(a, b, c) == 0",
    "count(n > 2, s == 'lumbar', red_flags.fever)",
    "count()",
    "red_flags.fever and not (a or b)",
    "n",
    "n and m",
    "n or m",
    "s or 'none'",
    "0.5 <= n",
    "True",
    "False",
    "None",
    "a == True",
]

VALUES: dict[str, list[Any]] = {
    "a": [True, False],
    "b": [True, False, 0, 2],
    "c": [False, True],
    "n": [0, 1, 3, 4, 7],
    "m": [3, 5],
    "s": ["lumbar", "cervical", ""],
    "items": [frozenset(), frozenset({"x"})],
    "pain.regions": [frozenset(), frozenset({"lumbar"}), frozenset({"lumbar", "sacral"})],
    "pain.side": [None, "left", "right"],
    "red_flags.fever": [False, True],
}


def fact_sets() -> list[dict[str, Any]]:
    """Every value of each fact against a rotating choice of the others: all of each one's
    values are met, and most pairs, in a few hundred fact sets."""
    names = sorted(VALUES)
    out = []
    for i in range(180):
        out.append({name: VALUES[name][(i * (k + 1) + i // 7) % len(VALUES[name])]
                    for k, name in enumerate(names)})  # fmt: skip
    for a, b, c in itertools.product([True, False], repeat=3):
        out.append(out[0] | {"a": a, "b": b, "c": c})
    return out


@pytest.mark.parametrize("source", CONDITIONS)
def test_a_condition_means_what_python_says_value_for_value(source: str) -> None:
    condition = compile_condition(source, known)
    for facts in fact_sets():
        expected = python_value(source, facts)
        value = condition.test(facts)
        assert value == expected and type(value) is type(expected), (source, facts)
        assert condition(facts) is bool(expected)


def test_and_gives_the_first_falsy_value_and_or_the_first_truthy_one() -> None:
    """Pinned by hand too, for the values Python's `and` and `or` return."""
    facts = {"a": 0, "b": "", "c": [1], "n": 2, "m": 3}
    assert compile_condition("a and b", known).test(facts) == 0
    assert compile_condition("n and b and c", known).test(facts) == ""
    assert compile_condition("n and m", known).test(facts) == 3
    assert compile_condition("a or b", known).test(facts) == ""
    assert compile_condition("a or n or m", known).test(facts) == 2
    assert compile_condition("count(a, b, c, n)", known).test(facts) == 2


def test_a_chain_compares_each_neighbour_not_the_first_with_all() -> None:
    chain = compile_condition("1 < n < m", known)
    assert chain({"n": 2, "m": 3}) is True
    assert chain({"n": 2, "m": 2}) is False  # 1 < 2 holds, 2 < 2 does not
    assert chain({"n": 0, "m": 3}) is False
    assert chain({"n": 5, "m": 3}) is False  # 1 < 5 and 1 < 3, but not 5 < 3


def test_a_condition_records_the_facts_it_reads_and_its_one_line_source() -> None:
    condition = compile_condition(
        "a and count(b, n > 2)\n   or 'lumbar' in pain.regions and s == 'x'", known
    )
    assert condition.names == {"a", "b", "n", "pain.regions", "s"}
    assert condition.source == "a and count(b, n > 2) or 'lumbar' in pain.regions and s == 'x'"
    assert compile_condition("True", known).names == frozenset()


def test_dotted_names() -> None:
    assert dotted(parse_condition("a")) == "a"
    assert dotted(parse_condition("pain.regions")) == "pain.regions"
    assert dotted(parse_condition("x.y.z")) == "x.y.z"
    assert dotted(parse_condition("f().y")) is None
    assert dotted(parse_condition("1")) is None


def test_a_condition_may_span_lines() -> None:
    assert compile_condition("a\nand b", known)({"a": True, "b": True}) is True


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a and", "cannot parse 'a and': invalid syntax"),
        ("n is 3", "'is' may only compare with None in 'n is 3' (at 'n is 3')"),
        ("n is not a", "'is' may only compare with None in 'n is not a' (at 'n is not a')"),
        ("n == b'x'", "unsupported constant in \"n == b'x'\" (at \"b'x'\")"),
        ("n == 1j", "unsupported constant in 'n == 1j' (at '1j')"),
        ("n == ...", "unsupported constant in 'n == ...' (at '...')"),
        ("s in {a, 'x'}", "collections may hold constants only in \"s in {a, 'x'}\""),
        ("s in [b]", "collections may hold constants only in 's in [b]' (at '[b]')"),
        ("len(items)", "the only function is count(...) in 'len(items)' (at 'len(items)')"),
        ("count(a, b=1)", "the only function is count(...) in 'count(a, b=1)'"),
        ("a.count(b)", "the only function is count(...) in 'a.count(b)' (at 'a.count(b)')"),
        ("items[0]", "unsupported syntax Subscript in 'items[0]' (at 'items[0]')"),
        ("n + 1 > 2", "unsupported syntax BinOp in 'n + 1 > 2' (at 'n + 1')"),
        ("-n > 2", "unsupported syntax UnaryOp in '-n > 2' (at '-n')"),
        ("lambda: 1", "unsupported syntax Lambda in 'lambda: 1' (at 'lambda: 1')"),
        ("a.__class__", "dunder names are not allowed in 'a.__class__' (at 'a.__class__')"),
        ("__x", "dunder names are not allowed in '__x' (at '__x')"),
        ("pain.sides", "unknown fact 'pain.sides' in 'pain.sides' (at 'pain.sides')"),
        ("a and nope", "unknown fact 'nope' in 'a and nope' (at 'nope')"),
        ("count(a, nope)", "unknown fact 'nope' in 'count(a, nope)' (at 'nope')"),
    ],
)
def test_each_refusal_says_what_and_where(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as refused:
        compile_condition(source, known)
    assert str(refused.value).startswith(message)


def test_is_none_and_is_not_none_are_allowed() -> None:
    assert compile_condition("pain.side is None", known)({"pain.side": None}) is True
    assert compile_condition("pain.side is not None", known)({"pain.side": None}) is False


def test_every_constant_kind_a_table_uses_is_allowed() -> None:
    for source, facts, expected in [
        ("s == 'x'", {"s": "x"}, True),
        ("n == 2", {"n": 2}, True),
        ("n >= 0.5", {"n": 0.5}, True),
        ("a == False", {"a": False}, True),
        ("pain.side == None", {"pain.side": None}, True),
    ]:
        assert compile_condition(source, known)(facts) is expected, source


def test_every_comparison_operator_python_has_is_in_the_language() -> None:
    """`_Compiler.compare` looks each operator up without a refusal: none may be missing."""
    assert set(COMPARE) == set(ast.cmpop.__subclasses__())
