"""Hostile input never reaches a server error (issue 12, point 7).

Each finding of the issue, reproduced: the answer is the API's problem list (status, path and
message) or a page's error, and nothing is written (every table's row count is unchanged). The
database-dependent findings (a text longer than its column, which only PostgreSQL refuses) run
on PostgreSQL too: scripts/check runs this folder there.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.apps import apps
from django.test import Client as Browser
from django.urls import reverse

from backcare.audit.models import AuditEvent
from backcare.clinic import actions, limits
from backcare.clinic.models import Amendment, CheckIn, Client, Session
from backcare.core.jsontext import MAX_DEPTH
from backcare.selfcheck.views import sealed
from support.api import call, token_for
from support.checkin_link import checkin_answers
from support.world import INTAKE, World, browser_for

DEEP = f"nested more than {MAX_DEPTH} levels deep"


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def problems(response: Any) -> list[tuple[str, str]]:
    """The API's problem list as (path, message) pairs; it must be JSON of that shape."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert isinstance(body, list) and all(set(p) == {"path", "message"} for p in body), body
    return [(p["path"], p["message"]) for p in body]


def signed(world: World) -> Session:
    return actions.sign_session(by=world.therapist, session=world.session)


# -- nesting depth -----------------------------------------------------------------------------

DEEP_BODIES = {
    "lists": "[" * 100_000 + "]" * 100_000,
    "objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "unclosed": "[" * 100_000,
    "one-over": "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
}
POSTS = [
    "/assess",
    "/progress",
    "/clients",
    "/clients/{client}/intakes",
    "/clients/{client}/fhir/QuestionnaireResponse",
    "/clients/{client}/sessions",
    "/clients/{client}/checkins",
    "/clients/{client}/reviews",
    "/clients/{client}/sessions/{session}/amendments",
]


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("path", POSTS)
def test_deeply_nested_json_is_a_422_on_every_write(world: World, path: str, body: str) -> None:
    url = path.format(client=world.client.pk, session=world.session.pk)
    token = token_for(world.therapist)
    before = row_counts()
    response = call("post", url, token, body)
    assert response.status_code == 422
    assert problems(response) == [("", f"is {DEEP}")]
    assert row_counts() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        # Half a surrogate pair makes the API's NUL guard parse the body before any token check.
        "[" * 5_000 + '"\\ud800"' + "]" * 5_000,
    ],
    ids=["plain", "with-a-surrogate-escape"],
)
@pytest.mark.parametrize("path", ["/assess", "/progress", "/clients/{client}/intakes"])
def test_deeply_nested_json_without_a_token_is_refused_not_a_crash(
    world: World, path: str, body: str
) -> None:
    before = row_counts()
    response = call("post", path.format(client=world.client.pk), None, body)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert row_counts() == before


def test_a_deeply_nested_fhir_file_on_the_web_is_a_form_error(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    browser = browser_for(world.therapist)
    before = row_counts()
    upload = SimpleUploadedFile("deep.json", b"[" * 100_000, content_type="application/json")
    url = reverse("intake_import", args=[world.client.pk])
    response = browser.post(url, {"response": upload})
    assert response.status_code == 200
    assert DEEP in response.content.decode()
    assert row_counts() == before


# -- NaN and Infinity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ('"peg": NaN', ["peg"]),
        ('"side_effect_hours": NaN', ["side_effect_hours"]),
        ('"peg": Infinity, "side_effect_hours": -Infinity', ["peg", "side_effect_hours"]),
    ],
)
def test_nan_or_infinity_in_a_checkin_is_a_422_with_its_path(
    world: World, fields: str, paths: list[str]
) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    body = '{"date": "2026-01-06", "pain": 3, ' + fields + "}"
    response = call("post", f"/clients/{world.client.pk}/checkins", token, body)
    assert response.status_code == 422
    assert [path for path, _ in problems(response)] == paths
    assert all("is not a number in JSON" in message for _, message in problems(response))
    assert row_counts() == before


SESSION = {
    "date": "2026-01-06",
    "pain_before": 5,
    "pain_after": 3,
    "techniques": ["swedish"],
    "pressure": "light",
}


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("NaN", "NaN is not a number in JSON"),
        ("Infinity", "Infinity is not a number in JSON"),
        ("1e400", "must be a finite number"),  # too large for a float: read as infinity
    ],
)
def test_nan_or_infinity_in_a_session_is_a_422_with_its_path(
    world: World, hours: str, message: str
) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    body = json.dumps(SESSION)[:-1] + f', "side_effect_hours": {hours}}}'
    response = call("post", f"/clients/{world.client.pk}/sessions", token, body)
    assert response.status_code == 422
    assert problems(response) == [("side_effect_hours", message)]
    assert row_counts() == before


