"""Browser tests: Debian's Chromium driven by Playwright against a live Django server.

Browser downloads do not work here, so Playwright launches the system Chromium
(`executable_path`); scripts/check installs it. axe-core comes from npm (tests/browser).
Screenshots go to test-artifacts/ (kept by CI as artifacts).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from backcare.accounts.models import Clinic, Therapist
from support.two_factor import code_now, give_authenticator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


def _chromium() -> str:
    path = os.environ.get("BACKCARE_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Chromium is not installed: scripts/check installs it (apt-get install chromium)"
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
    # set up data are still plain synchronous calls. Only while the browser tests run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            launched = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page; return serious and critical violations."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run npm ci in tests/browser (scripts/check does)")
    # evaluate() runs through the DevTools protocol, outside the page's CSP.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    if bad:
        (ARTIFACTS / "axe.json").write_text(json.dumps(bad, indent=2))
    return bad


# The therapist of the browser tests (a clinic admin), and signing her in.
PASSWORD = "a-long-test-password"


@pytest.fixture
def therapist(transactional_db: Any) -> User:
    clinic = Clinic.objects.create(name="Riverside")
    user = User.objects.create_user(username="alice", password=PASSWORD)
    Therapist.objects.create(
        user=user, clinic=clinic, display_name="Alice Ng", is_clinic_admin=True
    )
    give_authenticator(user)  # a clinic admin signs in with two factors
    return user


def sign_in(page: Any, base: str) -> None:
    """Both steps, as a person does: the password, then the code her authenticator shows."""
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/sign-in/code/**")
    page.fill("#id_code", code_now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
