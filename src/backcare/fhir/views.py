"""FHIR in the web app: a client's record as a Bundle download (the API serves the same at
/api/v1/clients/{id}/fhir), and an intake imported from a QuestionnaireResponse file."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backcare.clinic import access, actions
from backcare.core.validation import InvalidInput, Problem
from backcare.fhir.questionnaire import intake_from_response


class ImportForm(forms.Form):
    response = forms.FileField(
        label="FHIR QuestionnaireResponse (JSON) for the backcare intake questionnaire"
    )


# A QuestionnaireResponse of the intake is a few kilobytes; anything much larger is not one.
MAX_UPLOAD_BYTES = 512 * 1024


@login_required
def intake_import(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record an intake from another system's QuestionnaireResponse (same rules, same errors)."""
    client = access.get_client(request.user, client_id)
    # Bound on every POST, even an empty one (an empty POST must show "required").
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["response"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("response", "This file is too large to be an intake response.")
        else:
            try:
                intake = intake_from_response(upload.read())
            except InvalidInput as exc:
                problems = exc.problems
                form.add_error("response", "The response was not imported: see the problems below.")
            else:
                entry = actions.record_intake(
                    by=request.user, client=client, intake=intake, source="fhir"
                )
                messages.success(request, "Intake imported and assessed.")
                return redirect("intake_detail", client_id=client.pk, intake_id=entry.pk)
    return render(
        request,
        "fhir/intake_import.html",
        {"client": client, "form": form, "problems": problems},
    )
