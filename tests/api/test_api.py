"""The JSON API against its contract: the same core, the same access rules, tokens."""

from __future__ import annotations

import jsonschema
import pytest
from django.test import Client as Browser

from backcare.api.models import ApiToken
from backcare.audit.models import AuditEvent
from backcare.cli.demo import example_cases
from backcare.clinic.models import Client, Session
from support.api import call, token_for
from support.world import INTAKE, World, browser_for


def test_assess_answers_every_public_case(world: World) -> None:
    token = token_for(world.therapist)
    for case in example_cases("intake"):
        response = call("post", "/assess", token, case["intake"])
        assert response.status_code == 200, case["name"]
        assert response.json()["disposition"] == case["expect"]["disposition"]


def test_errors_are_422_with_paths(world: World) -> None:
    token = token_for(world.therapist)
    response = call(
        "post", "/assess", token, INTAKE | {"red_flags": {"sadle_numbness": True}, "age": True}
    )
    assert response.status_code == 422
    paths = {p["path"] for p in response.json()}
    assert paths == {"red_flags.sadle_numbness", "age"}
    assert call("post", "/assess", token, "{not json").status_code == 422


def test_progress_endpoint(world: World) -> None:
    token = token_for(world.therapist)
    for case in example_cases("course"):
        response = call("post", "/progress", token, case["course"])
        assert response.status_code == 200
        assert response.json()["next_step"] == case["expect"]["next_step"]


def test_no_token_or_a_revoked_one_is_401(world: World) -> None:
    assert call("post", "/assess", None, INTAKE).status_code == 401
    assert call("post", "/assess", "bc_nonsense", INTAKE).status_code == 401
    revoked = token_for(world.therapist, revoked=True)
    assert call("get", "/clients", revoked).status_code == 401


def test_a_read_only_token_cannot_change_anything(world: World) -> None:
    token = token_for(world.therapist, write=False)
    assert call("get", "/clients", token).status_code == 200
    before = AuditEvent.objects.count()
    assert call("post", "/clients", token, {"full_name": "X"}).status_code == 401
    assert AuditEvent.objects.count() == before


def test_clients_are_the_clinics_own_and_others_are_404(world: World) -> None:
    token = token_for(world.therapist)
    names = [c["full_name"] for c in call("get", "/clients", token).json()]
    assert names == ["Carol Client"]
    assert call("get", f"/clients/{world.client.pk}", token).status_code == 200
    assert call("get", f"/clients/{world.other_client.pk}", token).status_code == 404
    assert call("get", f"/clients/{world.other_client.pk}/progress", token).status_code == 404
    assert (
        call("post", f"/clients/{world.other_client.pk}/intakes", token, INTAKE).status_code == 404
    )


def test_create_a_client_and_record_an_intake(world: World) -> None:
    token = token_for(world.therapist)
    made = call("post", "/clients", token, {"full_name": "Api Person"})
    assert made.status_code == 201
    client_id = made.json()["id"]
    bad = call("post", f"/clients/{client_id}/intakes", token, INTAKE | {"age": 300})
    assert bad.status_code == 422 and bad.json() == [
        {"path": "age", "message": "must be at most 120, not 300"}
    ]
    ok = call("post", f"/clients/{client_id}/intakes", token, INTAKE)
    assert ok.status_code == 201 and ok.json()["assessment"]["disposition"] == "proceed"
    assert len(call("get", f"/clients/{client_id}/intakes", token).json()) == 1
    progress = call("get", f"/clients/{client_id}/progress", token)
    assert progress.status_code == 200 and progress.json()["schema"] == "backcare.progress/1"


def test_pagination(world: World) -> None:
    token = token_for(world.therapist)
    assert call("get", "/clients?offset=1&limit=5", token).json() == []
    refused = call("get", "/clients?limit=0", token)
    assert refused.status_code == 422 and refused.json()[0]["path"] == "limit"
    assert call("get", "/clients?offset=99999999999999999999", token).status_code == 422


def test_openapi_document(world: World) -> None:
    response = Browser().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/assess" in spec["paths"]
    body = spec["paths"]["/api/v1/assess"]["post"]["requestBody"]["content"]["application/json"]
    validator = jsonschema.Draft202012Validator(
        {**body["schema"], "components": spec["components"]}
    )
    validator.validate(INTAKE)
    assert not validator.is_valid(INTAKE | {"red_flags": {"sadle_numbness": True}})


def test_docs_page_uses_no_cdn(world: World) -> None:
    page = Browser().get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower() and "/static/ninja/swagger-ui-bundle.js" in page


def test_token_page_shows_a_token_once_and_revokes(world: World) -> None:
    browser = browser_for(world.therapist)
    page = browser.post("/api-tokens/", {"name": "my script", "can_write": "on"}).content.decode()
    token = ApiToken.objects.get(user=world.therapist)
    assert token.prefix in page and "shown only once" in page
    assert "shown only once" not in browser.get("/api-tokens/").content.decode()
    revoked = browser.post(f"/api-tokens/{token.pk}/revoke/", follow=True).content.decode()
    assert "The token &quot;my script&quot; was revoked: it no longer works." in revoked
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert browser_for(world.colleague).post(f"/api-tokens/{token.pk}/revoke/").status_code == 404


