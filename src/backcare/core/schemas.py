"""JSON Schema for the four contract documents, generated from the models themselves."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from backcare.core.models import Course, Intake
from backcare.core.results import Assessment, Progress

DOCUMENTS = ("intake", "assessment", "course", "progress")


def json_schema(document: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `document`: intake, assessment, course or progress."""
    if document == "intake":
        schema = Intake.model_json_schema(by_alias=True, mode="validation")
    elif document == "course":
        schema = Course.model_json_schema(by_alias=True, mode="validation")
    elif document == "assessment":
        schema = TypeAdapter(Assessment).json_schema(mode="serialization")
    elif document == "progress":
        schema = TypeAdapter(Progress).json_schema(mode="serialization")
    else:
        raise ValueError(f"unknown document {document!r}; choose one of {', '.join(DOCUMENTS)}")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://backcare.invalid/schema/backcare.{document}/1"
    return schema
