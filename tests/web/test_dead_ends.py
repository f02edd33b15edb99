"""Friendly dead ends (issue 11): a used, expired or unknown client link, 404, 403, 400, 500 and
the self-check's rate limit are branded pages for a phone that say what happened and what to do,
with DEBUG off (production) and on (development) alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone

from backcare.clinic import actions
from backcare.clinic.models import ClientLink
from backcare.core.wording import ADVICE_WHEN
from backcare.web import errors
from support.world import World, browser_for

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def dead_end(response: Any, status: int, *words: str) -> str:
    """The page is the friendly dead end with `status`, saying each of `words`."""
    assert response.status_code == status
    page = response.content.decode()
    assert VIEWPORT in page and "data-dead-end" in page
    assert 'class="brand"' in page  # branded: the site's header
    for w in words:
        assert w in page, w
    assert ADVICE_WHEN["now"] in page  # a person in trouble still learns what to do
    return page


# -- client links --------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["intake", "checkin"])
def test_a_used_link_says_so_and_to_ask_for_a_new_one(world: World, purpose: str) -> None:
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose=purpose)
    ClientLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    url = reverse(f"portal_{purpose}", args=[token])
    page = dead_end(
        browser_for(None).get(url),
        404,
        "This link has been used",
        "Ask your clinic for a new link.",
    )
    assert world.client.full_name not in page and world.client.clinic.name not in page


def test_an_expired_link_says_so(world: World) -> None:
    link, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    ClientLink.objects.filter(pk=link.pk).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = browser_for(None).get(reverse("portal_intake", args=[token]))
    dead_end(response, 404, "This link has expired", "work for 7 days", "Ask your clinic")


def test_an_unknown_link_says_so(db: Any) -> None:
    response = Browser().get(reverse("portal_checkin", args=["not-a-token"]))
    dead_end(response, 404, "This link does not work", "copied all of it", "Ask your clinic")


# -- 404, 403, 400 -------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_an_unknown_address_is_the_friendly_404(db: Any, settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    page = dead_end(Browser().get("/no-such-page/"), 404, "Page not found", "Check the address")
    assert "URLconf" not in page  # not Django's technical page


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_views_404_is_the_friendly_404(db: Any, settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    # The client's answer page without a portal session: the view answers 404.
    dead_end(Browser().get(reverse("portal_result")), 404, "Page not found")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_form_without_its_csrf_token_is_the_friendly_403(
    db: Any, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    response = Browser(enforce_csrf_checks=True).post(reverse("self_check"), {})
    dead_end(response, 403, "This was not allowed", "reload the page and try again")


def test_a_bad_host_is_the_friendly_400(db: Any) -> None:
    response = Browser().get("/learn/", HTTP_HOST="evil.invalid")
    dead_end(response, 400, "Something was wrong with the request", "try again")


def test_the_handlers_are_the_friendly_ones() -> None:
    resolver = get_resolver()
    assert resolver.resolve_error_handler(400) is errors.bad_request
    assert resolver.resolve_error_handler(403) is errors.permission_denied
    assert resolver.resolve_error_handler(404) is errors.page_not_found
    assert resolver.resolve_error_handler(500) is errors.server_error


# -- 500: no database, no request context --------------------------------------------------------


def test_the_500_page_needs_neither_the_database_nor_the_request(settings: Any) -> None:
    # No `db` fixture: any database query here fails the test. The request has no user, no
    # session: the middleware that sets them may be what failed.
    settings.BACKCARE_EMERGENCY_NUMBER = "112"
    response = errors.server_error(RequestFactory().get("/anything/"))
    page = dead_end(response, 500, "Something went wrong", "try again in a few minutes")
    assert 'href="tel:112"' in page


def test_the_500_page_falls_back_to_fixed_words_if_it_cannot_be_drawn(settings: Any) -> None:
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": False,
        }
    ]
    response = errors.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and ADVICE_WHEN["now"] in page


# -- the self-check's rate limit -----------------------------------------------------------------


def test_the_rate_limit_answer_says_what_happened_and_what_to_do(db: Any) -> None:
    cache.clear()
    browser = Browser()
    for _ in range(20):
        browser.post(reverse("self_check"), {"red_flags": ["none"]})
    response = browser.post(reverse("self_check"), {"red_flags": ["none"]})
    dead_end(response, 429, "Please wait a minute", "Wait a minute, then go back")