@pytest.mark.parametrize("path", ["/api-tokens/"])
def test_token_page_needs_a_therapist(world: World, path: str) -> None:
    assert browser_for(world.outsider).get(path).status_code == 404
    assert browser_for(None).get(path).status_code == 302


def test_sessions_and_checkins_through_the_api(world: World) -> None:
    token = token_for(world.therapist)
    c = world.client.pk
    session = {
        "date": "2026-01-12",
        "pain_before": 5,
        "pain_after": 3,
        "techniques": ["swedish"],
        "pressure": "medium",
        "regions": ["lumbar-left"],
    }
    made = call("post", f"/clients/{c}/sessions", token, session)
    assert made.status_code == 201 and made.json()["number"] == 2
    sid = made.json()["id"]
    bad = call(
        "post",
        f"/clients/{c}/sessions",
        token,
        session | {"date": "2026-02-01", "pressure": "deep"},
    )
    assert bad.status_code == 422 and bad.json()[0]["path"] == "pressure"
    huge = call(
        "post",
        f"/clients/{c}/sessions",
        token,
        session | {"date": "2026-02-01", "side_effect_hours": 1e9},
    )
    assert huge.status_code == 422
    assert call("post", f"/clients/{c}/sessions/{sid}/sign", token).status_code == 200
    amended = call(
        "post", f"/clients/{c}/sessions/{sid}/amendments", token,
        {"changes": {"pain_after": 4, "techniques": 7}, "reason": "typo"},
    )  # fmt: skip
    assert amended.status_code == 422  # techniques must be a list: nothing saved
    amended = call(
        "post", f"/clients/{c}/sessions/{sid}/amendments", token,
        {"changes": {"pain_after": 4}, "reason": "typo"},
    )  # fmt: skip
    assert amended.status_code == 201 and amended.json()["pain_after"] == 4
    assert amended.json()["amendments"][0]["old_value"] == 3
    listed = call("get", f"/clients/{c}/sessions", token).json()
    assert [s["number"] for s in listed] == [1, 2]
    checkin = {"date": "2026-01-20", "pain": 3, "rmdq": 30}
    assert call("post", f"/clients/{c}/checkins", token, checkin).status_code == 422
    checkin["rmdq"] = 8
    assert call("post", f"/clients/{c}/checkins", token, checkin).status_code == 201
    assert call("get", f"/clients/{c}/checkins", token).json()[0]["rmdq"] == 8
    other = world.other_client.pk
    assert call("get", f"/clients/{other}/sessions", token).status_code == 404
    assert call("post", f"/clients/{other}/checkins", token, checkin).status_code == 404


def test_nul_characters_are_refused_cleanly(world: World) -> None:
    token = token_for(world.therapist)
    assert call("get", "/clients?q=a%00b", token).status_code == 422
    response = call("post", "/clients", token, {"full_name": "A\u0000B"})
    assert response.status_code == 422
    assert response.json() == [{"path": "", "message": "must not contain NUL characters"}]


def test_half_a_surrogate_pair_is_refused_cleanly_and_a_whole_one_kept(world: World) -> None:
    # JSON can spell half a UTF-16 pair ("\\ud800"); no database can store it (a 500 before).
    token = token_for(world.therapist)
    response = call("post", "/clients", token, {"full_name": "A\ud800B", "phone": "\udc00"})
    assert response.status_code == 422
    message = "must be Unicode text, not half of a surrogate pair"
    assert response.json() == [
        {"path": "full_name", "message": message},
        {"path": "phone", "message": message},
    ]
    assert not Client.objects.filter(full_name__startswith="A").exists()
    whole = call("post", "/clients", token, {"full_name": "Zo\U0001f600"})
    assert whole.status_code == 201 and whole.json()["full_name"] == "Zo\U0001f600"


def test_a_sessions_minutes_are_recorded_checked_and_amended(world: World) -> None:
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions"
    session = {
        "date": "2026-01-12", "pain_before": 5, "pain_after": 3, "techniques": ["swedish"],
        "pressure": "medium",
    }  # fmt: skip
    for minutes in (0, 500, "45", 45.5, True):
        refused = call("post", url, token, session | {"minutes": minutes})
        assert refused.status_code == 422, minutes
        assert [p["path"] for p in refused.json()] == ["minutes"], refused.json()
    made = call("post", url, token, session | {"minutes": 45})
    assert made.status_code == 201 and made.json()["minutes"] == 45
    stored = Session.objects.get(pk=made.json()["id"])
    assert stored.minutes == 45
    assert call("post", f"{url}/{stored.pk}/sign", token).status_code == 200
    amended = call(
        "post", f"{url}/{stored.pk}/amendments", token,
        {"changes": {"minutes": 60}, "reason": "the clock was wrong"},
    )  # fmt: skip
    assert amended.status_code == 201, amended.json()
    assert call("get", f"{url}/{stored.pk}", token).json()["minutes"] == 60
    stored.refresh_from_db()
    assert stored.minutes == 45  # the original stays; the amendment holds the new value
