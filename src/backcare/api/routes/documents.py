"""Stateless: assess an intake, evaluate a course (the core's own validation and answers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from backcare.api.common import AUTH, contract_body
from backcare.core.assessment import assess as core_assess
from backcare.core.progress import progress as core_progress
from backcare.core.validation import course_from_text, intake_from_text

router = Router(tags=["documents"])


@router.post(
    "/assess",
    response={200: dict[str, Any], **AUTH},
    openapi_extra=contract_body("intake"),
    summary="Assess an intake (stateless): backcare.intake/1 in, backcare.assessment/1 out",
)
def assess(request: HttpRequest) -> Any:
    return core_assess(intake_from_text(request.body)).to_json()


@router.post(
    "/progress",
    response={200: dict[str, Any], **AUTH},
    openapi_extra=contract_body("course"),
    summary="Evaluate a course (stateless): backcare.course/1 in, backcare.progress/1 out",
)
def progress(request: HttpRequest) -> Any:
    return core_progress(course_from_text(request.body)).to_json()
