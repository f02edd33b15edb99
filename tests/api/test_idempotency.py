"""Idempotency-Key on the API's POSTs (issue 13, point 2): a retry answers the first result and
writes nothing; another request under the same key is refused; keys are per user and last a day."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.utils import timezone

from backcare.accounts.models import Clinic
from backcare.api.models import ApiToken, IdempotencyKey
from backcare.audit.models import AuditEvent
from backcare.clinic.models import Client
from support.api import token_for
from support.world import World, add_client, make_therapist

SESSION = {
    "date": "2026-01-12",
    "pain_before": 5,
    "pain_after": 3,
    "techniques": ["swedish"],
    "pressure": "medium",
    "regions": ["lumbar-left"],
}


def post(path: str, token: str, body: Any, key: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Browser().post(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers
    )


def test_a_repeated_key_answers_the_first_result_and_writes_nothing(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    first = post(url, token, SESSION, "retry-1")
    assert first.status_code == 201 and first.json()["number"] == 2
    audit_rows = AuditEvent.objects.count()
    again = post(url, token, SESSION, "retry-1")
    assert again.status_code == 201
    assert again.content == first.content  # the same body, byte for byte
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert world.client.sessions.count() == 2  # the world's session and this one: no third
    assert AuditEvent.objects.count() == audit_rows  # not even an audit row
    assert IdempotencyKey.objects.filter(user=world.therapist, key="retry-1").count() == 1
    # Without a key, the same body is a new session (the header is what makes a retry).
    assert post(url, token, SESSION, None).json()["number"] == 3


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    assert post(url, token, SESSION, "k").status_code == 201
    other = post(url, token, SESSION | {"pain_after": 2}, "k")
    assert other.status_code == 422
    assert other.json()[0]["path"] == "Idempotency-Key"
    assert "another request" in other.json()[0]["message"]
    assert world.client.sessions.count() == 2
    # Another path under the same key is another request too.
    checkin = {"date": "2026-01-13", "pain": 3}
    elsewhere = post(f"/clients/{world.client.pk}/checkins", token, checkin, "k")
    assert elsewhere.status_code == 422 and not world.client.checkins.exists()


def test_a_refused_request_keeps_no_key_so_its_retry_runs(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    bad = post(url, token, SESSION | {"pressure": "deep"}, "fix-and-retry")
    assert bad.status_code == 422 and not IdempotencyKey.objects.exists()
    good = post(url, token, SESSION, "fix-and-retry")
    assert good.status_code == 201 and world.client.sessions.count() == 2


def test_two_users_with_the_same_key_make_two_rows(world: World) -> None:
    first = post("/clients", token_for(world.therapist), {"full_name": "Eve One"}, "same")
    second = post("/clients", token_for(world.colleague), {"full_name": "Eve One"}, "same")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Client.objects.filter(full_name="Eve One").count() == 2
    assert IdempotencyKey.objects.filter(key="same").count() == 2


def test_the_key_belongs_to_the_user_not_the_token(world: World) -> None:
    url = f"/clients/{world.client.pk}/sessions"
    assert post(url, token_for(world.therapist), SESSION, "u").status_code == 201
    again = post(url, token_for(world.therapist), SESSION, "u")  # a second token, same user
    assert again["Idempotent-Replayed"] == "true" and world.client.sessions.count() == 2


def test_after_24_hours_the_key_is_new_again_and_purged(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    assert post(url, token, SESSION, "daily").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    later = post(url, token, SESSION | {"date": "2026-01-19"}, "daily")
    assert later.status_code == 201 and later.json()["number"] == 3
    assert "Idempotent-Replayed" not in later
    kept = IdempotencyKey.objects.get(key="daily")  # the old row made way for the new one
    assert kept.created_at > timezone.now() - timedelta(minutes=1)
    post(url, token, SESSION | {"date": "2026-01-26"}, "weekly")
    IdempotencyKey.objects.filter(key="weekly").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["daily"]


def test_a_malformed_key_is_refused(world: World) -> None:
    token = token_for(world.therapist)
    response = post(f"/clients/{world.client.pk}/sessions", token, SESSION, "has space")
    assert response.status_code == 422 and response.json()[0]["path"] == "Idempotency-Key"
    assert world.client.sessions.count() == 1
    assert post("/clients", token, {"full_name": "Long"}, "x" * 256).status_code == 422


def test_every_post_operation_declares_the_header(world: World) -> None:
    schema = Browser().get("/api/v1/openapi.json").json()
    posts = {p: ops["post"] for p, ops in schema["paths"].items() if "post" in ops}
    assert len(posts) >= 10
    for path, operation in posts.items():
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
    others = [
        p
        for ops in schema["paths"].values()
        for method, op in ops.items()
        if method != "post"
        for p in op.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    ]
    assert others == []


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_writes_once() -> None:
    """Four requests with one key at the same moment, each committing for real: one session,
    one key, and every answer the same (the others wait on the key, roll their change back and
    answer the first one's result). On PostgreSQL: the tests' SQLite is one in-memory database
    shared by threads, which refuses a second writer at once instead of waiting (the served
    SQLite file waits: WAL and IMMEDIATE transactions, benchmarks/writes.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL in the tests")
    clinic = Clinic.objects.create(name="Riverside")
    therapist = make_therapist("alice", clinic)
    client = add_client(therapist, "Carol Client")
    token = token_for(therapist)
    start = threading.Barrier(4)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        try:
            answers.append(post(f"/clients/{client.pk}/sessions", token, SESSION, "at-once"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.content for a in answers}) == 1
    assert client.sessions.count() == 1
    assert IdempotencyKey.objects.filter(key="at-once").count() == 1


def test_a_tokens_last_use_is_written_at_most_once_a_minute(world: World) -> None:
    """Concurrent writes with one token must not queue on its row (each keyed POST's
    transaction would hold the row's lock until its write commits)."""
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    post(url, token, SESSION, "a")
    used = ApiToken.objects.get(token_hash=ApiToken.hash(token))
    assert used.last_used_at is not None
    post(url, token, SESSION | {"date": "2026-01-19"}, "b")
    assert ApiToken.objects.get(pk=used.pk).last_used_at == used.last_used_at
    earlier = used.last_used_at - timedelta(minutes=2)
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=earlier)
    post(url, token, SESSION | {"date": "2026-01-26"}, "c")
    assert ApiToken.objects.get(pk=used.pk).last_used_at > used.last_used_at
