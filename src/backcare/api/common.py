"""What every resource of /api/v1 shares: the error shapes, the contract documents' schemas
as OpenAPI components, and small helpers for bodies and numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from backcare.core.models import Course, Intake
from backcare.core.validation import Problem

# The contract documents' JSON Schemas, generated from the core's models, live in the OpenAPI
# document's components (so their references resolve) and request bodies refer to them.
COMPONENTS: dict[str, Any] = {}


def contract_ref(model: Any) -> dict[str, str]:
    generated = model.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}", mode="validation"
    )
    COMPONENTS.update(generated.pop("$defs", {}))
    COMPONENTS[model.__name__] = generated
    return {"$ref": f"#/components/schemas/{model.__name__}"}


class ProblemOut(Schema):
    path: str
    message: str


class DetailOut(Schema):
    detail: str


# Every operation needs a token (401 without a valid one) and answers 422 with the contract's
# problem list for bad input (413, with the same list, for a body over the size limit:
# web/middleware.py); client operations answer 404 outside the caller's clinic.
AUTH: dict[int, Any] = {401: DetailOut, 413: list[ProblemOut], 422: list[ProblemOut]}
CLIENT: dict[int, Any] = {**AUTH, 404: DetailOut}
# Operations of a clinic admin (clinic-wide downloads) answer 404 to anyone else.
ADMIN: dict[int, Any] = {**AUTH, 404: DetailOut}


def contract_body(document: str) -> dict[str, Any]:
    model = {"intake": Intake, "course": Course}[document]
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": contract_ref(model)}},
        }
    }


def ok_body(content_type: str, description: str, schema: dict[str, Any] | None = None) -> Any:
    """An OpenAPI 200 response of a given media type (for bodies that are not ninja's JSON)."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": schema or {"type": "string"}}},
            }
        }
    }


FHIR_JSON = "application/fhir+json"


def keep() -> Any:
    """The default of a field that may be left out (the value stays as it is) but never sent as
    null: no null in its schema, and the operation reads only the fields given
    (`payload.dict(exclude_unset=True)`)."""
    return Field(None, description="leave out to keep the current value")


def to_decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def problems_json(problems: list[Problem]) -> list[dict[str, str]]:
    return [p.to_json() for p in problems]
