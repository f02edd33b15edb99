"""What every page's frame (templates/base.html) says (issue 11): the footer names the same
emergency number as the emergency page, the public pages have a description for search engines,
and a client's private link is never indexed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as Browser

from backcare.clinic import actions
from support.world import World


def footer_of(html: str) -> str:
    found = re.search(r'<footer class="foot">(.*?)</footer>', html, re.S)
    assert found, "no footer"
    return " ".join(found.group(1).split())


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("999", "In an emergency call 999."),
        ("", "In an emergency call your local emergency number."),
    ],
)
def test_the_footer_names_the_deployments_emergency_number(
    db: Any, settings: Any, number: str, words: str
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = number
    response = Browser().get("/learn/")
    assert response.status_code == 200
    footer = footer_of(response.content.decode())
    assert words in footer
    if number:
        assert "local emergency number" not in footer
    # The emergency page says the same: one source for both.
    emergency = Browser().post(
        "/self-check/", {"red_flags": ["saddle_numbness", "new_bladder_dysfunction"]}
    )
    main = emergency.content.decode().split('<main id="main">')[1].split("</main>")[0]
    assert 'data-advice="emergency"' in main
    if number:
        assert f'href="tel:{number}"' in main
    else:
        assert "call your local emergency number" in main and "tel:" not in main


def test_public_pages_are_described_and_indexable(db: Any) -> None:
    for url in ("/self-check/", "/learn/"):
        html = Browser().get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and len(description.group(1)) > 50, url
        assert 'name="robots"' not in html, url


def test_a_clients_private_link_is_never_indexed(world: World) -> None:
    _, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    for url in (f"/c/intake/{token}/", "/c/intake/not-a-token/"):
        html = Browser().get(url).content.decode()
        assert '<meta name="robots" content="noindex, nofollow">' in html, url
