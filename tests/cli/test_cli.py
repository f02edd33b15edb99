"""The `backcare` command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from backcare.cli.demo import example_cases
from backcare.core.wording import NEXT_STEP

BACKCARE = str(Path(sys.executable).with_name("backcare"))
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "backcare" / "examples"


def run(
    *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    data = stdin.decode() if isinstance(stdin, bytes) else stdin
    return subprocess.run(
        [BACKCARE, *args],
        input=data,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def intake(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "backcare.intake/1",
        "age": 40,
        "pain": {"intensity": 4, "duration_weeks": 20, "regions": ["lumbar"]},
    }
    doc.update(changes)
    return doc


def test_help_everywhere() -> None:
    for args in ([], ["assess"], ["progress"], ["rules"], ["schema"], ["demo"]):
        result = run(*args, "--help")
        assert result.returncode == 0 and "usage: backcare" in result.stdout, args


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2 and "usage" in result.stderr and result.stdout == ""


def test_assess_the_readme_examples() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    result = run("assess", str(docs / "intake.json"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["max_pressure"] == "light"
    result = run("assess", "--batch", str(docs / "intakes.jsonl"), "--format", "jsonl")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 15
    result = run("progress", str(docs / "course.json"))
    assert result.returncode == 0 and "reassess" in result.stdout


def test_a_vignette_wrapper_is_not_an_intake() -> None:
    result = run("assess", str(EXAMPLES / "cauda-equina.json"), "--format", "json")
    assert result.returncode == 2
    assert "intake: is not a field of this document" in result.stderr


def test_assess_json_from_stdin() -> None:
    result = run("assess", "-", "--format", "json", stdin=json.dumps(intake()))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["schema"] == "backcare.assessment/1" and answer["disposition"] == "proceed"


def test_text_summary_puts_an_emergency_first_without_colour_when_piped() -> None:
    doc = intake(red_flags={"new_bladder_dysfunction": True})
    result = run("assess", "-", stdin=json.dumps(doc))
    assert result.returncode == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("EMERGENCY")
    assert "\033[" not in result.stdout
    assert "RF-CES-BLADDER" in result.stdout and "not a diagnosis" in result.stdout


def test_invalid_input_exits_2_with_every_problem_on_stderr() -> None:
    doc = intake(age=True, red_flags={"sadle_numbness": True})
    result = run("assess", "-", "--format", "json", stdin=json.dumps(doc))
    assert result.returncode == 2 and result.stdout == ""
    assert "age: must be a whole number" in result.stderr
    assert "red_flags.sadle_numbness" in result.stderr and "saddle_numbness" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assess", "/nonexistent.json"], "no such file"),
        (["assess"], "which intake"),
        (["assess", "-", "--format", "jsonl"], "--batch"),
        (["assess", "x.json", "--batch", "y.jsonl"], "not both"),
        (["assess", "--batch", "-", "--format", "json"], "jsonl"),
        (["schema", "patient"], "invalid choice"),
        (["assess", "-", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args, stdin="")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_not_json_exits_2() -> None:
    result = run("assess", "-", stdin="{not json")
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_every_vignette_through_the_cli(tmp_path: Path) -> None:
    for case in example_cases("intake"):
        path = tmp_path / f"{case['name']}.json"
        path.write_text(json.dumps(case["intake"]))
        result = run("assess", str(path), "--format", "json")
        assert result.returncode == 0, (case["name"], result.stderr)
        assert json.loads(result.stdout)["disposition"] == case["expect"]["disposition"]


def test_batch_streams_answers_and_errors_in_order(tmp_path: Path) -> None:
    lines = [
        json.dumps(intake()),
        json.dumps(intake(age="forty")),
        "",
        "{broken",
        json.dumps(intake(red_flags={"chest_pain": True})),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run("assess", "--batch", str(path), "--format", "jsonl")
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["disposition"] == "proceed"
    assert out[1] == {
        "schema": "backcare.error/1",
        "line": 2,
        "errors": [{"path": "age", "message": "must be a whole number, not the text 'forty'"}],
    }
    assert out[2]["schema"] == "backcare.error/1" and out[2]["line"] == 3
    assert out[3]["schema"] == "backcare.error/1" and out[3]["line"] == 4
    assert out[4]["disposition"] == "emergency"
    assert "3 of 5 lines were invalid" in result.stderr


def test_batch_from_stdin_all_valid_exits_0_and_matches_single_answers() -> None:
    docs = [intake(), intake(medications=["anticoagulant"]), intake(age=15)]
    result = run("assess", "--batch", "-", stdin="".join(json.dumps(d) + "\n" for d in docs))
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    for doc, answer in zip(docs, answers, strict=True):
        single = run("assess", "-", "--format", "json", stdin=json.dumps(doc))
        assert json.loads(single.stdout) == answer
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_batch_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    result = run("assess", "--batch", str(path))
    assert result.returncode == 0 and result.stdout == ""


def test_progress_json_and_text() -> None:
    case = next(c for c in example_cases("course") if c["name"] == "plateau-after-five")
    result = run("progress", "-", "--format", "json", stdin=json.dumps(case["course"]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["next_step"] == case["expect"]["next_step"]
    text = run("progress", "-", stdin=json.dumps(case["course"]))
    assert text.returncode == 0 and text.stdout.startswith(f"Next step: {NEXT_STEP['reassess']}")


def test_progress_invalid_exits_2() -> None:
    result = run("progress", "-", stdin=json.dumps({"schema": "backcare.course/1"}))
    assert result.returncode == 2
    assert "intake: is required" in result.stderr and "baseline: is required" in result.stderr


def test_rules_markdown_lists_every_rule_with_sources() -> None:
    from backcare.core.rules.tables import load_tables

    result = run("rules", "--format", "markdown")
    assert result.returncode == 0
    for rule in load_tables().assessment_rules + load_tables().alerts:
        assert f"| {rule.id} |" in result.stdout
    assert "Cherkin DC" in result.stdout and "backcare's own choice" in result.stdout
    assert "| PEG (0-10) | change <= -1 points and <= -30 % | change >= 1 points" in result.stdout
    as_json = json.loads(run("rules", "--format", "json").stdout)
    assert [c["measure"] for c in as_json["change"]] == ["pain", "rmdq", "odi", "peg"]
    assert as_json["sections"]["referral"][0]["id"] == "RF-CES-SADDLE"
    assert "RF-CES-SADDLE" in run("rules").stdout


@pytest.mark.parametrize("document", ["intake", "assessment", "course", "progress"])
def test_schema_is_valid_json_schema(document: str) -> None:
    result = run("schema", document)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_intake_schema_validates_the_examples_and_rejects_unknown_keys() -> None:
    schema = json.loads(run("schema", "intake").stdout)
    for case in example_cases("intake"):
        jsonschema.validate(case["intake"], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(intake(red_flags={"sadle_numbness": True}), schema)


def test_assessment_schema_validates_real_answers() -> None:
    schema = json.loads(run("schema", "assessment").stdout)
    for case in example_cases("intake"):
        answer = json.loads(
            run("assess", "-", "--format", "json", stdin=json.dumps(case["intake"])).stdout
        )
        jsonschema.validate(answer, schema)


def test_demo_runs_and_agrees() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "26 of 26 example cases agree" in result.stdout


def test_internal_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    # A directory where a file is expected is a usage error (2), not a crash.
    result = run("assess", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("backcare ")


def _run_on_a_terminal(args: list[str], stdin_path: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run backcare with stdout and stderr on a pseudo-terminal; return (status, terminal text)."""
    import pty

    leader, follower = pty.openpty()
    with stdin_path.open("rb") as stdin:
        proc = subprocess.Popen(
            [BACKCARE, *args],
            stdin=stdin,
            stdout=follower,
            stderr=follower,
            env={**os.environ, **env},
        )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_only_and_never_with_no_color(tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake(red_flags={"chest_pain": True})))
    status, screen = _run_on_a_terminal(["assess", str(path)], path, {"TERM": "xterm"})
    assert status == 0 and "\033[31mEMERGENCY" in screen
    env = {"TERM": "xterm", "NO_COLOR": "1"}
    status, screen = _run_on_a_terminal(["assess", str(path)], path, env)
    assert status == 0 and "\033[" not in screen and screen.startswith("EMERGENCY")


