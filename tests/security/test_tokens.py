"""API tokens (issue 12, point 3): each expires (90 days by default, chosen when it is made and
shown on the token page and in the API), shows when it was last used, and is checked against its
account's current rights at every request: a deactivated account's token answers 401 for reads
and writes, an expired one too, and a write needs a read-write token of an account still allowed.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.api.models import ApiToken
from backcare.api.tokens import create_token
from backcare.audit.models import AuditEvent
from backcare.clinic.models import Client
from backcare.lib import dates
from support.api import call, token_for
from support.world import World, browser_for

DAY = timedelta(days=1)


def _writes_and_reads(token: str, world: World) -> list[int]:
    """The statuses of one read and one write (which would add a client) with `token`."""
    c = world.client.pk
    return [
        call("get", f"/clients/{c}", token).status_code,
        call("get", "/clients", token).status_code,
        call("post", "/clients", token, {"full_name": "Added By Token"}).status_code,
        call("patch", f"/clients/{c}", token, {"phone": "0123"}).status_code,
    ]


def test_a_deactivated_accounts_token_answers_401_for_reads_and_writes(world: World) -> None:
    token = token_for(world.therapist, write=True)
    assert call("get", "/clients", token).status_code == 200  # it works before
    User.objects.filter(pk=world.therapist.pk).update(is_active=False)
    before = AuditEvent.objects.count()
    assert _writes_and_reads(token, world) == [401, 401, 401, 401]
    assert not Client.objects.filter(full_name="Added By Token").exists()
    world.client.refresh_from_db()
    assert world.client.phone == ""
    assert AuditEvent.objects.count() == before  # not even a read was recorded


def test_an_expired_token_answers_401(world: World) -> None:
    token = token_for(world.therapist, write=True)
    ApiToken.objects.filter(user=world.therapist).update(expires_at=timezone.now() - DAY)
    assert _writes_and_reads(token, world) == [401, 401, 401, 401]
    assert not Client.objects.filter(full_name="Added By Token").exists()
    # just before it expires it still works
    ApiToken.objects.filter(user=world.therapist).update(
        expires_at=timezone.now() + timedelta(seconds=30)
    )
    assert call("get", "/clients", token).status_code == 200


def test_a_token_of_an_account_no_longer_a_therapist_answers_401(world: World) -> None:
    token = token_for(world.outsider, write=True)  # made directly: the outsider has no clinic
    assert call("get", "/clients", token).status_code == 401
    assert call("post", "/clients", token, {"full_name": "Added By Token"}).status_code == 401


def test_a_read_only_token_cannot_write_and_a_revoked_one_cannot_read(world: World) -> None:
    read_only = token_for(world.therapist, write=False)
    assert _writes_and_reads(read_only, world) == [200, 200, 401, 401]
    revoked = token_for(world.therapist, write=True, revoked=True)
    assert _writes_and_reads(revoked, world) == [401, 401, 401, 401]


def test_a_demoted_admins_token_loses_the_admins_rights_at_once(world: World) -> None:
    """Rights are the account's at each request: erasing needs a clinic admin now."""
    token = token_for(world.therapist, write=True)
    Therapist.objects.filter(user=world.therapist).update(is_clinic_admin=False)
    erase = call(
        "post", f"/clients/{world.client.pk}/erase", token, {"confirm_name": "Carol Client"}
    )
    assert erase.status_code == 404
    assert call("get", "/outcomes.csv", token).status_code == 404
    world.client.refresh_from_db()
    assert world.client.full_name == "Carol Client"
    assert call("get", "/clients", token).status_code == 200  # still a therapist


def test_tokens_expire_in_90_days_by_default_and_as_chosen(world: World) -> None:
    made, _ = create_token(by=world.therapist, name="default", can_write=False)
    assert abs(made.expires_at - (timezone.now() + 90 * DAY)) < timedelta(minutes=1)
    browser = browser_for(world.therapist)
    browser.post("/api-tokens/", {"name": "short", "days": "7"})
    short = ApiToken.objects.get(name="short")
    assert abs(short.expires_at - (timezone.now() + 7 * DAY)) < timedelta(minutes=1)
    refused = browser.post("/api-tokens/", {"name": "forever", "days": "100000"})
    assert refused.status_code == 200 and not ApiToken.objects.filter(name="forever").exists()
    out = StringIO()
    call_command(
        "create_token", "alice", "--scope", "read", "--name", "cli", "--days", "30",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    cli = ApiToken.objects.get(name="cli")
    assert abs(cli.expires_at - (timezone.now() + 30 * DAY)) < timedelta(minutes=1)
    with pytest.raises(CommandError, match="--days"):  # a number not offered
        call_command("create_token", "alice", "--scope", "read", "--days", "0")


def test_the_token_page_shows_expiry_and_last_use(world: World) -> None:
    made, token = create_token(by=world.therapist, name="script", can_write=False)
    browser = browser_for(world.therapist)
    page = browser.get("/api-tokens/").content.decode()
    row = page[page.index(f'data-token="{made.prefix}"') :].split("</tr>")[0]
    assert dates.moment(made.expires_at) in row and ">never<" in row
    assert call("get", "/clients", token).status_code == 200
    made.refresh_from_db()
    assert made.last_used_at is not None
    page = browser.get("/api-tokens/").content.decode()
    row = page[page.index(f'data-token="{made.prefix}"') :].split("</tr>")[0]
    assert dates.moment(made.last_used_at) in row and ">never<" not in row
    ApiToken.objects.filter(pk=made.pk).update(expires_at=timezone.now() - DAY)
    page = browser.get("/api-tokens/").content.decode()
    row = page[page.index(f'data-token="{made.prefix}"') :].split("</tr>")[0]
    assert "expired " in row and "Revoke" not in row


def test_the_api_shows_the_tokens_expiry_and_last_use(world: World) -> None:
    made, token = create_token(by=world.therapist, name="script", can_write=True, days=30)
    answer = call("get", "/token", token)
    assert answer.status_code == 200
    body = answer.json()
    made.refresh_from_db()
    assert body["name"] == "script" and body["can_write"] is True
    assert body["prefix"] == made.prefix == token[:10]
    assert body["expires_at"].startswith(made.expires_at.strftime("%Y-%m-%dT%H:%M"))
    assert made.last_used_at is not None
    assert body["last_used_at"].startswith(made.last_used_at.strftime("%Y-%m-%dT%H:%M"))
    assert call("get", "/token", None).status_code == 401
