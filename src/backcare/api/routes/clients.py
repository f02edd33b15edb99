"""A clinic's clients: list, add, read, correct, erase; their intakes and progress."""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.params.functions import Query
from ninja.responses import Status

from backcare.api.common import (
    AUTH,
    CLIENT,
    LIST_DESCRIPTION,
    client_list,
    contract_body,
    cursor_param,
    keep,
    limit_param,
    listed,
    offset_param,
)
from backcare.clinic import access, actions, limits
from backcare.clinic.course import client_progress
from backcare.core.validation import intake_from_text

router = Router(tags=["clients"])


# Text within the database's columns, so that a long value is a 422 with its path everywhere.
Name = Annotated[str, Field(max_length=limits.CLIENT_NAME)]
Email = Annotated[str, Field(max_length=limits.CLIENT_EMAIL)]
Phone = Annotated[str, Field(max_length=limits.CLIENT_PHONE)]


class ClientIn(Schema):
    full_name: Name
    email: Email = ""
    phone: Phone = ""


class ClientPatch(Schema):
    """Only the fields given are changed; none may be null (an empty email or phone clears
    it)."""

    full_name: Name = keep()
    email: Email = keep()
    phone: Phone = keep()


class ClientOut(Schema):
    id: int
    full_name: str
    email: str
    attention: int
    attention_reason: str
    next_step: str
    status: str
    alerts_to_acknowledge: int  # check-in alerts no therapist has acknowledged (§6b)
    assessment_changed: bool  # the current assessment changed and nobody has seen it yet


@router.get(
    "/clients",
    response={200: list[ClientOut], **AUTH},
    summary="The clients of your clinic, by name (paginated)",
    description=LIST_DESCRIPTION,
)
def clients(
    request: HttpRequest,
    response: HttpResponse,
    offset: int | None = offset_param(),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
    q: str = Query("", max_length=200),
) -> Any:
    # Only the columns the answer shows (ClientOut's fields), without the therapist's join or
    # the stored state's JSON: half the objects made and nothing decoded for a page of 50.
    found = access.clients_for(request.user).select_related(None).only(*ClientOut.model_fields)
    if q:
        found = found.filter(full_name__icontains=q)
    page = listed(
        request,
        response,
        found,
        scope="api.clients",
        key=("full_name", "id"),
        paging=(offset, cursor, limit),
    )
    actions.record_view(by=request.user, client=None, what="api.clients")
    return page


@router.post("/clients", response={201: ClientOut, **AUTH}, summary="Add a client")
def client_create(request: HttpRequest, payload: ClientIn) -> Any:
    therapist = access.therapist_of(request.user)
    client = actions.create_client(by=request.user, therapist=therapist, **payload.dict())
    return Status(201, client)


@router.get("/clients/{client_id}", response={200: ClientOut, **CLIENT}, summary="One client")
def client_detail(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.client")
    return client


@router.patch(
    "/clients/{client_id}",
    response={200: ClientOut, **CLIENT},
    summary="Correct a client's name or contact details (audited)",
)
def client_update(request: HttpRequest, client_id: int, payload: ClientPatch) -> Any:
    client = access.get_client(request.user, client_id)
    given = payload.dict(exclude_unset=True)
    return actions.update_client(
        by=request.user,
        client=client,
        full_name=given.get("full_name", client.full_name),
        email=given.get("email", client.email),
        phone=given.get("phone", client.phone),
    )


@router.post(
    "/clients/{client_id}/intakes",
    response={201: dict[str, Any], **CLIENT},
    openapi_extra=contract_body("intake"),
    summary="Record an intake for a client; answers its assessment",
)
def intake_create(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    intake = intake_from_text(request.body)
    with transaction.atomic():
        entry = actions.record_intake(by=request.user, client=client, intake=intake)
    return Status(201, {"id": entry.pk, "intake": entry.document, "assessment": entry.assessment})


@router.get(
    "/clients/{client_id}/intakes",
    response={200: list[dict[str, Any]], **CLIENT},
    summary="Intake history, newest first (paginated)",
    description=LIST_DESCRIPTION,
)
def intakes(
    request: HttpRequest,
    response: HttpResponse,
    client_id: int,
    offset: int | None = offset_param(),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
) -> Any:
    page = client_list(
        request,
        response,
        client_id,
        what="api.intakes",
        rows=lambda c: c.intakes.all(),
        key=("created_at", "id"),
        descending=True,
        paging=(offset, cursor, limit),
    )
    return [
        {
            "id": e.pk,
            "created_at": e.created_at.isoformat(),
            "intake": e.document,
            "assessment": e.assessment,
        }
        for e in page
    ]


@router.get(
    "/clients/{client_id}/intakes/{intake_id}",
    response={200: dict[str, Any], **CLIENT},
    summary="One intake and the assessment it was given",
)
def intake_detail(request: HttpRequest, client_id: int, intake_id: int) -> Any:
    entry = access.get_intake(request.user, client_id, intake_id)
    actions.record_view(by=request.user, client=entry.client, what="api.intake", obj=entry)
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "source": entry.source,
        "intake": entry.document,
        "assessment": entry.assessment,
    }


@router.get("/clients/{client_id}/progress", response={200: dict[str, Any], **CLIENT})
def client_progress_view(request: HttpRequest, client_id: int) -> Any:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="api.progress")
    result = client_progress(client)
    if result is None:
        return Status(404, {"detail": "No intake yet"})
    return result.to_json()


class EraseIn(Schema):
    confirm_name: Name


@router.post(
    "/clients/{client_id}/erase",
    response={200: ClientOut, **CLIENT},
    summary="Erase a client's record (clinic admins; type the client's name to confirm; audited)",
)
def client_erase(request: HttpRequest, client_id: int, payload: EraseIn) -> Any:
    client = access.client_to_erase(request.user, client_id)  # clinic admins only
    return actions.erase_client(by=request.user, client=client, confirm_name=payload.confirm_name)
