"""The core reads like the spec: no function outside the accelerator is more complex than a
reader can hold (radon's cyclomatic complexity at most 15; issue 14). The accelerator
(`core/accelerator/`) is exempt: it is held to the plain engine by tests/core/test_accelerator.py,
not read to learn the rules."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

CORE = Path(__file__).parents[2] / "src" / "backcare" / "core"
LIMIT = 15


def _functions(path: Path) -> list[tuple[str, int]]:
    found = []
    for block in cc_visit(path.read_text(encoding="utf-8")):
        found.append((block.fullname, block.complexity))
        # A class's methods are reported inside it.
        found += [(m.fullname, m.complexity) for m in getattr(block, "methods", [])]
    return found


def test_no_function_of_the_core_outside_the_accelerator_is_above_15() -> None:
    files = [p for p in CORE.rglob("*.py") if "accelerator" not in p.parts]
    assert len(files) > 10
    too_complex = [
        f"{path.relative_to(CORE)}:{name} ({cc})"
        for path in files
        for name, cc in _functions(path)
        if cc > LIMIT
    ]
    assert too_complex == []


def test_the_check_sees_a_complex_function() -> None:
    # The check can fail: radon measures a function with sixteen branches as 17.
    source = "def f(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(16))
    (block,) = cc_visit(source)
    assert block.complexity == 17 > LIMIT
