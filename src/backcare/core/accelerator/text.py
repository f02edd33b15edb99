"""An assessment's JSON text put together from its parts' texts, without building it.

The parts of an answer repeat far more than whole answers do (a finding is a constant; a
verdict, a referral or a plan is one of a few hundred), so each part's compact JSON text is
made once (bounded memos) and the answer is spliced from them. The result is
`results.dumps_assessment(assess(intake))` byte for byte (tests/core/test_accelerator.py).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache

from backcare.core.assessment import finding
from backcare.core.rules.tables import load_tables
from backcare.core.rules.text import PLACEHOLDER

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MEMO_SIZE = 512

# The one fact a §2-§5 rule's text may name (PREF-PRESSURE: the client's preferred pressure);
# `names_preference` checks the tables say no more, so the memo keys below are complete.
PREFERENCE = "preferences.pressure"


@lru_cache(maxsize=1)
def names_preference() -> frozenset[str]:
    """The §2-§5 rules whose texts name the preference. Refuses tables whose texts name any
    other fact: the memos here would not know to key on it."""
    found = set()
    for rule in load_tables().assessment_rules:
        named = set(PLACEHOLDER.findall(rule.text + rule.therapist_text))
        if named - {PREFERENCE}:
            raise NotImplementedError(f"{rule.id} names {named}: teach core/accelerator")
        if named:
            found.add(rule.id)
    return frozenset(found)


@cache  # one per rule (and pressure, for the few that name it)
def finding_text(rule_id: str, preference: str | None) -> str:
    rule = load_tables().rule(rule_id)
    return _encode(finding(rule, {PREFERENCE: preference}).to_json())


def findings_text(rule_ids: tuple[str, ...], preference: str | None) -> str:
    named = names_preference()
    return (
        "[" + ",".join(finding_text(r, preference if r in named else None) for r in rule_ids) + "]"
    )


@lru_cache(maxsize=_MEMO_SIZE)
def verdict_text(verdict: str, rule_ids: tuple[str, ...], preference: str | None) -> str:
    return f'{{"verdict":"{verdict}","reasons":{findings_text(rule_ids, preference)}}}'


@lru_cache(maxsize=_MEMO_SIZE)
def referral_text(urgency: str, rule_ids: tuple[str, ...]) -> str:
    return f'{{"urgency":"{urgency}","reasons":{findings_text(rule_ids, None)}}}'


@lru_cache(maxsize=_MEMO_SIZE)
def precautions_text(rule_ids: tuple[str, ...]) -> str:
    return findings_text(rule_ids, None)


@lru_cache(maxsize=_MEMO_SIZE)
def plan_text(
    co_treatments: tuple[str, ...], self_care: tuple[str, ...], values: tuple[tuple[str, int], ...]
) -> str:
    numbers = dict(values)  # a later rule's number overrides an earlier one's
    return (
        f'{{"session_minutes":{numbers["session_minutes"]},'
        f'"sessions_per_week":{numbers["sessions_per_week"]},'
        f'"planned_sessions":{numbers["planned_sessions"]},'
        f'"reassess_after_sessions":{numbers["reassess_after_sessions"]},'
        f'"co_treatments":{findings_text(co_treatments, None)},'
        f'"self_care":{findings_text(self_care, None)}}}'
    )


@lru_cache(maxsize=_MEMO_SIZE)
def measures_text(category: str, severity: str, startback: tuple[int, int, str] | None) -> str:
    return _encode(
        {
            "pain_category": category,
            "pain_severity": severity,
            "startback": (
                None
                if startback is None
                else {"total": startback[0], "psychosocial": startback[1], "risk": startback[2]}
            ),
        }
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _cleared_head(rule_id: str) -> str:
    """A cleared finding's text up to its clearance: `{"rule":..,..,"therapist_text":..,`."""
    rule = load_tables().rule(rule_id)
    return _encode(
        {
            "rule": rule.id,
            "text": rule.text,
            "sources": list(rule.sources),
            "therapist_text": rule.therapist_text,
        }
    )[:-1]


def cleared_text(cleared: tuple[tuple[str, str, str, str], ...]) -> str:
    """The `cleared` list from (rule, date, by, note) tuples."""
    if not cleared:
        return "[]"
    return (
        "["
        + ",".join(
            f'{_cleared_head(rule)},"cleared_on":"{on}","cleared_by":{_encode(by)},'
            f'"note":{_encode(note)}}}'
            for rule, on, by, note in cleared
        )
        + "]"
    )


@lru_cache(maxsize=1)
def rules_version_text() -> str:
    return _encode(load_tables().version)


def assessment_text(
    *,
    schema: str,
    disposition: str,
    referral: str,
    max_pressure: str | None,
    techniques: tuple[str, str, str, str],
    precautions: str,
    cleared: str,
    plan: str,
    measures: str,
    trace: tuple[str, ...],
) -> str:
    """An assessment's compact JSON text from its parts' texts (`techniques`: the four
    verdicts in contract order), keys in the contract's order."""
    swedish, deep_tissue, trigger_point, myofascial_release = techniques
    # Enum values, dates and rule ids are plain ASCII words: they need no escaping.
    pressure = "null" if max_pressure is None else '"' + max_pressure + '"'
    trace_text = '["' + '","'.join(trace) + '"]' if trace else "[]"
    return (
        f'{{"schema":"{schema}","rules_version":{rules_version_text()},'
        f'"disposition":"{disposition}","referral":{referral},'
        f'"max_pressure":{pressure},'
        f'"techniques":{{"swedish":{swedish},'
        f'"deep_tissue":{deep_tissue},'
        f'"trigger_point":{trigger_point},'
        f'"myofascial_release":{myofascial_release}}},'
        f'"precautions":{precautions},"cleared":{cleared},'
        f'"plan":{plan},"measures":{measures},"trace":{trace_text}}}'
    )
