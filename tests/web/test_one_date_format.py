"""One way to show dates and times (issue 15): the clinic's time zone on every page, one day
format and one date-time format (lib/dates.py), ISO 8601 in exports only; and the sign-in
error said once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from backcare.accounts.models import Clinic
from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.actions import ActionError
from backcare.lib import dates
from backcare.staff import actions as staff_actions
from support.world import World, browser_for

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
LONG_MONTH = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b")
AMERICAN = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d{1,2}, \d{4}")
TWELVE_HOUR = re.compile(r"\b\d{1,2}(:\d{2})? ?[ap]\.m\.")  # Django's own "9:47 a.m."
PAGE_DAY = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")


def page_text(html: str) -> str:
    """What a person reads: no scripts (the chart's data is for the machine), no tags and no
    attributes (a date input's value, a data-due attribute)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _zone(world: World, name: str) -> Clinic:
    clinic = world.therapist.therapist.clinic
    Clinic.objects.filter(pk=clinic.pk).update(time_zone=name)
    return clinic


def test_the_formats_are_the_pages_one_format() -> None:
    assert dates.day(dt.date(2026, 11, 29)) == "29 Nov 2026"
    assert dates.day("2026-02-03") == "3 Feb 2026"
    moment = dt.datetime(2026, 11, 29, 9, 47, tzinfo=dt.UTC)
    assert dates.moment(moment) == "29 Nov 2026, 09:47"
    with timezone.override("Pacific/Auckland"):  # UTC+13 in November
        assert dates.moment(moment) == "29 Nov 2026, 22:47"
        assert dates.day(dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)) == "30 Nov 2026"
    assert dates.day(None) == "" and dates.moment(None) == ""


def test_the_main_pages_show_dates_one_way_and_never_iso(world: World) -> None:
    client = world.client
    actions.sign_session(by=world.therapist, session=world.session)
    browser = browser_for(world.therapist)
    pages = {
        "dashboard": reverse("dashboard"),
        "client": reverse("client_detail", args=[client.pk]),
        "session": reverse("session_detail", args=[client.pk, world.session.pk]),
        "progress": reverse("progress", args=[client.pk]),
        "audit log": reverse("audit_log"),
        "letter": reverse("referral_letter", args=[client.pk]),
        "assessment": reverse("intake_detail", args=[client.pk, world.intake.pk]),
    }
    for name, url in pages.items():
        response = browser.get(url)
        assert response.status_code == 200, name
        text = page_text(response.content.decode())
        assert not ISO_DAY.search(text), (name, ISO_DAY.findall(text))
        assert not LONG_MONTH.search(text), (name, LONG_MONTH.findall(text))
        assert not AMERICAN.search(text), (name, AMERICAN.findall(text))
        assert not TWELVE_HOUR.search(text), (name, TWELVE_HOUR.findall(text))
        if name != "dashboard":  # every other page shows at least one day, in the one format
            assert PAGE_DAY.search(text), name
    # the session of 5 January 2026 reads so on its page and the client's
    for url in (pages["client"], pages["session"]):
        assert "5 Jan 2026" in page_text(browser.get(url).content.decode())


def test_exports_keep_iso_8601(world: World) -> None:
    browser = browser_for(world.therapist)
    body = browser.get(reverse("client_export", args=[world.client.pk])).content.decode()
    assert '"2026-01-05"' in body and "Jan 2026" not in body


def _shown(at: dt.datetime, zone: str) -> str:
    """`at` as a page in `zone` must show it, written out here without lib/dates.py."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{local.day} {local:%b %Y, %H:%M}"


def test_the_audit_log_shows_the_clinics_time_and_says_its_zone(world: World) -> None:
    _zone(world, "Pacific/Auckland")
    event = AuditEvent.objects.filter(clinic__name="Riverside").latest("id")
    html = browser_for(world.therapist).get(reverse("audit_log")).content.decode()
    text = page_text(html)
    assert "Times are shown in the clinic's time zone, Pacific/Auckland." in text
    assert "When (Pacific/Auckland)" in text
    # Auckland is 12 or 13 hours ahead of UTC: the shown hour is Auckland's, not UTC's
    assert _shown(event.at, "Pacific/Auckland") in text
    assert _shown(event.at, "UTC") not in text


def test_another_clinic_and_an_anonymous_page_keep_their_own_zone(world: World) -> None:
    _zone(world, "Pacific/Auckland")
    event = AuditEvent.objects.filter(clinic__name="Hilltop").latest("id")
    text = page_text(browser_for(world.colleague).get(reverse("audit_log")).content.decode())
    assert _shown(event.at, "UTC") in text and "Pacific/Auckland" not in text  # Hilltop: UTC
    assert timezone.get_current_timezone_name() == "UTC"  # nothing left active after a request


def test_the_admin_sets_the_clinics_zone_audited_and_a_bad_one_is_refused(world: World) -> None:
    browser = browser_for(world.therapist)
    clinic = world.therapist.therapist.clinic
    page = browser.get(reverse("clinic_details")).content.decode()
    assert '<option value="Pacific/Auckland">' in page and 'name="time_zone"' in page
    response = browser.post(reverse("clinic_details"), {"time_zone": "Nowhere/Atlantis"})
    assert response.status_code == 422
    field = re.search(r'<div class="field has-error">.*?</div>', response.content.decode(), re.S)
    assert field is not None and 'name="time_zone"' in field.group(0)
    clinic.refresh_from_db()
    assert clinic.time_zone == "UTC"
    assert not AuditEvent.objects.filter(action="clinic.details").exists()
    response = browser.post(reverse("clinic_details"), {"time_zone": "Europe/London"})
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.time_zone == "Europe/London"
    event = AuditEvent.objects.get(action="clinic.details")
    assert event.detail["fields"] == ["time_zone"]


def test_a_zone_the_action_is_given_must_be_zoneinfos(world: World) -> None:
    with pytest.raises(ActionError) as raised:
        staff_actions.update_clinic_details(by=world.therapist, values={"time_zone": "Mars/Base"})
    assert "time_zone" in raised.value.errors


def test_the_sign_in_error_is_said_once(world: Any) -> None:
    response = Browser().post(
        reverse("login"), {"username": "alice", "password": "not-her-password"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="alert"') == 1
    assert "Please correct the answers marked below." not in html
    # an empty field is marked at the field, with the one summary
    html = Browser().post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert html.count('role="alert"') == 1
    assert re.search(r'<div class="field has-error">\s*<label for="id_username">', html)