@pytest.mark.parametrize("hours", ["NaN", "-Infinity", "1e999"])
def test_nan_or_infinity_in_an_amendment_is_a_422_with_its_path(world: World, hours: str) -> None:
    session = signed(world)
    token = token_for(world.therapist)
    before = row_counts()
    body = '{"changes": {"side_effect_hours": ' + hours + '}, "reason": "Typo"}'
    url = f"/clients/{world.client.pk}/sessions/{session.pk}/amendments"
    response = call("post", url, token, body)
    assert response.status_code == 422
    assert [path for path, _ in problems(response)] == ["changes.side_effect_hours"]
    assert row_counts() == before


def test_nan_in_an_intake_names_its_path(world: World) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    body = json.dumps(INTAKE | {"age": 45}).replace("45", "NaN", 1)
    response = call("post", "/assess", token, body)
    assert response.status_code == 422
    assert problems(response) == [("age", "NaN is not a number in JSON")]
    response = call("post", f"/clients/{world.client.pk}/intakes", token, body)
    assert response.status_code == 422 and problems(response)[0][0] == "age"
    assert row_counts() == before


# -- null and values of the wrong kind ----------------------------------------------------------


@pytest.mark.parametrize(
    "patch",
    [{"full_name": None}, {"email": None}, {"phone": None}, {"full_name": None, "phone": None}],
)
def test_patching_a_client_with_null_is_a_422_with_its_paths(
    world: World, patch: dict[str, Any]
) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    response = call("patch", f"/clients/{world.client.pk}", token, patch)
    assert response.status_code == 422
    assert [path for path, _ in problems(response)] == list(patch)
    assert Client.objects.get(pk=world.client.pk).full_name == "Carol Client"
    assert row_counts() == before


def test_patching_a_client_changes_only_what_is_given(world: World) -> None:
    token = token_for(world.therapist)
    response = call("patch", f"/clients/{world.client.pk}", token, {"phone": "0123"})
    assert response.status_code == 200
    client = Client.objects.get(pk=world.client.pk)
    assert (client.full_name, client.phone) == ("Carol Client", "0123")


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"regions": [1]}, "changes.regions[0]"),
        ({"regions": [[1]]}, "changes.regions[0]"),
        ({"regions": "lumbar-left"}, "changes.regions"),
        ({"new_red_flags": [{}]}, "changes.new_red_flags[0]"),
        ({"side_effects": [None]}, "changes.side_effects[0]"),
        ({"techniques": [7]}, "changes.techniques[0]"),
        ({"subjective": 5}, "changes.subjective"),
        ({"plan_note": ["a"]}, "changes.plan_note"),
        ({"pain_after": None}, "changes.pain_after"),
        ({"pain_after": "4"}, "changes.pain_after"),
        ({"pain_after": 4.5}, "changes.pain_after"),
        ({"pressure": None}, "changes.pressure"),
        ({"side_effect_hours": "3"}, "changes.side_effect_hours"),
        ({"sessions_date": "2026-01-01"}, "changes.sessions_date"),
        ({"subjective": "x" * (limits.SESSION_NOTE + 1)}, "changes.subjective"),
        # Values of the right kind that a new session could not have, as the action says.
        ({"regions": ["elbow"]}, "changes.regions"),
        ({"pain_after": 11}, "changes.pain_after"),
        ({"pressure": "deep"}, "changes.pressure"),
    ],
)
def test_an_amendment_value_is_checked_like_a_new_sessions(
    world: World, changes: dict[str, Any], path: str
) -> None:
    session = signed(world)
    token = token_for(world.therapist)
    before = row_counts()
    url = f"/clients/{world.client.pk}/sessions/{session.pk}/amendments"
    response = call("post", url, token, {"changes": changes, "reason": "Typo"})
    assert response.status_code == 422
    assert path in [p for p, _ in problems(response)]
    assert not Amendment.objects.exists()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("regions", [1], "regions[0]"),
        ("new_red_flags", [{}], "new_red_flags[0]"),
        ("subjective", 5, "subjective"),
        ("pain_before", "5", "pain_before"),
        ("plan_note", "x" * (limits.SESSION_NOTE + 1), "plan_note"),
    ],
)
def test_a_new_session_refuses_the_same_values(
    world: World, field: str, value: Any, path: str
) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    body = SESSION | {field: value}
    response = call("post", f"/clients/{world.client.pk}/sessions", token, body)
    assert response.status_code == 422
    assert [p for p, _ in problems(response)] == [path]
    assert row_counts() == before