def test_batch_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(intake()) + "\n" * 1 + json.dumps(intake(age=15)) + "\n")
    out = tmp_path / "out.jsonl"
    import pty

    leader, follower = pty.openpty()
    with out.open("wb") as stdout:
        proc = subprocess.Popen(
            [BACKCARE, "assess", "--batch", str(path)], stdout=stdout, stderr=follower
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        os.close(leader)
        assert proc.wait(timeout=60) == 0
    assert b"100.0%" in screen and b"2 intakes" in screen
    assert len(out.read_text().splitlines()) == 2


def test_serve_runs_a_production_server_on_loopback(tmp_path: Path) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "BACKCARE_DATA_DIR": str(tmp_path),
        "BACKCARE_ENV": "production",
        "BACKCARE_SMTP_HOST": "127.0.0.1",
        "BACKCARE_SECRET_KEY": "serve-test-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
        "BACKCARE_SSL_REDIRECT": "0",
        "BACKCARE_ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [BACKCARE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert r.status == 200 and r.read() == b"ok"
                    assert r.headers["Strict-Transport-Security"] is None  # only over HTTPS
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/vendor/htmx-2.0.11.min.js"
        ) as r:
            assert r.status == 200  # collected and served by whitenoise
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_configuration_error_is_not_called_a_bug(tmp_path: Path) -> None:
    env = {**os.environ, "BACKCARE_ENV": "production", "BACKCARE_DATA_DIR": str(tmp_path)}
    env.pop("BACKCARE_SECRET_KEY", None)
    result = run("manage", "check", env=env)
    assert result.returncode == 2
    assert "configuration error: BACKCARE_SECRET_KEY" in result.stderr
    assert "bug" not in result.stderr
