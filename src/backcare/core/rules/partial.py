"""What the rules already decide when only some questions are answered (issue 11: emergency
first).

A person in an emergency must not have to answer twenty questions first. The self-check and the
client's intake link ask the warning signs before anything else; this module says which §2
emergency rules fire on those answers *whatever the unanswered questions say*.

It reads the same conditions the assessment reads (rules/data/), with three-valued logic: a fact
not given is unknown, `False and unknown` is False, `True or unknown` is True, and any other use
of an unknown (a comparison, `not`, `count`) is unknown. A rule counts only when its condition is
True; unknown is not enough. So every rule named here fires in `assess` for every complete
intake with the same given answers (tests/core/test_partial.py checks that on random intakes),
and the answer is never a second, hand-written list of "emergency signs".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Final

from backcare.core.results import Finding
from backcare.core.rules.expression import COMPARE, dotted, parse_condition
from backcare.core.rules.tables import Rule, load_tables
from backcare.core.rules.text import fill
from backcare.core.vocabulary import RED_FLAG_NAMES


class _Unknown:
    """The value of a fact nobody has given yet."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


def _and(parts: list[ast.expr], facts: Mapping[str, Any]) -> Any:
    """Left to right as Python does, stopping at a known false value (which may guard the
    next part: `x is not None and x < 12`); false beats unknown wherever it stands."""
    value: Any = True
    unknown = False
    for part in parts:
        value = evaluate(part, facts)
        if value is UNKNOWN:
            unknown = True
        elif not value:
            return value
    return UNKNOWN if unknown else value


def _or(parts: list[ast.expr], facts: Mapping[str, Any]) -> Any:
    """As `_and`, with true in place of false."""
    value: Any = False
    unknown = False
    for part in parts:
        value = evaluate(part, facts)
        if value is UNKNOWN:
            unknown = True
        elif value:
            return value
    return UNKNOWN if unknown else value


def _compare(node: ast.Compare, facts: Mapping[str, Any]) -> Any:
    """A comparison (or a chain of them) with the tables' own operators; unknown if it reads
    an unknown."""
    values = [evaluate(n, facts) for n in (node.left, *node.comparators)]
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    a = values[0]
    for op, b in zip(node.ops, values[1:], strict=True):
        if not COMPARE[type(op)](a, b):
            return False
        a = b
    return True


def evaluate(node: ast.expr, facts: Mapping[str, Any]) -> Any:
    """`node` (a checked condition's tree) on `facts`; a missing fact is UNKNOWN."""
    if isinstance(node, ast.BoolOp):
        return (_and if isinstance(node.op, ast.And) else _or)(node.values, facts)
    if isinstance(node, ast.UnaryOp):  # `not`, the only unary operator the tables allow
        inner = evaluate(node.operand, facts)
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, ast.Compare):
        return _compare(node, facts)
    if isinstance(node, ast.Call):  # count(...)
        parts = [evaluate(a, facts) for a in node.args]
        return UNKNOWN if any(p is UNKNOWN for p in parts) else sum(1 for p in parts if p)
    return _leaf(node, facts)


def _leaf(node: ast.expr, facts: Mapping[str, Any]) -> Any:
    """A constant, a set of constants, a named predicate or a fact."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return frozenset(e.value for e in node.elts if isinstance(e, ast.Constant))
    name = dotted(node)
    predicates = _predicates()
    if name in predicates:
        return evaluate(predicates[name], facts)
    return UNKNOWN if name is None else facts.get(name, UNKNOWN)


@cache
def _predicates() -> dict[str, ast.expr]:
    return {p.name: parse_condition(p.when.source) for p in load_tables().predicates}


@cache
def _tree(rule_id: str) -> ast.expr:
    return parse_condition(load_tables().rule(rule_id).when.source)


def fires(rule: Rule, facts: Mapping[str, Any]) -> bool:
    """Whether `rule` fires on `facts` whatever the facts not given are."""
    return evaluate(_tree(rule.id), facts) is True


def known_facts(
    red_flags: Iterable[str],
    conditions: Iterable[str] | None = None,
    medications: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The facts of a person who has answered the warning signs (`red_flags`: the signs they
    have; every other sign is a no) and, when given (not None), their conditions and
    medicines. Everything else (age, the pain, ...) stays unknown."""
    given = set(red_flags)
    facts: dict[str, Any] = {f"red_flags.{n}": n in given for n in RED_FLAG_NAMES}
    if conditions is not None:
        facts["conditions"] = tuple(conditions)
    if medications is not None:
        facts["medications"] = tuple(medications)
    return facts


def emergencies(facts: Mapping[str, Any]) -> tuple[Finding, ...]:
    """The §2 rules of urgency `emergency` that fire on `facts` whatever the rest is, as the
    findings `assess` would give for them, in table order."""
    return tuple(
        Finding(r.id, fill(r.text, facts), r.sources, fill(r.therapist_text, facts))
        for r in load_tables().referral
        if r.urgency == "emergency" and fires(r, facts)
    )


@cache
def cauda_equina_signs() -> tuple[str, ...]:
    """The warning signs the cauda equina rules read (§2's RF-CES-* rows), in contract order:
    what a check-in asks when numbness, weakness or leg symptoms are reported (§6b)."""
    read = {
        name.removeprefix("red_flags.")
        for r in load_tables().referral
        if r.id.startswith("RF-CES-")
        for name in r.reads
        if name.startswith("red_flags.")
    }
    return tuple(n for n in RED_FLAG_NAMES if n in read)
