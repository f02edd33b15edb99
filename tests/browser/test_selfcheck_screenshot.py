"""The README's picture of the self-check (issue 11): a person's answer on a 360 px phone, the
first screen as she sees it, saved into docs/screenshots/ (committed, small: one screen at one
device pixel per CSS pixel). Re-running the test refreshes it when the page changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ROOT
from .test_selfcheck import basics, start

SHOT = ROOT / "docs" / "screenshots" / "selfcheck-answer.png"


@pytest.fixture
def small_phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


def test_the_readme_shows_a_self_check_answer_at_360px(
    small_phone: Any, live_server: Any, db: Any
) -> None:
    page, base = small_phone, live_server.url
    start(page, base)
    basics(page, "52", "5", "40")
    page.check("input[name=pain_regions][value=lumbar]")
    page.click("button:has-text('See my answer')")
    page.wait_for_selector("#now-h")
    assert "safe to book a massage" in page.inner_text("#now-h")
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT))  # the first screen only: what a phone shows
    data = SHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (360, 740)
    assert len(data) < 200_000, f"{SHOT.name} is {len(data)} bytes: keep the README's picture small"
    readme = (ROOT / "README.md").read_text()
    assert f"]({SHOT.relative_to(ROOT).as_posix()})" in readme, "the README shows the picture"
