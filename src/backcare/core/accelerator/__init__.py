"""The accelerator: `backcare assess` (one file or `--batch`) several times sooner, with the
same answers. Nothing else uses it: the web, the API, reports and FHIR call the plain engine
(`core.assessment.assess`), which is the definition; this package is a faster way to the same
bytes, held to it by tests/core/test_accelerator.py (Hypothesis and a large seeded corpus).

- `intake_json`: the fast intake check, parsed JSON to the engine's field facts without
  pydantic (whose import alone would cost a single `backcare assess` about 100 ms); anything it
  is not sure of goes to the exact path (`core.validation`), which finds and words every problem.
- `walk`: the guarded, memoised rule walk that writes the answer's JSON text.
- `conditions`: guards and faster closures for the tables' conditions.
- `text`: the answer's JSON text spliced from its parts' texts.

A single intake (`assess_text`) is checked here and then assessed by the plain engine; only the
batch (`batch_answerer`) runs the accelerated walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backcare.core.accelerator.intake_json import field_facts_from_json
from backcare.core.assessment import assess, assess_facts, with_measures
from backcare.core.jsontext import InvalidInput, parse_json
from backcare.core.results import dumps_assessment

if TYPE_CHECKING:
    from backcare.core.results import Assessment


def assess_text(text: str | bytes) -> Assessment:
    """`assess(intake_from_text(text))`: the same Assessment or the same InvalidInput, sooner.

    The document is parsed exactly (`parse_json`: no repeated key, no NaN); the exact path takes
    over whenever the fast check is in doubt.
    """
    found = None
    try:
        data = parse_json(text)
    except InvalidInput:
        pass  # the exact path says so, in its own words
    else:
        found = field_facts_from_json(data)
    if found is None:
        from backcare.core.validation import intake_from_text

        return assess(intake_from_text(text))
    fields, clearances = found
    return assess_facts(with_measures(fields), clearances)


def batch_answerer(parse: Callable[[bytes], Any]) -> Callable[[bytes], bytes]:
    """The answer to one line of `backcare assess --batch`, as UTF-8 bytes:
    `dumps_assessment(assess(intake_from_text(raw))).encode()`, the same text or the same
    InvalidInput, several times sooner.

    `parse` reads JSON text with no backslash in it; pass `pydantic_core.from_json` (with
    allow_inf_nan=False), the parser `intake_from_text` uses for such text: whatever it raises,
    the exact path decides. It keeps the last of a repeated key, so the document's keys are
    counted (by their colons) against those its objects hold. Text with a backslash (an escape could
    spell a key two ways) is parsed exactly.
    """
    from backcare.core.accelerator.walk import answer_text, complete_facts

    def answer(raw: bytes) -> bytes:
        found = None
        if b"\\" not in raw:
            try:
                data = parse(raw)
            except Exception:  # any doubt: the exact path decides below
                pass
            else:
                found = field_facts_from_json(data, raw.count(b":"))
        else:
            try:
                data = parse_json(raw)
            except InvalidInput:
                pass
            else:
                found = field_facts_from_json(data)
        if found is None:
            from backcare.core.validation import intake_from_text

            return dumps_assessment(assess(intake_from_text(raw))).encode()
        facts, clearances = found
        return answer_text(facts, complete_facts(facts), clearances)

    return answer
