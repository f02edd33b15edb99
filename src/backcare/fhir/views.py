"""The FHIR Bundle as a download from the web app (the API serves the same at /clients/{id}/fhir)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backcare.clinic import access, actions
from backcare.fhir.bundle import client_bundle


@login_required
@require_GET
def client_fhir(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    actions.record_export(by=request.user, client=client, what="fhir_bundle")
    response = HttpResponse(
        json.dumps(client_bundle(client), indent=2, ensure_ascii=False),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}-fhir.json"'
    response["Cache-Control"] = "no-store"
    return response
