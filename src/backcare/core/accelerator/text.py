"""An assessment's JSON text put together from its parts' texts, without building it.

The parts of an answer repeat far more than whole answers do (a finding is a constant; a
verdict, a referral or a plan is one of a few hundred), so each part's compact JSON text is
made once (bounded memos) and the answer is spliced from them. Texts are UTF-8 bytes, as the
batch writes them: joining bytes is a copy, where joining and then encoding text (some findings
hold non-ASCII characters) cost more than the rest of the answer. The result is
`results.dumps_assessment(assess(intake)).encode()` byte for byte
(tests/core/test_accelerator.py).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache

from backcare.core.assessment import finding
from backcare.core.rules.tables import load_tables
from backcare.core.rules.text import PLACEHOLDER
from backcare.core.vocabulary import ASSESSMENT_SCHEMA

_encode_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MEMO_SIZE = 512

# The one fact a §2-§5 rule's text may name (PREF-PRESSURE: the client's preferred pressure);
# `names_preference` checks the tables say no more, so the memo keys below are complete.
PREFERENCE = "preferences.pressure"


def _encode(value: object) -> bytes:
    return _encode_text(value).encode()


@cache
def names_preference() -> frozenset[str]:
    """The §2-§5 rules whose texts name the preference. Refuses tables whose texts name any
    other fact, or a rule outside §4 that names it: the memos (walk.py) would not know to key
    on it."""
    found = set()
    for rule in load_tables().assessment_rules:
        named = set(PLACEHOLDER.findall(rule.text + rule.therapist_text))
        if named - {PREFERENCE} or (named and rule.section != "precaution"):
            raise NotImplementedError(f"{rule.id} names {named}: teach core/accelerator")
        if named:
            found.add(rule.id)
    return frozenset(found)


@cache  # one per rule (and pressure, for the few that name it)
def finding_text(rule_id: str, preference: str | None) -> bytes:
    rule = load_tables().rule(rule_id)
    return _encode(finding(rule, {PREFERENCE: preference}).to_json())


def findings_text(rule_ids: tuple[str, ...], preference: str | None) -> bytes:
    named = names_preference()
    return b"[%s]" % b",".join(
        finding_text(r, preference if r in named else None) for r in rule_ids
    )


@lru_cache(maxsize=_MEMO_SIZE)
def verdict_text(verdict: str, rule_ids: tuple[str, ...], preference: str | None) -> bytes:
    return b'{"verdict":"%s","reasons":%s}' % (
        verdict.encode(),
        findings_text(rule_ids, preference),
    )


def referral_text(urgency: str, reasons: bytes) -> bytes:
    """The referral object, from its findings' text (a JSON list)."""
    return b'{"urgency":"%s","reasons":%s}' % (urgency.encode(), reasons)


def avoid_all_text(reasons: bytes) -> bytes:
    """A technique's verdict when massage may not proceed: avoid, for the referral's reasons."""
    return b'{"verdict":"avoid","reasons":%s}' % reasons


@lru_cache(maxsize=_MEMO_SIZE)
def precautions_text(rule_ids: tuple[str, ...]) -> bytes:
    return findings_text(rule_ids, None)


@lru_cache(maxsize=_MEMO_SIZE)
def plan_text(
    co_treatments: tuple[str, ...], self_care: tuple[str, ...], values: tuple[tuple[str, int], ...]
) -> bytes:
    numbers = dict(values)  # a later rule's number overrides an earlier one's
    return (
        b'{"session_minutes":%d,"sessions_per_week":%d,"planned_sessions":%d,'
        b'"reassess_after_sessions":%d,"co_treatments":%s,"self_care":%s}'
        % (
            numbers["session_minutes"],
            numbers["sessions_per_week"],
            numbers["planned_sessions"],
            numbers["reassess_after_sessions"],
            findings_text(co_treatments, None),
            findings_text(self_care, None),
        )
    )


@lru_cache(maxsize=_MEMO_SIZE)
def measures_text(category: str, severity: str, startback: tuple[int, int, str] | None) -> bytes:
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
def _cleared_head(rule_id: str) -> bytes:
    """A cleared finding's text up to its clearance: `{"rule":..,..,"therapist_text":..`."""
    rule = load_tables().rule(rule_id)
    return _encode(
        {
            "rule": rule.id,
            "text": rule.text,
            "sources": list(rule.sources),
            "therapist_text": rule.therapist_text,
        }
    )[:-1]


def cleared_text(cleared: tuple[tuple[str, str, str, str], ...]) -> bytes:
    """The `cleared` list from (rule, date, by, note) tuples."""
    if not cleared:
        return b"[]"
    return b"[%s]" % b",".join(
        b'%s,"cleared_on":"%s","cleared_by":%s,"note":%s}'
        % (_cleared_head(rule), on.encode(), _encode(by), _encode(note))
        for rule, on, by, note in cleared
    )


@cache
def _head() -> bytes:
    return b'{"schema":%s,"rules_version":%s,"disposition":"' % (
        _encode(ASSESSMENT_SCHEMA),
        _encode(load_tables().version),
    )


_PRESSURE = {None: b"null", "light": b'"light"', "medium": b'"medium"', "firm": b'"firm"'}


def assessment_text(
    *,
    disposition: str,
    referral: bytes,
    max_pressure: str | None,
    techniques: tuple[bytes, bytes, bytes, bytes],
    precautions: bytes,
    cleared: bytes,
    plan: bytes,
    measures: bytes,
    trace: list[str],
) -> bytes:
    """An assessment's compact JSON text from its parts' texts (`techniques`: the four
    verdicts in contract order), keys in the contract's order."""
    swedish, deep_tissue, trigger_point, myofascial_release = techniques
    # Enum values and rule ids are plain ASCII words: they need no escaping.
    return b"".join(
        (
            _head(),
            disposition.encode(),
            b'","referral":',
            referral,
            b',"max_pressure":',
            _PRESSURE[max_pressure],
            b',"techniques":{"swedish":',
            swedish,
            b',"deep_tissue":',
            deep_tissue,
            b',"trigger_point":',
            trigger_point,
            b',"myofascial_release":',
            myofascial_release,
            b'},"precautions":',
            precautions,
            b',"cleared":',
            cleared,
            b',"plan":',
            plan,
            b',"measures":',
            measures,
            b',"trace":',
            b'["%s"]' % '","'.join(trace).encode() if trace else b"[]",
            b"}",
        )
    )
