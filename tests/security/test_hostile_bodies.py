"""Hypothesis-made hostile bodies against every write operation of the API (issue 12, point 7).

The operations are read from the API's own OpenAPI document, and each needs a valid example body
here (a new operation without one fails `test_every_write_operation_has_an_example`). Hypothesis
mutates the example: any value, at any depth, becomes NaN, Infinity, a huge number, null, a lone
surrogate, text longer than any column, a list or an object of such; or the body is nested too
deep, cut short, or not JSON at all. Whatever the body, the answer is never a server error, it
is JSON, and a refusal writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.api.api import api
from backcare.clinic import actions
from backcare.core.jsontext import MAX_DEPTH
from backcare.core.validation import parse_intake
from backcare.fhir.questionnaire import intake_response
from support.api import call, token_for
from support.world import INTAKE, World

PREFIX = "/api/v1"
OPERATIONS = sorted(
    (method, path.removeprefix(PREFIX))
    for path, operations in api.get_openapi_schema()["paths"].items()
    for method in operations
    if method in ("post", "put", "patch", "delete")
)

_INTAKE = parse_intake(INTAKE | {"schema": "backcare.intake/1"}).to_json()
_COURSES = Path(__file__).parents[2] / "src/backcare/examples/courses"
_COURSE = json.loads((_COURSES / "improving-meaningfully.json").read_text())["course"]
_SESSION = {
    "date": "2026-01-06",
    "pain_before": 5,
    "pain_after": 3,
    "techniques": ["swedish"],
    "pressure": "light",
    "regions": ["lumbar-left"],
    "side_effects": ["soreness"],
    "side_effect_hours": 12,
    "new_red_flags": [],
    "subjective": "Better.",
    "confirm": False,
    "reason_kind": None,
    "reason": None,
}
EXAMPLES: dict[tuple[str, str], Any] = {
    ("post", "/assess"): _INTAKE,
    ("post", "/progress"): _COURSE,
    ("post", "/clients"): {"full_name": "Pat", "email": "pat@example.org", "phone": "0123"},
    ("patch", "/clients/{client_id}"): {"full_name": "Pat", "email": "", "phone": "0123"},
    ("post", "/clients/{client_id}/intakes"): _INTAKE,
    ("post", "/clients/{client_id}/erase"): {"confirm_name": "Carol Client"},
    ("post", "/clients/{client_id}/sessions"): _SESSION,
    ("post", "/clients/{client_id}/sessions/{session_id}/sign"): {},
    ("post", "/clients/{client_id}/sessions/{session_id}/amendments"): {
        "changes": {k: v for k, v in _SESSION.items() if k not in ("date", "confirm", "reason")},
        "reason": "Typo",
        "confirm": False,
        "override_reason": None,
    },
    ("post", "/clients/{client_id}/checkins"): {
        "date": "2026-01-06",
        "pain": 3,
        "peg": 4.5,
        "rmdq": 8,
        "odi": 30.0,
        "side_effects": ["soreness"],
        "side_effect_hours": 2,
        "red_flags": [],
    },
    ("post", "/clients/{client_id}/alerts/{alert_id}/acknowledge"): {},
    ("post", "/clients/{client_id}/reviews"): {
        "date": "2026-01-06",
        "rules": ["AL-NEW-RED-FLAG"],
        "by": "Dr Ada",
        "role": "GP",
        "source": "letter_seen",
        "outcome": "may_resume",
        "note": "",
    },
    ("post", "/clients/{client_id}/fhir/QuestionnaireResponse"): intake_response(_INTAKE),
}

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and +-Infinity included: json.dumps writes them as bare words
    st.sampled_from([1e308, 1e-320, -0.0, 10000, -1]),
    st.text(max_size=20),
    st.sampled_from(["", " ", "x" * 201, "x" * 2001, "\ud800", "²", "NaN", "2026-02-30"]),
)
values = st.recursive(
    hostile,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: each key of each object, each item of each list."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _places(value, (*path, i))
    return out


def _replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    copy[head] = _replaced(node[head], rest, value) if rest else value
    return copy


@st.composite
def mutated(draw: Any, example: Any) -> str:
    """The example with one to three of its values (or an added key) replaced by hostile ones."""
    body = example
    for _ in range(draw(st.integers(1, 3))):
        place = draw(st.sampled_from(_places(body)))
        target = body
        for part in place:
            target = target[part]
        if isinstance(target, dict) and draw(st.booleans()):
            place = (*place, draw(st.text(max_size=8)))  # a key it does not know
        body = _replaced(body, place, draw(values))
    return json.dumps(body)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def bodies(example: Any) -> Any:
    return st.one_of(
        mutated(example),
        st.integers(min_value=MAX_DEPTH - 2, max_value=MAX_DEPTH * 40).map(_deep),
        st.text(max_size=50),  # not JSON at all, or a fragment of it
        st.integers(0, 60).map(lambda cut: json.dumps(example)[:cut]),
    )


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def signed_world(world: World) -> World:
    """The shared world with its session signed, so that amendments reach their checks."""
    actions.sign_session(by=world.therapist, session=world.session)
    return world


def test_every_write_operation_has_an_example() -> None:
    assert sorted(EXAMPLES) == OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_body_is_a_server_error_and_a_refusal_writes_nothing(
    signed_world: World, method: str, path: str, data: Any
) -> None:
    world = signed_world
    body = data.draw(bodies(EXAMPLES[(method, path)]), label="body")
    token = token_for(world.therapist)
    url = path.format(client_id=world.client.pk, session_id=world.session.pk, alert_id=1)
    before = row_counts()
    response = call(method, url, token, body)  # a server error raises here
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    json.loads(response.content)
    if response.status_code >= 400:
        assert row_counts() == before, (response.status_code, response.content[:300])
