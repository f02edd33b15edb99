"""The core is pure: no framework, no outer layer, no I/O, no clock, no environment."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import backcare.core

CORE = Path(backcare.core.__file__).parent
FORBIDDEN_IMPORTS = {
    "django",
    "backcare.cli",
    "backcare.cli.demo",
    "backcare.web",
    "requests",
    "urllib",
    "http",
    "socket",
    "sqlite3",
    "subprocess",
    "os",
    "shutil",
    "pathlib",
    "random",
    "time",
    "logging",
}
FORBIDDEN_CALLS = {"open", "eval", "exec", "compile", "input", "print", "__import__"}


def _python_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_imports_nothing_impure() -> None:
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert name not in FORBIDDEN_IMPORTS and root not in FORBIDDEN_IMPORTS, (path, name)


def test_core_calls_no_io_or_eval() -> None:
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in FORBIDDEN_CALLS, (path, node.func.id, node.lineno)
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("now", "today", "environ", "getenv"), (path, node.lineno)


def test_importing_the_core_does_not_import_django_or_the_cli() -> None:
    code = (
        "import sys, backcare.core.assessment, backcare.core.progress, backcare.core.schemas;"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django' or m == 'backcare.cli'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


REPO = CORE.parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(
    where: Path, *, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs lint-imports on the pyproject.toml in `where` (its contracts, as written)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout, result.stdout


def _lint_with(tmp_path: Path, module: str, source: str) -> subprocess.CompletedProcess[str]:
    """lint-imports, with the project's contracts, on a copy of the package that adds one
    module (`module`, a path inside the package) holding `source`."""
    shutil.copytree(
        REPO / "src" / "backcare",
        tmp_path / "backcare",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (tmp_path / "backcare" / module).write_text(source)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return _lint_imports(tmp_path, pythonpath=tmp_path)


def test_the_import_contracts_catch_a_core_module_that_imports_django(tmp_path: Path) -> None:
    """The same contracts, on a copy of the package with one core module that imports Django:
    lint-imports must fail and name that import (a contract that names the wrong package, or
    allows the import, would pass the test above and this one would catch it)."""
    result = _lint_with(tmp_path, "core/leak.py", "from django.conf import settings  # a leak\n")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "backcare.core.leak -> django (l.1)" in result.stdout, result.stdout


def test_the_import_contracts_catch_a_page_that_uses_the_accelerator(tmp_path: Path) -> None:
    """Only the command line may use the core's accelerator: a web module that imports it must
    fail the contracts (every other surface runs the plain walk, core/assessment.py)."""
    result = _lint_with(
        tmp_path, "clinic/quick.py", "from backcare.core.accelerator import assess_text\n"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "backcare.clinic.quick -> backcare.core.accelerator (l.1)" in result.stdout, (
        result.stdout
    )
