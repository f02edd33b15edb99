"""/api/v1: django-ninja, sharing the core's models and the web app's access and actions.

Request bodies that are contract documents (an intake, a course) are validated by the core
itself, so the API refuses exactly what the CLI refuses, with the same `[{"path", "message"}]`
list (status 422). Every other body is read by the core's strict JSON parser too (no repeated
key, no NaN or Infinity, no nesting deeper than the core's limit), each problem with its path.
This module puts the API together: the token, the parser, the errors, and one router per
resource (api/routes/).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from backcare.api import idempotency
from backcare.api.common import COMPONENTS, problems_json
from backcare.api.models import ApiToken
from backcare.api.routes import checkins, clients, documents, exports, sessions, token
from backcare.api.tokens import token_in_force
from backcare.clinic import actions
from backcare.clinic.presenting import cause_json
from backcare.core.jsontext import json_path, non_finite_numbers
from backcare.core.validation import InvalidInput, parse_json

LAST_USE_STEP = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer bc_...`: a personal token of a therapist, in force now
    (`tokens.token_in_force`); 401 otherwise."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_in_force(token, writing=request.method not in ("GET", "HEAD", "OPTIONS"))
        if found is None:
            return None
        # Its last use, to the minute: written at most once a minute, so that the requests of
        # one token at once (a script's concurrent writes) do not each update, and lock, its one
        # row -- inside a keyed POST's transaction (api/idempotency.py) until the write commits.
        now = timezone.now()
        stale = now - LAST_USE_STEP
        if found.last_used_at is None or found.last_used_at < stale:
            due = ApiToken.objects.filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=found.pk
            )
            # A request already writing it holds the row: this one leaves it to that one
            # (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time anyway).
            with transaction.atomic():
                if due.select_for_update(skip_locked=True).exists():
                    due.update(last_used_at=now)
        request.user = found.user
        return found


class StrictParser(Parser):
    """Bodies read as the core reads a contract document; problems raise InvalidInput (ninja
    wraps it in a 400, answered below as the 422 it is, with the problems' paths)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = parse_json(request.body)
        if problems := non_finite_numbers(data):  # 1e400 reads as infinity
            raise InvalidInput(problems)
        return data


class BackcareAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
        idempotency.declare(schema)
        return schema


api = BackcareAPI(
    title="backcare API",
    version="1",
    description="Evidence-based decision support for massage therapy for back pain. "
    "Contract documents follow ../shared/spec/contracts-v1.md.",
    urls_namespace="api",
    auth=TokenAuth(),
    parser=StrictParser(),
)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(request, problems_json(exc.problems), status=422)


@api.exception_handler(NinjaValidationError)
def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Parameters and bodies checked by ninja answer in the same shape as the core's errors."""
    body = [
        {"path": _path(e.get("loc", ())), "message": str(e.get("msg", "is not valid"))}
        for e in exc.errors
    ]
    return api.create_response(request, body, status=422)


def _path(loc: Any) -> str:
    """A ninja error's location (`body`, `payload`, `changes`, `regions`, 0) in the core's
    spelling (`changes.regions[0]`)."""
    path = ""
    for part in list(loc)[1:]:
        if part != "payload":
            path = json_path(path, part)
    return path


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # A body the core's parser refused (ninja wraps its error): its problems, with their paths.
    if exc.status_code == 400 and isinstance(exc.__cause__, InvalidInput):
        return api.create_response(request, problems_json(exc.__cause__.problems), status=422)
    # A body that is not JSON at all: the same answer as the core gives (422, path "").
    if exc.status_code == 400:
        body = [{"path": "", "message": f"is not valid JSON ({exc.message})"}]
        return api.create_response(request, body, status=422)
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


@api.exception_handler(actions.ActionError)
def action_error(request: HttpRequest, exc: actions.ActionError) -> HttpResponse:
    body = [{"path": k, "message": m} for k, ms in exc.errors.items() for m in ms]
    return api.create_response(request, body, status=422)


@api.exception_handler(actions.NeedsConfirmation)
def needs_confirmation(request: HttpRequest, exc: actions.NeedsConfirmation) -> HttpResponse:
    body = {
        "detail": "This session breaks the assessment (clinical-rules §6a): send it again with "
        '"confirm": true, "reason_kind" and "reason" to record it anyway.',
        "causes": [cause_json(c) for c in exc.causes],
        "problems": [{"path": k, "message": m} for k, ms in exc.errors.items() for m in ms],
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


idempotency.install(api)  # every POST: Idempotency-Key
for resource in (documents, clients, sessions, checkins, exports, token):
    api.add_router("", resource.router)
