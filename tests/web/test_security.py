"""Security settings: deploy checks, headers, lockout, idle sign-out, password hashing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse

from support.world import World, browser_for

BACKCARE = str(Path(sys.executable).with_name("backcare"))


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BACKCARE_ENV": "production",
        "BACKCARE_SMTP_HOST": "127.0.0.1",
        "BACKCARE_SECRET_KEY": "x7" * 20 + "abcdefghijklmnopqrstuvwxyz",
        "BACKCARE_ALLOWED_HOSTS": "clinic.example.org",
        "BACKCARE_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test-only switch; production never sets it
    result = subprocess.run(
        [BACKCARE, "manage", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_or_weak_secret_key(tmp_path: Path) -> None:
    env = {**os.environ, "BACKCARE_ENV": "production", "BACKCARE_DATA_DIR": str(tmp_path)}
    env.pop("BACKCARE_SECRET_KEY", None)
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0 and "BACKCARE_SECRET_KEY" in result.stderr


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BACKCARE_SESSION_IDLE_MINUTES": "soon",
        "BACKCARE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0 and "BACKCARE_SESSION_IDLE_MINUTES" in result.stderr


def test_security_headers(world: World) -> None:
    response = browser_for(world.therapist).get(reverse("dashboard"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_any_page(world: World) -> None:
    import re

    browser = browser_for(world.therapist)
    c = world.client.pk
    for url in (
        reverse("dashboard"),
        reverse("client_detail", args=[c]),
        reverse("intake_new", args=[c]),
        reverse("intake_detail", args=[c, world.intake.pk]),
        reverse("session_new", args=[c]),
        reverse("progress", args=[c]),
    ):
        html = browser.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers


def test_passwords_are_hashed_with_argon2(db: Any) -> None:
    user = User.objects.create_user(username="x", password="a-long-test-password")
    assert user.password.startswith("argon2")


def test_login_is_locked_after_five_failures(db: Any) -> None:
    User.objects.create_user(username="victim", password="a-long-test-password")
    browser = Browser()
    for _ in range(5):
        browser.post(reverse("login"), {"username": "victim", "password": "wrong"})
    locked = browser.post(
        reverse("login"), {"username": "victim", "password": "a-long-test-password"}
    )
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()


def test_sign_in_form_shows_an_error_for_a_wrong_password(db: Any) -> None:
    User.objects.create_user(username="someone", password="a-long-test-password")
    page = Browser().post(reverse("login"), {"username": "someone", "password": "nope"})
    assert (
        page.status_code == 200
        and "Please enter a correct username and password" in page.content.decode()
    )


@override_settings(SESSION_IDLE_SECONDS=1)
def test_idle_sessions_are_signed_out(world: World) -> None:
    browser = browser_for(world.therapist)
    assert browser.get(reverse("dashboard")).status_code == 200
    session = browser.session
    session["backcare_last_seen"] = int(time.time()) - 10
    session.save()
    response = browser.get(reverse("dashboard"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_sign_out_needs_post(world: World) -> None:
    browser = browser_for(world.therapist)
    assert browser.get(reverse("logout")).status_code == 405
    assert browser.post(reverse("logout")).status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 302


def test_create_clinic_command(db: Any, monkeypatch: Any) -> None:
    import pytest
    from django.core.management import CommandError, call_command

    from backcare.accounts.models import Therapist

    monkeypatch.setenv("BACKCARE_NEW_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_clinic", "Riverside", "amara", "Amara Osei")
    monkeypatch.setenv("BACKCARE_NEW_PASSWORD", "a-long-test-password")
    call_command("create_clinic", "Riverside", "amara", "Amara Osei")
    admin = Therapist.objects.get(user__username="amara")
    assert admin.is_clinic_admin
    call_command("create_clinic", "tom", "Tom Reyes", add_to=admin.clinic_id)
    tom = Therapist.objects.get(user__username="tom")
    assert tom.clinic == admin.clinic and not tom.is_clinic_admin
