"""The dashboard's work list in a real browser (issue 15, point 3): the notes to sign lead to
the sign button, a search as you type says what it kept, and its link clears it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.models import Session
from support.world import SESSION_VALUES, add_client

from .conftest import axe_violations, screenshot, sign_in


def test_the_work_list_signs_a_note_and_clears_a_search(
    desktop: Any, live_server: Any, therapist: User
) -> None:
    page, base = desktop, live_server.url
    carol = add_client(therapist, "Carol Smith")
    for name in ("Sam Smithers", "Bob Brown"):
        add_client(therapist, name)
    for day in (5, 12):
        actions.record_session(
            by=therapist, client=carol, when=dt.date(2026, 1, day), values=SESSION_VALUES
        )
    sign_in(page, base)
    assert page.locator("[data-unsigned-session]").count() == 2
    assert page.locator(f"[data-due-client='{carol.pk}'][data-overdue]").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "therapist-work-list")

    # Typing searches (htmx): the summary says what it kept.
    page.fill("#q", "smi")
    page.wait_for_selector("[data-matches='2']")
    assert "2 clients match “smi”" in page.inner_text(".search-summary")
    assert page.locator("[data-client]").count() == 2
    assert axe_violations(page) == []
    # The clear link: the whole list again, and an empty box.
    page.click("text=Clear the search")
    page.wait_for_selector("[data-client] >> nth=2")
    assert page.locator(".search-summary").count() == 0
    assert page.input_value("#q") == ""

    # The oldest note's link leads to its sign button.
    page.click("[data-unsigned-session] >> nth=0 >> text=Review and sign")
    page.click("button:has-text('Sign and lock this session')")
    page.wait_for_selector("text=signed and locked")
    page.goto(f"{base}/")
    assert page.locator("[data-unsigned-session]").count() == 1
    assert [s.number for s in Session.objects.filter(client=carol, signed_at__isnull=False)] == [1]
