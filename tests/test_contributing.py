"""CONTRIBUTING.md stays true, as far as a test can tell.

- Every path it names exists, and every `path::name` is defined in that file (a function, a
  class, a module-level name, or `Class.member`).
- Every `backcare` command it names exists (`backcare --help`, `backcare fhir --help`,
  `backcare manage help --commands`).
- Its layers are the import-linter contract's, in `pyproject.toml`.
- The rule tables' version changes whenever the tables do (recipe 4): `RULES_FINGERPRINTS`
  holds the fingerprint of the tables under each version.
- Commits from 2026-11-29 on follow its commit style.
- Every decision record in docs/decisions/ is listed in docs/decisions.md and has its parts.

Each check is a function that returns the problems it finds; the last tests feed them mistakes,
so that a check that can no longer fail is noticed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "CONTRIBUTING.md"
RULES_DATA = ROOT / "src" / "backcare" / "core" / "rules" / "data"
DECISIONS = ROOT / "docs" / "decisions"

# The fingerprint of the rule tables (tables_fingerprint) under each `version` of meta.toml.
# A new version adds its line; an old line stays (CONTRIBUTING.md, recipe 4).
RULES_FINGERPRINTS = {
    "clinical-rules-v1.1/backcare-1": (
        "e87ab13f4df5248aac3e990f3196d63b6d397e9b7ee3d4a78e96f0e99a6c9898"
    ),
}

SUBJECT_MAX = 72
STYLE_FROM = date(2026, 11, 29)
# Commits that break the style, by full hash, with what they break (none: keep it so).
STYLE_EXCEPTIONS: dict[str, str] = {}

# A path from the repository's root: a folder or file under one of these, or a root file;
# optionally followed by `::name`.
_PATH = re.compile(
    r"(?<![\w./-])"
    r"((?:src|tests|docs|scripts|benchmarks|\.ci)/[\w./-]*[\w/]"
    r"|README\.md|CONTRIBUTING\.md|pyproject\.toml)"
    r"(?:::([A-Za-z_](?:[\w.]*\w)?))?"
)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
_BACKCARE = re.compile(r"(?:^|[\s/])backcare ([a-z][\w-]*)(?: ([a-z][\w-]*))?")
_CLI = [sys.executable, "-c", "import sys; from backcare.cli import main; sys.exit(main())"]


# --- the checks -----------------------------------------------------------------------------


def named_paths(text: str) -> list[tuple[str, str | None]]:
    """Every (path, name or None) the text names."""
    return [(m.group(1), m.group(2)) for m in _PATH.finditer(text)]


def _defined(tree: ast.Module, dotted: str) -> bool:
    body: list[ast.stmt] = tree.body
    for part in dotted.split("."):
        found: ast.stmt | None = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = {node.name}
            elif isinstance(node, ast.Assign):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = {node.target.id}
            else:
                continue
            if part in names:
                found = node
                break
        if found is None:
            return False
        body = found.body if isinstance(found, ast.ClassDef) else []
    return True


def path_problems(text: str, root: Path = ROOT) -> list[str]:
    """Named paths that do not exist, and `path::name`s the file does not define."""
    problems = []
    for path, name in named_paths(text):
        target = root / path
        if not target.exists():
            problems.append(f"{path} does not exist")
        elif name is not None:
            if target.suffix != ".py":
                problems.append(f"{path}::{name}: only a Python file defines names")
            elif not _defined(ast.parse(target.read_text()), name):
                problems.append(f"{path}::{name} is not defined there")
    return problems


def code_of(text: str) -> list[str]:
    """The text's code: each code span and each line of a fenced block."""
    fenced = [line for block in _FENCE.findall(text) for line in block.splitlines()]
    return fenced + _CODE_SPAN.findall(_FENCE.sub("", text))


