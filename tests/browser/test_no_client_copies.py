"""Issue 12, point 6: a shared clinic computer keeps nothing identifying in the browser's
storage, neither while a therapist works (htmx's history is off) nor after signing out."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions

from .conftest import sign_in

_STORAGE = """() => JSON.stringify({
  local: Object.fromEntries(Object.entries(window.localStorage)),
  session: Object.fromEntries(Object.entries(window.sessionStorage)),
})"""


def _storage(page: Any) -> dict[str, dict[str, str]]:
    return dict(json.loads(page.evaluate(_STORAGE)))


def test_nothing_identifying_stays_in_the_browsers_storage(
    desktop: Any, live_server: Any, therapist: User
) -> None:
    page, base = desktop, live_server.url
    client = actions.create_client(
        by=therapist, therapist=therapist.therapist, full_name="Carol Storageton"
    )
    sign_in(page, base)
    page.goto(f"{base}/")
    # The dashboard's search (htmx) for the client, then her record, and back.
    page.fill("#q", "Storageton")
    page.wait_for_selector(f'#client-lists a[href="/clients/{client.pk}/"]')
    page.click(f'#client-lists a[href="/clients/{client.pk}/"]')
    page.wait_for_url(f"{base}/clients/{client.pk}/")
    page.go_back()
    page.wait_for_selector("#q")
    page.fill("#q", "Carol")
    page.wait_for_selector(f'#client-lists a[href="/clients/{client.pk}/"]')
    while_working = _storage(page)
    assert "Storageton" not in json.dumps(while_working)
    assert not any(key.startswith("htmx") for part in while_working.values() for key in part)
    assert "Storageton" not in page.url  # the search is not in the address (nor the history)
    page.click("text=Sign out")
    page.wait_for_url(f"{base}/sign-in/**")
    assert _storage(page) == {"local": {}, "session": {}}
