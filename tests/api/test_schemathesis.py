"""Schemathesis against the OpenAPI document, through the real WSGI app: bounded examples, no
5xx, and no response that breaks the schema (status codes and bodies as documented), with a
token that may write, with a read-only token and with none (issue 12, point 7).

"Schema-valid data must be accepted" is not among the checks: some contract rules cannot be said
in JSON Schema (sessions in order, a pregnancy's details only when pregnant, which rules a
clearance may name), so the core rightly refuses some bodies the schema allows, with a 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backcare.accounts.models import Clinic
from backcare.web.wsgi import application
from support.api import token_for
from support.world import make_therapist

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def wsgi_in_the_test_transaction() -> Iterator[None]:
    # As Django's own test client does: the WSGI handler must not close the test's database
    # connection between requests (it would end the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def auth_header(world: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.therapist)}"}


@pytest.fixture(params=["read-only", "no-token"])
def lesser_header(db: Any, request: Any) -> dict[str, str]:
    """A token that may only read (every write answers 401), or none (every answer 401)."""
    if request.param == "no-token":
        return {}
    therapist = make_therapist("reader", Clinic.objects.create(name="Riverside"))
    return {"Authorization": f"Bearer {token_for(therapist, write=False)}"}


@pytest.mark.usefixtures("wsgi_in_the_test_transaction")
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, auth_header: dict[str, str]) -> None:
    case.call_and_validate(
        headers=auth_header,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


@pytest.mark.usefixtures("wsgi_in_the_test_transaction")
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_without_the_right_to_write(
    case: Any, lesser_header: dict[str, str]
) -> None:
    case.call_and_validate(
        headers=lesser_header,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
