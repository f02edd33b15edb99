"""Issue 12, point 6: no browser or proxy keeps a copy of a page or API answer that shows
health data or a name. Every URL of the resolver is walked (a new URL whose parameters this
test cannot fill fails it), as the signed-in therapist, with an API token and anonymously."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from backcare.clinic import actions
from backcare.clinic.models import CheckIn, ClinicAlert
from backcare.web.middleware import PUBLIC_PAGES
from support.api import token_for
from support.intake_link import link_answers
from support.world import World, browser_for

_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str | None]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def every_url(values: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Every URL of the site, its parameters filled from `values` (KeyError: a new one)."""
    urls = {
        "/" + _PARAMETER.sub(lambda m: str(values[m.group(1)]), route): name
        for route, name in _routes(get_resolver().url_patterns)
    }
    return sorted(urls.items())


def _values(world: World) -> dict[str, Any]:
    actions.record_checkin(
        by=world.therapist, client=world.client, when=world.session.date, pain=5,
        red_flags=["saddle_numbness"],
    )  # fmt: skip
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    from backcare.api.models import ApiToken

    token_for(world.therapist)
    return {
        "client_id": world.client.pk,
        "intake_id": world.intake.pk,
        "session_id": world.session.pk,
        "alert_id": ClinicAlert.objects.get(client=world.client).pk,
        "checkin_id": CheckIn.objects.get(client=world.client).pk,
        "token": token,
        "token_id": ApiToken.objects.filter(user=world.therapist).first().pk,  # type: ignore[union-attr]
        "therapist_id": world.therapist.therapist.pk,
        "invitation_id": _invitation(world).pk,
        "uidb64": "MQ",  # a password reset link's: this one is not valid
    }


def _invitation(world: World) -> Any:
    from backcare.staff.actions import invite

    return invite(by=world.therapist, email="new@example.org", display_name="New Colleague")[0]


def _stored(response: Any) -> bool:
    return "no-store" not in response.get("Cache-Control", "")


def test_every_answer_to_a_signed_in_user_or_a_token_is_no_store(world: World) -> None:
    urls = every_url(_values(world))
    assert len(urls) > 60  # the walk found the site
    therapist = browser_for(world.therapist)
    token = token_for(world.therapist)
    stored = []
    for url, name in urls:
        if name == "logout":
            continue  # below: signing out ends this browser's session
        response = therapist.get(url)
        if _stored(response):
            stored.append(("signed in", url, response.status_code))
        if url.startswith("/api/"):
            response = Browser().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
            if _stored(response):
                stored.append(("token", url, response.status_code))
    assert stored == []
    signed_out = therapist.post(reverse("logout"))
    assert not _stored(signed_out)
    assert signed_out["Clear-Site-Data"] == '"cache", "storage"'


def test_every_answer_but_a_public_page_is_no_store_anonymously(world: World) -> None:
    anonymous = Browser()
    stored = [
        (url, response.status_code)
        for url, name in every_url(_values(world))
        if name not in PUBLIC_PAGES and _stored(response := anonymous.get(url))
    ]
    assert stored == []


def test_a_client_link_and_the_portal_answer_are_no_store(world: World) -> None:
    _link, token = actions.create_link(by=world.therapist, client=world.client, purpose="intake")
    phone = Browser()
    assert not _stored(phone.get(reverse("portal_intake", args=[token])))
    form = {
        "age": "45", "sex": "unspecified", "pain_intensity": "4", "pain_duration_weeks": "10",
        "pain_regions": ["lumbar"], "pain_onset": "gradual", "pain_radiation": "none",
        "red_flags": ["none"],  # "None of these" is an answer of its own (issue 11)
    }  # fmt: skip
    assert phone.post(reverse("portal_intake", args=[token]), link_answers(form)).status_code == 302
    result = phone.get(reverse("portal_result"))
    assert result.status_code == 200 and not _stored(result)
    # A public page read in a client's portal session is private too: it is their browser.
    assert not _stored(phone.get(reverse("learn")))


def test_the_self_check_answer_is_no_store_and_public_pages_stay_cacheable(db: Any) -> None:
    anonymous = Browser()
    for name in PUBLIC_PAGES:
        response = anonymous.get(reverse(name))
        assert response.status_code == 200 and _stored(response), name
    answer = anonymous.post(
        reverse("self_check"),
        {
            "age": "45", "sex": "unspecified", "pain_intensity": "4",
            "pain_duration_weeks": "10", "pain_regions": ["lumbar"], "pain_onset": "gradual",
            "pain_radiation": "none", "red_flags": ["none"],
            "conditions": ["none"], "medications": ["none"],
        },
    )  # fmt: skip
    assert answer.status_code == 200 and "Your answer" in answer.content.decode()
    assert not _stored(answer)
    static = anonymous.get("/static/backcare/app.js")
    assert static.status_code == 200 and _stored(static)


def test_a_public_page_for_a_signed_in_user_is_no_store(world: World) -> None:
    # The header names the therapist and the clinic.
    page = browser_for(world.therapist).get(reverse("learn"))
    assert page.status_code == 200 and "Alice" in page.content.decode()
    assert not _stored(page)
