"""Schemathesis against the OpenAPI document, through the real WSGI app: bounded examples, no
5xx, and no response that breaks the schema (status codes and bodies as documented).

"Schema-valid data must be accepted" is not among the checks: some contract rules cannot be said
in JSON Schema (sessions in order, a pregnancy's details only when pregnant, which rules a
clearance may name), so the core rightly refuses some bodies the schema allows, with a 422.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backcare.web.wsgi import application

from .test_api import token_for

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def auth_header(world: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world.therapist)}"}


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