def _help_commands(*args: str) -> frozenset[str]:
    """The subcommands `backcare ARGS --help` lists."""
    result = subprocess.run(
        [*_CLI, *args, "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    listing = result.stdout.split("positional arguments:", 1)[1].split("options:", 1)[0]
    return frozenset(re.findall(r"^ {4}([a-z][\w-]*)(?=\s|$)", listing, re.M))


@cache
def cli_commands() -> dict[str, frozenset[str]]:
    """`backcare`'s commands, and the subcommands of those that have them."""
    manage = subprocess.run(
        [*_CLI, "manage", "help", "--commands"], capture_output=True, text=True, check=True
    )
    return {
        "": _help_commands(),
        "fhir": _help_commands("fhir"),
        "manage": frozenset(manage.stdout.split()),
    }


def command_problems(text: str) -> list[str]:
    """`backcare` commands in the text's code that the command line does not have."""
    known = cli_commands()
    problems = []
    for code in code_of(text):
        for command, sub in _BACKCARE.findall(code):
            if command not in known[""]:
                problems.append(f"backcare {command}: no such command")
            elif command in ("fhir", "manage") and sub and sub not in known[command]:
                problems.append(f"backcare {command} {sub}: no such command")
    return problems


def layers_line(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The layers contract, top first, as the guide writes it."""
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return " > ".join(" ".join(layer.split()) for layer in layers)


def tables_fingerprint(folder: Path = RULES_DATA) -> str:
    """A digest of what the rule tables say (comments and layout aside), `version` left out."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        if path.name == "meta.toml":
            data.pop("version", None)
        digest.update(path.name.encode() + b"\0")
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode() + b"\0")
    return digest.hexdigest()


def version_problems(version: str, fingerprint: str, known: dict[str, str]) -> list[str]:
    if version not in known:
        return [
            f"the rules' version {version!r} is new: add its fingerprint to RULES_FINGERPRINTS "
            f'in tests/test_contributing.py:\n    "{version}": "{fingerprint}",'
        ]
    if known[version] != fingerprint:
        return [
            f"the rule tables changed but their version ({version!r}) did not: change `version` "
            "in src/backcare/core/rules/data/meta.toml (CONTRIBUTING.md, recipe 4)"
        ]
    return []


def style_problems(message: str, limit: int = SUBJECT_MAX) -> list[str]:
    """How a commit message breaks the commit style: subject, blank line, body."""
    lines = message.rstrip("\n").split("\n")
    subject, problems = lines[0], []
    if len(subject) > limit:
        problems.append(f"a subject of {len(subject)} characters (at most {limit})")
    if len(lines) > 1 and lines[1].strip():
        problems.append("no blank line after the subject")
    if not "\n".join(lines[1:]).strip():
        problems.append("no body")
    return problems


def recent_commits(since: date = STYLE_FROM) -> list[tuple[str, str]]:
    """(hash, message) of every commit made on or after `since` (UTC)."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "log", "--format=%H%x1f%cI%x1f%B%x1e"],
        capture_output=True,
        text=True,
        check=True,
    )
    commits = []
    for record in result.stdout.split("\x1e"):
        if not record.strip():
            continue
        sha, when, message = record.lstrip("\n").split("\x1f", 2)
        if datetime.fromisoformat(when).astimezone(UTC).date() >= since:
            commits.append((sha, message))
    return commits


def decision_problems(index: str, folder: Path) -> list[str]:
    """Records missing from the index, links to nowhere, and records without their parts."""
    problems = []
    records = sorted(folder.glob("*.md"))
    for n, record in enumerate(records, start=1):
        name = record.name
        if not re.fullmatch(rf"{n:04d}-[a-z0-9]+(?:-[a-z0-9]+)*\.md", name):
            problems.append(f"{name}: should be {n:04d}-short-title.md (numbered in order)")
        if f"({folder.name}/{name})" not in index:
            problems.append(f"{name} is not listed in the index")
        text = record.read_text()
        if not text.startswith(f"# {n}. "):
            problems.append(f"{name}: the title should read '# {n}. ...'")
        if not re.search(r"^- Date: \d{4}-\d{2}-\d{2}", text, re.M):
            problems.append(f"{name}: no '- Date: YYYY-MM-DD'")
        if not re.search(r"^- Status: \S", text, re.M):
            problems.append(f"{name}: no '- Status:'")
        for part in ("Context", "Decision", "Consequences"):
            if not re.search(rf"^## {part}\n\n\S", text, re.M):
                problems.append(f"{name}: no '## {part}' with text under it")
        for link in re.findall(r"\]\(([^)#:]+\.md)\)", text):
            if not (folder / link).is_file():
                problems.append(f"{name}: the link {link} leads nowhere")
    for link in re.findall(r"\]\(([^)#:]+\.md)\)", index):
        if not (folder.parent / link).is_file():
            problems.append(f"the index's link {link} leads nowhere")
    return problems


# --- the guide ------------------------------------------------------------------------------


def test_the_guide_has_its_four_recipes() -> None:
    headings = re.findall(r"^## (.+)$", GUIDE.read_text(), re.M)
    for recipe in (
        "Recipe 1: add an intake field",
        "Recipe 2: add a rule",
        "Recipe 3: add a download",
        "Recipe 4: change the rules' version",
        "The layers",
        "One source of truth",
        "Commit style",
    ):
        assert recipe in headings


def test_every_path_and_name_the_guide_gives_exists() -> None:
    text = GUIDE.read_text()
    assert len(named_paths(text)) > 50, "the scan found too few paths: the pattern is wrong"
    problems = path_problems(text)
    assert not problems, "\n".join(problems)


def test_every_backcare_command_the_guide_gives_exists() -> None:
    text = GUIDE.read_text()
    assert len([c for code in code_of(text) for c in _BACKCARE.findall(code)]) >= 5
    problems = command_problems(text)
    assert not problems, "\n".join(problems)


def test_the_guides_layers_are_the_import_contracts() -> None:
    line = layers_line()
    assert line.startswith("web > ") and line.endswith(" > core")
    assert f"`{line}`" in GUIDE.read_text()


def test_the_rules_version_changes_with_the_tables() -> None:
    version = tomllib.loads((RULES_DATA / "meta.toml").read_text())["version"]
    problems = version_problems(version, tables_fingerprint(), RULES_FINGERPRINTS)
    assert not problems, "\n".join(problems)


def test_the_guide_states_the_subject_limit_the_test_checks() -> None:
    stated = re.findall(r"subject of at most (\d+) characters", GUIDE.read_text())
    assert stated == [str(SUBJECT_MAX)]


def test_commits_follow_the_commit_style() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    commits = recent_commits()
    assert commits, f"no commit since {STYLE_FROM}: the date filter is wrong"
    broken = {sha: style_problems(message) for sha, message in commits}
    for sha in STYLE_EXCEPTIONS.keys() & broken.keys():
        assert broken.pop(sha), f"{sha} is listed as an exception but follows the style"
    problems = [f"{sha[:12]}: {', '.join(p)}" for sha, p in broken.items() if p]
    assert not problems, "\n".join(problems)


def test_every_decision_record_is_listed_and_complete() -> None:
    assert len(list(DECISIONS.glob("*.md"))) >= 7
    index = (ROOT / "docs" / "decisions.md").read_text()
    problems = decision_problems(index, DECISIONS)
    assert not problems, "\n".join(problems)


# --- the checks can fail --------------------------------------------------------------------


def test_the_path_check_finds_what_is_missing() -> None:
    text = (
        "`src/backcare/core/models.py::Intake.to_json` and `tests/core/test_one_contract.py` "
        "exist; `src/backcare/core/nowhere.py`, `src/backcare/core/models.py::Nothing`, "
        "`src/backcare/core/models.py::Intake.nothing` and `README.md::x` do not; "
        "`../shared/spec/contracts-v1.md` and `core/state.py` are not paths from the root."
    )
    assert path_problems(text) == [
        "src/backcare/core/nowhere.py does not exist",
        "src/backcare/core/models.py::Nothing is not defined there",
        "src/backcare/core/models.py::Intake.nothing is not defined there",
        "README.md::x: only a Python file defines names",
    ]


def test_the_command_check_finds_what_is_missing() -> None:
    text = (
        "Run `backcare rules` and `.venv/bin/backcare manage recompute_states`, not\n"
        "```sh\n.venv/bin/backcare frobnicate\nbackcare fhir nothing\n```\n"
        "nor `backcare manage no_such_command`; `backcare.intake/1` is a contract."
    )
    assert sorted(command_problems(text)) == [
        "backcare fhir nothing: no such command",
        "backcare frobnicate: no such command",
        "backcare manage no_such_command: no such command",
    ]


def test_the_layers_line_follows_the_contract(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[[tool.importlinter.contracts]]\ntype = "forbidden"\n'
        '[[tool.importlinter.contracts]]\ntype = "layers"\nlayers = ["web", "a  |  b", "core"]\n'
    )
    assert layers_line(pyproject) == "web > a | b > core"


def test_a_changed_table_needs_a_new_version(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(RULES_DATA, copy)
    before = tables_fingerprint(copy)
    meta = copy / "meta.toml"
    meta.write_text("# a comment changes nothing\n" + meta.read_text())
    assert tables_fingerprint(copy) == before
    meta.write_text(meta.read_text().replace('version = "', 'version = "x'))
    assert tables_fingerprint(copy) == before  # the version is not part of what it hashes
    precautions = copy / "precautions.toml"
    precautions.write_text(precautions.read_text().replace("light pressure only", "light only"))
    after = tables_fingerprint(copy)
    assert after != before
    assert "did not" in version_problems("v", after, {"v": before})[0]
    assert "is new" in version_problems("w", after, {"v": before})[0]
    assert version_problems("v", before, {"v": before}) == []


def test_the_style_check_finds_each_fault() -> None:
    body = "\n\nWhy it changed.\n"
    assert style_problems("A" * SUBJECT_MAX + body) == []
    assert style_problems("A" * (SUBJECT_MAX + 1) + body) == [
        f"a subject of {SUBJECT_MAX + 1} characters (at most {SUBJECT_MAX})"
    ]
    assert style_problems("Subject\nbody at once\n") == ["no blank line after the subject"]
    assert style_problems("Subject only\n") == ["no body"]
    assert style_problems("Subject\n\n\n") == ["no body"]


def test_the_decision_check_finds_each_fault(tmp_path: Path) -> None:
    folder = tmp_path / "decisions"
    folder.mkdir()
    good = (
        "# 1. A choice\n\n- Date: 2026-11-29\n- Status: Accepted\n\n## Context\n\nWhy.\n\n"
        "## Decision\n\nWhat.\n\n## Consequences\n\nThen.\n"
    )
    (folder / "0001-a-choice.md").write_text(good)
    index = "| 1 | [A choice](decisions/0001-a-choice.md) |\n"
    assert decision_problems(index, folder) == []
    (folder / "0002-another.md").write_text(
        good.replace("# 1.", "# 2.").replace("- Date: 2026-11-29\n", "")
        + "See [0009](0009-gone.md).\n"
    )
    (folder / "0002-another.md").write_text(
        (folder / "0002-another.md").read_text().replace("## Consequences\n\nThen.\n", "")
    )
    assert decision_problems(index + "[x](decisions/0003-x.md)", folder) == [
        "0002-another.md is not listed in the index",
        "0002-another.md: no '- Date: YYYY-MM-DD'",
        "0002-another.md: no '## Consequences' with text under it",
        "0002-another.md: the link 0009-gone.md leads nowhere",
        "the index's link decisions/0003-x.md leads nowhere",
    ]
