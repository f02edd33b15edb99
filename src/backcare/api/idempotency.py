"""`Idempotency-Key` on every API POST: a retry answers the first result and writes nothing.

A client that sends a POST and does not get the answer (the connection broke, the server was
killed after the commit) cannot know whether the change was made. Sent again with the same
`Idempotency-Key` header, within `KEPT` of the first, the request is not run again: the first
answer comes back (same status, same body, `Idempotent-Replayed: true`). The same key with
another request (another path or body) is refused with a 422, and nothing is written. A key
belongs to the user who sent it (whatever their token): two users' keys never meet.

The key's row is written in the transaction of the change it answers (the operation runs inside
one transaction; each action's own transaction becomes a savepoint of it), so a crash keeps both
or neither. Only a success (2xx) is kept: a refused request wrote nothing, and its retry -- a 409
sent again with the confirmation, say -- runs afresh (the safer choice; the issue is silent).
Two requests with the same key at once: the second waits on the key's unique index, its own
change is rolled back, and it answers the first one's result.

Keys older than `KEPT` are ignored, replaced when the key is used again, and removed by
`backcare manage purge_idempotency_keys` (run it daily; it is cheap).

Every POST operation declares the header in the OpenAPI document (`declare`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from backcare.api.models import IdempotencyKey
from backcare.lib.rows import one_instance

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
# Printable ASCII without spaces, as a UUID or any token a client makes.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": r"^[!-~]{1,255}$"},
    "description": "A key of your choice (a UUID, say), new for each change. Sent again with "
    "the same request within 24 hours, the first answer comes back (same status and body, "
    "header `Idempotent-Replayed: true`) and nothing is written again; with another request, "
    "422. Keys are per user.",
}

_CLAIM = "_backcare_idempotency"  # the request's (key, fingerprint), set once it is authenticated


def install(api: Any) -> None:
    """Every POST operation of `api` honours `Idempotency-Key` (call before adding routers);
    `declare` puts the header into the OpenAPI document."""
    api.add_decorator(_in_one_transaction, mode="view")
    api.add_decorator(_answered_once, mode="operation")


def declare(schema: dict[str, Any]) -> None:
    """The header parameter on every POST operation of the OpenAPI document."""
    for operations in schema.get("paths", {}).values():
        parameters = operations.get("post", {}).get("parameters", [])
        if "post" in operations and PARAMETER not in parameters:
            operations["post"]["parameters"] = [*parameters, PARAMETER]


def _answered_once(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run once the token has been checked (request.user is its user): look the key up."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        presented = request.headers.get(HEADER) if request.method == "POST" else None
        if presented is None:
            return view(request, *args, **kwargs)
        if not _KEY.fullmatch(presented):
            return _problem("is 1 to 255 printable characters without spaces")
        fingerprint = _fingerprint(request)
        # One plain query (lib/rows.py): every keyed POST starts with it.
        first = cast(
            "IdempotencyKey | None",
            one_instance(
                IdempotencyKey, "t.user_id = %s AND t.key = %s", [request.user.pk, presented]
            ),
        )
        if first is not None and first.created_at >= timezone.now() - KEPT:
            return _replay(first, fingerprint)
        if first is not None:  # older than KEPT: a new key, its old row makes way
            first.delete()
        setattr(request, _CLAIM, (presented, fingerprint))
        return view(request, *args, **kwargs)

    return checked


def _in_one_transaction(run: Callable[..., Any]) -> Callable[..., Any]:
    """The whole operation, with a key, in one transaction that also keeps its answer."""

    @functools.wraps(run)
    def keyed(request: HttpRequest, **kw: Any) -> Any:
        if request.method != "POST" or HEADER not in request.headers:
            return run(request, **kw)
        try:
            with transaction.atomic():
                response = run(request, **kw)
                claim = getattr(request, _CLAIM, None)
                if claim is not None and 200 <= response.status_code < 300:
                    _keep(request.user, claim, response)
        except IntegrityError:
            # The same key, committed by a request running at the same time: this request's
            # change is rolled back; the first one's answer is the answer.
            claim = getattr(request, _CLAIM, None)
            first = None if claim is None else _first_answer(request.user, claim[0])
            if claim is None or first is None:
                raise
            return _replay(first, claim[1])
        return response

    return keyed


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _first_answer(user: Any, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(
        user=user, key=key, created_at__gte=timezone.now() - KEPT
    ).first()


def _keep(user: Any, claim: tuple[str, str], response: HttpResponse) -> None:
    key, fingerprint = claim
    # A row another request has committed since the look-up is kept: the insert clashes, and
    # the whole transaction is rolled back (`_in_one_transaction`).
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        status=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
        body=response.content,
    )


def _replay(first: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if first.fingerprint != fingerprint:
        return _problem(
            "was sent within 24 hours with another request (another path or body): "
            "nothing was written; use a new key for a new request"
        )
    answer = HttpResponse(bytes(first.body), status=first.status, content_type=first.content_type)
    answer["Idempotent-Replayed"] = "true"
    return answer


def _problem(message: str) -> HttpResponse:
    return JsonResponse([{"path": HEADER, "message": message}], status=422, safe=False)


def purge(now: Any = None) -> int:
    """Remove the keys older than KEPT; how many."""
    cutoff = (now or timezone.now()) - KEPT
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
