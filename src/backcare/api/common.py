"""What every resource of /api/v1 shares: the error shapes, the contract documents' schemas
as OpenAPI components, and small helpers for bodies and numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.params.functions import Query

from backcare.clinic import access, actions
from backcare.clinic.models import Client
from backcare.core.models import Course, Intake
from backcare.core.validation import InvalidInput, Problem
from backcare.lib import keyset

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


# Lists: keyset pagination (backcare.lib.keyset). The body stays the JSON list it always was;
# the way on is the `Link` header's `rel="next"` and `rel="prev"` URLs (RFC 8288), each with an
# opaque `cursor`. `offset` (page numbers, as before) still works for older scripts, but reads
# every skipped row: the default path is the cursor.
LIST_DESCRIPTION = (
    'Paginated by cursor: follow the `Link` response header\'s `rel="next"` and '
    '`rel="prev"` URLs (present only when there is such a page). `offset` still works but '
    "is slower on deep pages."
)


def limit_param() -> Any:
    return Query(50, ge=1, le=200, description="items per page")


def offset_param() -> Any:
    return Query(None, ge=0, le=1_000_000, description="deprecated: use `cursor`")


def cursor_param() -> Any:
    return Query(None, max_length=400, description="from a `Link` header; opaque")


def listed(
    request: HttpRequest,
    response: HttpResponse,
    rows: QuerySet[Any],
    *,
    scope: str,
    key: Sequence[str],
    descending: bool = False,
    paging: tuple[int | None, str | None, int],
) -> list[Any]:
    """One page of `rows` (already scoped to the caller) in the order of `key`: by `offset`
    when one is given, by cursor otherwise, with the `Link` header to the next and previous
    pages. A bad cursor is a 422 at `cursor`."""
    offset, cursor, limit = paging
    if offset is not None and cursor is not None:
        raise InvalidInput([Problem("cursor", "Give a cursor or an offset, not both.")])
    if offset is not None:
        order = [f"-{f}" if descending else f for f in key]
        return list(rows.order_by(*order)[offset : offset + limit])
    try:
        found: keyset.Page[Any] = keyset.page(
            rows, scope=scope, key=key, descending=descending, limit=limit, after=cursor
        )
    except keyset.BadCursor as exc:
        raise InvalidInput([Problem("cursor", str(exc))]) from exc
    links = [
        f'<{_with_cursor(request, value)}>; rel="{rel}"'
        for rel, value in (("next", found.next_cursor), ("prev", found.previous_cursor))
        if value is not None
    ]
    if links:
        response["Link"] = ", ".join(links)
    return found.items


def _with_cursor(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query.pop("offset", None)
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def client_list(
    request: HttpRequest,
    response: HttpResponse,
    client_id: int,
    *,
    what: str,
    rows: Callable[[Client], QuerySet[Any]],
    key: Sequence[str],
    descending: bool = False,
    paging: tuple[int | None, str | None, int],
) -> list[Any]:
    """A list of one client's records: the client through `access` (404 outside the caller's
    clinic), one page of `rows(client)`, and the read audited (`view.<what>`) once the page is
    served (a refused cursor reads nothing)."""
    client = access.get_client(request.user, client_id)
    page = listed(
        request, response, rows(client), scope=what, key=key, descending=descending, paging=paging
    )
    actions.record_view(by=request.user, client=client, what=what)
    return page
