"""Safe by default (issue 12, point 8): `backcare serve` refuses development settings unless told
`--insecure-dev`, `demo_clinic` refuses production settings, and `create_clinic` takes a password
only from the environment or a terminal, checks it against the new account, and never crashes.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from backcare.accounts.models import Clinic, Therapist

BACKCARE = str(Path(sys.executable).parent / "backcare")
SECRET = "safe-defaults-test-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2
PRODUCTION = {
    "BACKCARE_ENV": "production",
    "BACKCARE_SMTP_HOST": "127.0.0.1",
    "BACKCARE_SECRET_KEY": SECRET,
    "BACKCARE_SSL_REDIRECT": "0",
    "BACKCARE_ALLOWED_HOSTS": "127.0.0.1",
}


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    drop = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "BACKCARE_ENV", "BACKCARE_NEW_PASSWORD")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"BACKCARE_DATA_DIR": str(data_dir)} | extra


def _run(*args: str, env: dict[str, str], stdin: Any = subprocess.DEVNULL) -> Any:
    return subprocess.run(
        [BACKCARE, *args], env=env, stdin=stdin, capture_output=True, text=True, timeout=120
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- backcare serve -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{}, {"BACKCARE_ENV": "development"}, {"BACKCARE_ENV": "development", "BACKCARE_DEBUG": "0"}],
    ids=["unset", "development", "development-without-debug"],
)
def test_serve_refuses_development_settings(tmp_path: Path, extra: dict[str, str]) -> None:
    result = _run("serve", "--bind", f"127.0.0.1:{_free_port()}", env=_env(tmp_path, **extra))
    assert result.returncode == 2
    assert "refusing to serve with development settings" in result.stderr
    assert "--insecure-dev" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "backcare.sqlite3").exists()  # not even migrated


def test_serve_with_insecure_dev_serves_development_settings_and_says_so(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [BACKCARE, "serve", "--insecure-dev", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert r.status == 200 and r.read() == b"ok"
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "serving with development settings (--insecure-dev)" in stderr


def test_the_help_names_the_flag() -> None:
    result = subprocess.run(
        [BACKCARE, "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "--insecure-dev" in result.stdout


# -- demo_clinic ----------------------------------------------------------------------------------


def test_demo_clinic_refuses_production_settings(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="published password"):
        call_command("demo_clinic")
    assert not User.objects.exists() and not Clinic.objects.exists()


def test_demo_clinic_refuses_production_settings_on_the_command_line(tmp_path: Path) -> None:
    env = _env(tmp_path, **PRODUCTION)
    assert _run("manage", "migrate", "-v0", env=env).returncode == 0
    result = _run("manage", "demo_clinic", env=env)
    assert result.returncode == 1
    assert "refusing to load the demo clinic with production settings" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(tmp_path / "backcare.sqlite3") as database:
        assert database.execute("SELECT COUNT(*) FROM auth_user").fetchone() == (0,)


def test_demo_clinic_still_loads_under_development_settings(db: Any) -> None:
    call_command("demo_clinic")
    assert Therapist.objects.filter(user__username="amara", is_clinic_admin=True).exists()


# -- create_clinic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("amara-osei", "too similar to the"),  # the username
        ("Amara Osei", "too similar to the"),  # the display name
        ("short", "too short"),
        ("password123", "too common"),
        ("8675309012345", "entirely numeric"),
    ],
)
def test_create_clinic_refuses_a_weak_password(
    db: Any, monkeypatch: Any, password: str, message: str
) -> None:
    monkeypatch.setenv("BACKCARE_NEW_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("create_clinic", "Riverside", "amara-osei", "Amara Osei")
    assert not User.objects.exists() and not Clinic.objects.exists()


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("Riverside", "amara osei", "Amara"), {}, "username: Enter a valid username"),
        (("Riverside", "a" * 151, "Amara"), {}, "username: Ensure this value has at most 150"),
        (("Riverside", "amara", "A" * 201), {}, "display_name: must be at most 200"),
        (("Riverside", "amara", "  "), {}, "display_name: must not be empty"),
        (("R" * 201, "amara", "Amara"), {}, "name: must be at most 200"),
        (("amara", "Amara"), {}, "name: give the clinic's name"),
        (("amara", "Amara"), {"add_to": 999}, "--add-to: no clinic with id 999"),
    ],
)
def test_create_clinic_checks_every_argument_before_the_password(
    db: Any, monkeypatch: Any, args: tuple[str, ...], options: dict[str, Any], message: str
) -> None:
    monkeypatch.delenv("BACKCARE_NEW_PASSWORD", raising=False)  # never asked for
    with pytest.raises(CommandError, match=message):
        call_command("create_clinic", *args, **options)
    assert not User.objects.exists() and not Clinic.objects.exists()


def test_create_clinic_refuses_a_taken_username(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("BACKCARE_NEW_PASSWORD", "a-long-test-password")
    call_command("create_clinic", "Riverside", "amara", "Amara Osei")
    with pytest.raises(CommandError, match="username: 'amara' is taken"):
        call_command("create_clinic", "Hilltop", "amara", "Another Amara")
    assert Clinic.objects.count() == 1 and User.objects.count() == 1


def test_create_clinic_without_a_terminal_or_the_variable_says_so(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run("manage", "migrate", "-v0", env=env).returncode == 0
    result = _run("manage", "create_clinic", "Riverside", "amara", "Amara Osei", env=env)
    assert result.returncode == 1
    assert "no terminal to ask for the password on: set BACKCARE_NEW_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    made = _run(
        "manage", "create_clinic", "Riverside", "amara", "Amara Osei",
        env=env | {"BACKCARE_NEW_PASSWORD": "a-long-test-password"},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Amara Osei (clinic admin) in Riverside" in made.stdout


def _prompted(tmp_path: Path, answers: list[str]) -> tuple[int, str, str]:
    """create_clinic on a terminal of its own (a pseudo-terminal, no controlling terminal),
    answering each password prompt in turn; its exit status, the screen and stdout."""
    env = _env(tmp_path)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [BACKCARE, "manage", "create_clinic", "Riverside", "amara", "Amara Osei"],
        env=env,
        stdin=follower,
        stderr=follower,
        stdout=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    os.close(follower)
    screen = ""
    deadline = time.monotonic() + 60
    for asked, answer in enumerate(answers, start=1):
        while screen.count("Password") < asked or not screen.rstrip().endswith(":"):
            ready, _, _ = select.select([leader], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, screen
            screen += os.read(leader, 1024).decode()
        os.write(leader, answer.encode() + b"\n")
        screen += "\n"
    stdout, _ = proc.communicate(timeout=60)
    try:
        while chunk := os.read(leader, 1024):
            screen += chunk.decode()
    except OSError:
        pass
    os.close(leader)
    return proc.returncode, screen, stdout


def test_create_clinic_asks_for_the_password_twice_on_a_terminal(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run("manage", "migrate", "-v0", env=env).returncode == 0
    code, screen, _ = _prompted(tmp_path, ["a-long-test-password", "a-different-password"])
    assert code == 1 and "the two passwords differ" in screen
    code, screen, stdout = _prompted(tmp_path, ["a-long-test-password"] * 2)
    assert code == 0, screen
    assert screen.count("Password") == 2 and "a-long-test-password" not in screen  # not echoed
    assert "Amara Osei (clinic admin) in Riverside" in stdout
