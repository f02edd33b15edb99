"""Shared test helpers: example cases, intake builders and Hypothesis strategies."""

# A session that breaks the assessment is recorded only with a confirmation (clinical-rules
# §6a). Tests whose story needs such a session (an emergency client who was treated anyway, to
# test how the record shows it) pass this; it is ignored when nothing needs confirming.
AFTER_THE_FACT = {
    "confirm": True,
    "reason_kind": "recorded_after_the_fact",
    "reason": "Session took place before the record was made (test).",
}
