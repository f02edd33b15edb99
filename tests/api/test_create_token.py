"""`backcare manage create_token`: a personal API token for scripts, made like the web page's."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from backcare.api.models import ApiToken
from backcare.audit.models import AuditEvent
from support.api import call
from support.world import World
from support.zones import zone_on_another_day

BACKCARE = str(Path(sys.executable).with_name("backcare"))


def create_token(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_only_a_token_that_reads_but_cannot_write(world: World) -> None:
    out, err = create_token("alice", "--scope", "read")
    assert out.endswith("\n") and out.count("\n") == 1
    token = out.strip()
    assert token.startswith("bc_")
    assert token not in err and "shown only this once" in err
    made = ApiToken.objects.get(user=world.therapist)
    assert not made.can_write and made.revoked_at is None
    clinic_day = timezone.localdate(timezone=world.therapist.therapist.clinic.zone)
    assert made.name == f"command line ({clinic_day.isoformat()})"
    assert made.prefix == token[:10] and made.prefix in err
    clients = call("get", "/clients", token)
    assert clients.status_code == 200
    assert [c["full_name"] for c in clients.json()] == ["Carol Client"]
    before = AuditEvent.objects.count()
    assert call("post", "/clients", token, {"full_name": "X"}).status_code == 401
    assert AuditEvent.objects.count() == before


def test_the_default_name_is_dated_by_the_clinics_calendar_not_utcs(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    clinic.time_zone = zone_on_another_day()
    clinic.save()
    create_token("alice", "--scope", "read")
    made = ApiToken.objects.get(user=world.therapist)
    clinic_day = timezone.localdate(timezone=clinic.zone)
    assert clinic_day != timezone.localdate(timezone=dt.UTC)
    assert made.name == f"command line ({clinic_day.isoformat()})"


def test_a_write_token_can_change_records(world: World) -> None:
    out, _ = create_token("alice", "--scope", "write", "--name", "nightly export")
    token = out.strip()
    made = ApiToken.objects.get(user=world.therapist)
    assert made.can_write and made.name == "nightly export"
    assert call("post", "/clients", token, {"full_name": "Api Person"}).status_code == 201


def test_only_the_hash_is_stored(world: World) -> None:
    token = create_token("alice", "--scope", "write")[0].strip()
    assert ApiToken.objects.get(user=world.therapist).token_hash == ApiToken.hash(token)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert token not in repr(cursor.fetchall()), table


def test_the_token_is_audited_like_the_web_page(world: World) -> None:
    create_token("alice", "--scope", "read")
    made = ApiToken.objects.get(user=world.therapist)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == world.therapist
    assert event.clinic == world.therapist.therapist.clinic
    assert (event.object_type, event.object_id) == ("ApiToken", str(made.pk))
    assert event.detail == {"via": "command line", "expires_at": made.expires_at.isoformat()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "--scope", "read"), "no active user named 'nobody'"),
        (("bea", "--scope", "read"), "no active user named 'bea'"),  # deactivated below
        (("oscar", "--scope", "read"), "'oscar' is not a therapist of any clinic"),
        (("alice", "--scope", "admin"), "invalid choice: 'admin'"),
        (("alice",), "--scope"),
        (("alice", "--scope", "read", "--name", "  "), "--name must not be empty"),
        (("alice", "--scope", "read", "--name", "x" * 101), "at most 100 characters"),
    ],
)
def test_refusals_create_nothing(world: World, args: tuple[str, ...], message: str) -> None:
    world.colleague.is_active = False  # bea, a therapist whose account is switched off
    world.colleague.save()
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=message):
        create_token(*args)
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == events


def _run(*args: str, data_dir: Path) -> Any:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["BACKCARE_DATA_DIR"] = str(data_dir)
    return subprocess.run([BACKCARE, *args], capture_output=True, text=True, timeout=120, env=env)


def test_the_real_command_prints_a_token_for_scripts(tmp_path: Path) -> None:
    for args in (("manage", "migrate", "-v0"), ("manage", "demo_clinic")):
        result = _run(*args, data_dir=tmp_path)
        assert result.returncode == 0, result.stderr
    result = _run("manage", "create_token", "amara", "--scope", "read", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("bc_")
    assert "shown only this once" in result.stderr
    with sqlite3.connect(tmp_path / "backcare.sqlite3") as db:
        rows = db.execute("SELECT token_hash, can_write FROM api_apitoken").fetchall()
    assert rows == [(ApiToken.hash(token), 0)]
    refused = _run("manage", "create_token", "nobody", "--scope", "read", data_dir=tmp_path)
    assert refused.returncode != 0 and refused.stdout == ""
    assert "no active user named 'nobody'" in refused.stderr