def test_a_signed_session_can_be_amended_again_after_its_hours_were(world: World) -> None:
    session = signed(world)
    token = token_for(world.therapist)
    url = f"/clients/{world.client.pk}/sessions/{session.pk}/amendments"
    first = call("post", url, token, {"changes": {"side_effect_hours": 12.5}, "reason": "Typo"})
    assert first.status_code == 201 and first.json()["side_effect_hours"] == 12.5
    second = call("post", url, token, {"changes": {"pain_after": 3}, "reason": "Misread"})
    assert second.status_code == 201, second.content
    third = call("post", url, token, {"changes": {"side_effect_hours": 2}, "reason": "Again"})
    assert third.status_code == 201, third.content
    body = third.json()
    assert (body["pain_after"], body["side_effect_hours"]) == (3, 2.0)
    assert [(a["field"], a["new_value"]) for a in body["amendments"]] == [
        ("side_effect_hours", "12.5"),
        ("pain_after", 3),
        ("side_effect_hours", "2.0"),
    ]


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"regions": [1]}, "Typo", "regions"),
        ({"regions": [[1]]}, "Typo", "regions"),
        ({"new_red_flags": [{}]}, "Typo", "new_red_flags"),
        ({"subjective": 5}, "Typo", "subjective"),
        ({"side_effect_hours": Decimal("NaN")}, "Typo", "side_effect_hours"),
        ({"pain_after": 3}, "x" * (limits.AMENDMENT_REASON + 1), "reason"),
    ],
)
def test_the_amend_action_itself_refuses_values_of_the_wrong_kind(
    world: World, changes: dict[str, Any], reason: str, field: str
) -> None:
    """The web's forms and the API check kinds first; the action checks them too, for any
    other caller (a command, a future form), with a field-level error and nothing saved."""
    session = signed(world)
    before = row_counts()
    with pytest.raises(actions.ActionError) as refused:
        actions.amend_session(by=world.therapist, session=session, changes=changes, reason=reason)
    assert field in refused.value.errors
    assert row_counts() == before


def test_a_session_amended_on_the_web_can_be_amended_again_after_its_hours_were(
    world: World,
) -> None:
    session = signed(world)
    amend = partial(actions.amend_session, by=world.therapist, session=session, reason="Typo")
    amend(changes={"side_effect_hours": Decimal("12.5")})  # as the web's form gives it
    amend(changes={"pain_after": 3})
    with pytest.raises(actions.ActionError, match="Nothing was changed"):
        amend(changes={"side_effect_hours": Decimal("12.5")})  # the same number, as text before
    assert Amendment.objects.count() == 2


# -- text longer than its column (PostgreSQL refused it with a server error) ---------------------


def test_an_amendment_reason_over_its_limit_is_a_422(world: World) -> None:
    session = signed(world)
    token = token_for(world.therapist)
    before = row_counts()
    url = f"/clients/{world.client.pk}/sessions/{session.pk}/amendments"
    reason = "x" * (limits.AMENDMENT_REASON + 1)
    body = {"changes": {"pain_after": 3}, "reason": reason}
    response = call("post", url, token, body)
    assert response.status_code == 422
    assert [p for p, _ in problems(response)] == ["reason"]
    assert row_counts() == before
    body["reason"] = "x" * limits.AMENDMENT_REASON  # exactly the limit is kept whole
    assert call("post", url, token, body).status_code == 201
    assert Amendment.objects.get().reason == body["reason"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"full_name": "x" * (limits.CLIENT_NAME + 1)}, "full_name"),
        ({"full_name": "Pat", "phone": "1" * (limits.CLIENT_PHONE + 1)}, "phone"),
        # A valid address longer than the column (Django's validator takes up to 320).
        ({"full_name": "Pat", "email": "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"}, "email"),
    ],
)
def test_client_text_over_its_column_is_a_422(
    world: World, body: dict[str, str], path: str
) -> None:
    token = token_for(world.therapist)
    before = row_counts()
    created = call("post", "/clients", token, body)
    assert created.status_code == 422 and [p for p, _ in problems(created)] == [path]
    patched = call("patch", f"/clients/{world.client.pk}", token, {path: body[path]})
    assert patched.status_code == 422 and [p for p, _ in problems(patched)] == [path]
    assert row_counts() == before


def _long_name() -> str:
    # The longest name a client may have: the audit label adds " (client, one-time link)".
    return ("Maria-Fernanda " * 20)[: limits.CLIENT_NAME - 1] + "Z"


