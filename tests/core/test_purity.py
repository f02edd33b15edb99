"""The core is pure: no framework, no outer layer, no I/O, no clock, no environment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import backcare.core

CORE = Path(backcare.core.__file__).parent
FORBIDDEN_IMPORTS = {
    "django",
    "backcare.cli",
    "backcare.demo",
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


def test_import_linter_contract_is_declared() -> None:
    pyproject = (CORE.parents[2] / "pyproject.toml").read_text()
    assert "[tool.importlinter]" in pyproject and 'source_modules = ["backcare.core"]' in pyproject
