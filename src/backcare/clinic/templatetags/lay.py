"""`{% client_explainer entry %}`: the therapist's "version for the client" of an assessment
explained in the lay answer's words (issue 11): the same building blocks as the self-check's
answer and the client's own page (presenting.lay_answer, includes/lay_answer.html,
includes/footnotes.html), so sources are numbered footnotes with the source's name and the
advice fits the person (side-lying in pregnancy)."""

from __future__ import annotations

from typing import Any

from django import template

from backcare.clinic import content
from backcare.clinic.presenting import Footnotes, lay_answer

register = template.Library()


@register.inclusion_tag("includes/client_explainer_body.html")
def client_explainer(entry: Any) -> dict[str, Any]:
    lay = lay_answer(entry.assessment, entry.document)
    if lay["a"]["proceeding"]:
        # The client is this clinic's: "at your massage, ask for", as on the client's own page.
        return {**lay, "portal": True}
    # No massage now: the banner above says what to do; here only when to get help at once,
    # with footnotes of its own (the lay answer's would number sources this page never shows).
    notes = Footnotes()
    signs = [{**st, "notes": notes.cite(st["sources"])} for st in content.WARNING_SIGNS]
    return {"a": lay["a"], "warning_signs": signs, "footnotes": notes.listing()}