def test_a_checkin_on_the_link_of_a_client_with_a_long_name_is_saved(world: World) -> None:
    client = actions.create_client(
        by=world.therapist, therapist=world.therapist.therapist, full_name=_long_name()
    )
    _link, token = actions.create_link(by=world.therapist, client=client, purpose="checkin")
    response = Browser().post(
        reverse("portal_checkin", args=[token]),
        checkin_answers({"pain": "3", "red_flags": ["none"]}),
    )
    assert response.status_code == 200
    assert CheckIn.objects.filter(client=client).count() == 1
    # The label naming the client is kept apart from the row (erasable): within its column too.
    label = AuditEvent.objects.get(action="checkin.create", client=client).label
    assert len(label) <= AuditEvent._meta.get_field("actor_label").max_length
    assert label.startswith("Maria-Fernanda") and label.endswith("… (client, one-time link)")


def test_a_self_check_sent_with_a_long_name_is_saved_whole(world: World) -> None:
    clinic = world.therapist.therapist.clinic
    clinic.selfcheck_code = "RIVER123"
    clinic.save()
    answers = sealed(INTAKE | {"schema": "backcare.intake/1"})
    form = {"answers": answers, "clinic_code": "RIVER123", "consent": "on"}
    response = Browser().post(reverse("self_check_send"), form | {"full_name": _long_name()})
    assert response.status_code == 200, response.content[:500]
    client = Client.objects.get(full_name=_long_name())  # the name itself is kept whole
    labels = [event.label for event in AuditEvent.objects.filter(client=client)]
    assert labels and all(label.endswith("… (public self-check)") for label in labels)
    before = row_counts()
    too_long = form | {"full_name": _long_name() + "Q"}
    assert Browser().post(reverse("self_check_send"), too_long).status_code == 422
    assert row_counts() == before


# -- query strings and body size ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A1", "abc", "-1", "1.5"])
def test_the_audit_pages_client_filter_takes_only_a_client_number(world: World, value: str) -> None:
    admin = browser_for(world.therapist)
    response = admin.get(f"/audit/?client={value}")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_client-error"' in page and "Must be a client number" in page  # a field error
    assert browser_for(world.colleague).get("/audit/?client=12").status_code == 200
    assert browser_for(world.outsider).get(f"/audit/?client={value}").status_code == 404
    assert browser_for(None).get(f"/audit/?client={value}").status_code == 302


def test_the_audit_page_still_filters_by_client(world: World) -> None:
    page = browser_for(world.therapist).get(f"/audit/?client={world.client.pk}")
    assert page.status_code == 200
    events = list(page.context["page"])
    assert events and {e.client_id for e in events} == {world.client.pk}


@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
@pytest.mark.parametrize("path", ["/assess", "/clients", "/clients/{client}/intakes"])
def test_a_10_mb_body_is_a_json_413(world: World, path: str, with_token: bool) -> None:
    token = token_for(world.therapist) if with_token else None
    before = row_counts()
    body = '{"full_name": "' + "x" * (10 * 1024 * 1024) + '"}'
    response = call("post", path.format(client=world.client.pk), token, body)
    assert response.status_code == 413
    ((where, message),) = problems(response)
    assert where == "" and "larger than the limit" in message
    assert row_counts() == before


def test_a_body_just_under_the_limit_is_read(world: World, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    token = token_for(world.therapist)
    body = json.dumps({"full_name": "Pat", "phone": ""}).ljust(4096)
    assert call("post", "/clients", token, body).status_code == 201
    assert call("post", "/clients", token, body + " ").status_code == 413


@pytest.mark.parametrize(
    ("items", "paths"),
    [
        (None, ["age", "pain"]),
        ([{"linkId": "age", "answer": None}], ["age", "pain"]),
        (
            [{"linkId": "pain", "item": None}],
            ["age", "pain.intensity", "pain.duration_weeks", "pain.regions"],
        ),
        ([{"linkId": "age", "answer": [{"valueInteger": None}]}], ["item[0].answer[0]"]),
    ],
    ids=["items", "answers", "group-items", "value"],
)
def test_nulls_in_a_fhir_response_are_problems_not_a_crash(
    world: World, items: Any, paths: list[str]
) -> None:
    # Found by tests/security/test_hostile_bodies.py: FHIR's JSON has no null, but the library
    # that checks a response's structure lets one through where a list belongs.
    from backcare.fhir.questionnaire import intake_response

    token = token_for(world.therapist)
    before = row_counts()
    body = intake_response(world.intake.document) | {"item": items}
    url = f"/clients/{world.client.pk}/fhir/QuestionnaireResponse"
    response = call("post", url, token, body)
    assert response.status_code == 422
    assert [path for path, _ in problems(response)] == paths
    assert row_counts() == before
