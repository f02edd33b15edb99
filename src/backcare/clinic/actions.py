"""Every change to a clinical record goes through one of these functions.

Each is keyword-only, runs in one transaction, validates with the clinical core (never
re-implementing a rule) and writes its audit row in that same transaction: either the change
and its audit row are both saved, or neither is. Bad input raises `ActionError` with field-level
messages and saves nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date as Date
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.audit.log import forget_client, record
from backcare.clinic import limits, notify
from backcare.clinic.course import course_document, session_entry, state_of
from backcare.clinic.models import (
    AMENDABLE_FIELDS,
    BODY_REGIONS,
    Amendment,
    CheckIn,
    Client,
    ClientLink,
    ClinicAlert,
    IntakeRecord,
    MedicalReview,
    SelfCheckReceipt,
    Session,
)
from backcare.clinic.summary import refresh, save_changed
from backcare.core.assessment import assess
from backcare.core.models import Followup, Intake, RedFlags, Review
from backcare.core.models import Session as SessionContract
from backcare.core.progress import raised_at
from backcare.core.state import (
    Cause,
    amendment_check,
    assessment_changes,
    checkin_advice,
    override_problems,
    session_check,
    with_examination,
)
from backcare.core.validation import InvalidInput, parse_course, parse_intake, validate
from backcare.core.vocabulary import PRESSURE_ORDER, RED_FLAG_NAMES

_REGION_CODES = {code for code, _ in BODY_REGIONS}
_MAX_HOURS = 9999  # hours an after-effect lasted: more than a year is a typing error
# A self-check's answers stay valid for a day (selfcheck.views): its receipt, a little longer.
SELF_CHECK_RECEIPT_DAYS = timedelta(days=2)


class ActionError(ValueError):
    """Input that cannot be saved: `errors` maps a field ("" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k or 'form'}: {', '.join(v)}" for k, v in errors.items()))


class NeedsConfirmation(ActionError):
    """A session breaks the assessment (clinical-rules §6a): `causes` must be shown, one prompt
    each, and saving needs a confirmation with a reason kind and text."""

    def __init__(self, causes: tuple[Cause, ...], problems: list[tuple[str, str]]) -> None:
        self.causes = causes
        errors: dict[str, list[str]] = {}
        for field, message in problems:
            errors.setdefault(field, []).append(message)
        super().__init__(errors)


def _confirmed(causes: tuple[Cause, ...], override: dict[str, Any] | None) -> dict[str, Any]:
    """The session's override fields when `causes` are confirmed by `override` (confirm,
    reason_kind, reason); raises NeedsConfirmation otherwise."""
    if not causes:
        return {}
    given = override or {}
    problems = override_problems(
        causes,
        confirm=given.get("confirm") is True,
        reason_kind=given.get("reason_kind"),
        reason=given.get("reason") if isinstance(given.get("reason"), str) else None,
    )
    if problems:
        raise NeedsConfirmation(causes, problems)
    return {
        "override_causes": [c.kind for c in causes],
        "override_kind": given["reason_kind"],
        "override_reason": given["reason"].strip(),
        "safety_override": any(c.safety_override for c in causes),
    }


def session_causes(
    *, client: Client, values: dict[str, Any], document: dict[str, Any] | None = None
) -> tuple[Cause, ...]:
    """§6a before a new session: the course as it stands (`document`, if it has been read)
    and the proposed values."""
    state = state_of(client, document)
    if state is None:
        return ()
    techniques = values.get("techniques") or ()
    return session_check(
        state,
        pressure=values.get("pressure") if values.get("pressure") in PRESSURE_ORDER else None,
        techniques=tuple(t for t in techniques if isinstance(t, str)),
    )


def amendment_causes(*, session: Session, values: dict[str, Any]) -> tuple[Cause, ...]:
    """§6a for an amendment or an edit: causes 3-5 on the changed values."""
    assessment = assess(parse_intake(session.intake.document))
    techniques = values.get("techniques") or ()
    pressure = values.get("pressure")
    return amendment_check(
        assessment,
        pressure=pressure if pressure in PRESSURE_ORDER else "light",
        techniques=tuple(t for t in techniques if isinstance(t, str)),
    )


def visit_emergency(*, client: Client, flags: Iterable[str]) -> list[str]:
    """The emergency rules a visit's own warning signs raise (clinical-rules §6 "raised at a
    visit"), so a form can show the emergency instruction at once."""
    intake = client.current_intake
    names = [n for n in flags if n in RED_FLAG_NAMES]
    if intake is None or not names:
        return []
    raised = raised_at(parse_intake(intake.document), RedFlags(**dict.fromkeys(names, True)))
    return [r.id for r in raised if r.urgency == "emergency"]


def _by_field(
    exc: InvalidInput, *, whole: str = "", rename: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """The core's path-level problems by the top-level field they are about (`whole` for the
    document itself), as a form or the API shows them."""
    errors: dict[str, list[str]] = {}
    for problem in exc.problems:
        field = problem.path.split(".")[0].split("[")[0] or whole
        errors.setdefault((rename or {}).get(field, field), []).append(problem.message)
    return errors


def _fail(field: str, message: str) -> ActionError:
    return ActionError({field: [message]})


def _client_details(full_name: str, email: str, phone: str) -> dict[str, str]:
    """The client's name and contact details, checked (every problem at once)."""
    details = {"full_name": full_name.strip(), "email": email.strip(), "phone": phone.strip()}
    errors: dict[str, list[str]] = {}
    if not details["full_name"]:
        errors["full_name"] = ["Enter the client's name."]
    elif len(details["full_name"]) > 200:
        errors["full_name"] = ["Use at most 200 characters."]
    if details["email"]:
        try:
            validate_email(details["email"])
        except ValidationError:
            errors["email"] = ["Enter a valid email address, or leave it empty."]
    if len(details["phone"]) > 40:
        errors["phone"] = ["Use at most 40 characters."]
    if errors:
        raise ActionError(errors)
    return details


@transaction.atomic
def create_client(
    *, by: Any, therapist: Therapist, full_name: str, email: str = "", phone: str = ""
) -> Client:
    details = _client_details(full_name, email, phone)
    client = Client.objects.create(clinic=therapist.clinic, therapist=therapist, **details)
    record(actor=by, action="client.create", client=client, obj=client)
    return client


@transaction.atomic
def update_client(
    *, by: Any, client: Client, full_name: str, email: str = "", phone: str = ""
) -> Client:
    """Correct a client's name or contact details (audited: which fields, not their values)."""
    details = _client_details(full_name, email, phone)
    fields = [name for name, value in details.items() if getattr(client, name) != value]
    if fields:
        for name in fields:
            setattr(client, name, details[name])
        save_changed(client, fields)  # the name shows in cached lists: a new version
        record(actor=by, action="client.update", client=client, obj=client, fields=fields)
    return client


@transaction.atomic
def record_intake(
    *,
    by: Any,
    client: Client,
    intake: Intake,
    baseline_rmdq: int | None = None,
    baseline_odi: Decimal | None = None,
    baseline_peg: Decimal | None = None,
    source: str = "therapist",
    actor_label: str | None = None,
) -> IntakeRecord:
    """Save an intake and the assessment the rules give for it. Earlier intakes are kept.

    A client's own intake (one-time link) keeps the examination findings of the therapist's
    latest intake, which a client cannot report; and whenever the assessment differs from the
    previous intake's, what changed is kept for the therapist to see."""
    previous = client.current_intake
    examined = (
        client.intakes.filter(source__in=THERAPIST_SOURCES).order_by("-created_at", "-id").first()
    )
    if source not in THERAPIST_SOURCES and examined is not None:
        intake = with_examination(intake, parse_intake(examined.document))
    else:
        examined = None
    answer = assess(intake)
    referral = answer.referral
    changes = (
        []
        if previous is None
        else [c.to_json() for c in assessment_changes(previous.assessment, answer.to_json())]
    )
    entry = IntakeRecord.objects.create(
        changes=changes,
        findings_from=examined,
        client=client,
        document=intake.to_json(),
        assessment=answer.to_json(),
        rules_version=answer.rules_version,
        disposition=answer.disposition,
        referral_urgency="" if referral is None else referral.urgency,
        baseline_rmdq=baseline_rmdq,
        baseline_odi=baseline_odi,
        baseline_peg=baseline_peg,
        source=source,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    record(
        actor=by,
        actor_label=actor_label,
        action="intake.create",
        client=client,
        obj=entry,
        rules_version=answer.rules_version,  # no clinical values in the audit log
        assessment_changed=bool(changes),
        findings_carried_over=examined is not None,
    )
    refresh(client)
    return entry


# Intakes a therapist answered (with the examination); the others are the client's own.
THERAPIST_SOURCES = ("therapist", "fhir", "reassessed")


@transaction.atomic
def add_clearance(
    *, by: Any, entry: IntakeRecord, rule: str, date: Date, cleared_by: str, note: str = ""
) -> IntakeRecord:
    """Record a doctor's clearance of one rule (clinical-rules §3a): a new intake with the
    clearance added (replacing an earlier one of the same rule) and re-assessed; the history
    is kept. The core checks the clearance (a rule that cannot be cleared is refused)."""
    document = dict(entry.document)
    clearances = [c for c in document.get("clearances", []) if c["rule"] != rule]
    clearances.append({"rule": rule, "date": date.isoformat(), "by": cleared_by, "note": note})
    document["clearances"] = clearances
    try:
        intake = parse_intake(document)
    except InvalidInput as exc:
        # The clearance's own fields, as the form names them.
        raise ActionError({"": [f"{p.path}: {p.message}" for p in exc.problems]}) from None
    return record_intake(
        by=by,
        client=entry.client,
        intake=intake,
        baseline_rmdq=entry.baseline_rmdq,
        baseline_odi=entry.baseline_odi,
        baseline_peg=entry.baseline_peg,
    )


@transaction.atomic
def take_intake_by_link(
    *, link: ClientLink, intake: Intake, baseline_peg: Decimal | None = None
) -> IntakeRecord:
    """A client's intake on their one-time link: the link is spent only with the intake saved.
    `baseline_peg` is the core's score of the PEG items the client answered."""
    use_link(link=link)
    return record_intake(
        by=None,
        client=link.client,
        intake=intake,
        baseline_peg=baseline_peg,
        source="client_link",
        actor_label=f"{link.client.full_name} (client, one-time link)",
    )


@transaction.atomic
def take_checkin_by_link(*, link: ClientLink, **values: Any) -> CheckIn:
    """A client's check-in on their one-time link: the link is spent only with the check-in
    saved (the same order as an intake: spend, then record)."""
    use_link(link=link)
    return record_checkin(
        by=None,
        client=link.client,
        actor_label=f"{link.client.full_name} (client, one-time link)",
        **values,
    )


@transaction.atomic
def alert_clinic_of_reported_emergency(
    *, link: ClientLink, found: Iterable[dict[str, str]]
) -> list[ClinicAlert]:
    """A client ticked an emergency sign on their link and was shown the emergency page at
    once, before pain and the rest were asked (issue 11: emergency first), so no check-in or
    intake can be stored. §6b still wants the clinic told at once: each emergency (`found`,
    rule and text) becomes an alert of its own, with no check-in, to acknowledge and escalate
    like any other. The link stays usable. An unacknowledged alert for the same rule is not
    raised twice (the person may press the button again). The spec is silent on a check-in
    stopped at its first step: telling the clinic is the safer reading."""
    client = link.client
    Client.objects.select_for_update().filter(pk=client.pk).first()
    open_rules = set(
        client.clinic_alerts.filter(
            checkin__isnull=True, acknowledged_at__isnull=True, next_step="emergency"
        ).values_list("rule", flat=True)
    )
    label = f"{client.full_name} (client, one-time link)"
    alerts = []
    for finding in found:
        if finding["rule"] in open_rules:
            continue
        alerts.append(
            _raise_alert(
                by=None,
                actor_label=label,
                client=client,
                checkin=None,
                rule=finding["rule"],
                next_step="emergency",
                when="now",
                text=finding["text"],
            )
        )
    if alerts:
        notify.send_after_commit(alerts, notify.recipients(client), escalation=False)
        refresh(client)
    return alerts


@transaction.atomic
def mark_changes_seen(*, by: Any, entry: IntakeRecord) -> None:
    """A therapist has seen what changed in this intake's assessment (audited)."""
    updated = IntakeRecord.objects.filter(pk=entry.pk, changes_seen_at__isnull=True).update(
        changes_seen_at=timezone.now()
    )
    if updated:
        record(actor=by, action="intake.changes_seen", client=entry.client, obj=entry)
        refresh(entry.client)


@transaction.atomic
def reassess(*, by: Any, entry: IntakeRecord) -> IntakeRecord:
    """Assess an intake again under the current rules (after a rules upgrade): a new intake
    record with the same answers and baselines; the old one and its assessment are kept."""
    return record_intake(
        by=by,
        client=entry.client,
        intake=parse_intake(entry.document),
        baseline_rmdq=entry.baseline_rmdq,
        baseline_odi=entry.baseline_odi,
        baseline_peg=entry.baseline_peg,
        source="reassessed",
    )


def check_session_fields(values: dict[str, Any], number: int, when: Date) -> SessionContract:
    """Validate a session's clinical fields with the core's own contract model, and return them
    as that model; raises ActionError with every problem by field. Every way a session is
    written checks here: record, update, amend, and the seeded courses of clinic/seed.py."""
    values = dict(values)
    # Values may come from the API as any JSON: check their kind before the core checks them
    # (a value of the wrong kind is left out of what the core is asked).
    errors = limits.session_value_errors(values)
    for field in errors:
        values[field] = [] if field in limits.SESSION_LISTS else None
    hours = values.get("side_effect_hours")
    if hours is not None and not 0 <= hours <= _MAX_HOURS:
        errors["side_effect_hours"] = [f"Hours are from 0 to {_MAX_HOURS}."]
        values["side_effect_hours"] = None
    regions = values.get("regions", [])
    unknown = [r for r in regions if r not in _REGION_CODES]
    if unknown:
        errors["regions"] = [f"Unknown region(s): {', '.join(unknown)}."]
    contract = {
        "number": number,
        "date": when.isoformat(),
        "pain_before": values.get("pain_before"),
        "pain_after": values.get("pain_after"),
        "techniques": list(values.get("techniques", [])),
        "pressure": values.get("pressure"),
        "side_effects": list(values.get("side_effects", [])),
        "side_effect_hours": (
            None if values.get("side_effect_hours") is None else float(values["side_effect_hours"])
        ),
        "new_red_flags": dict.fromkeys(values.get("new_red_flags", []), True),
    }
    try:
        checked = validate(SessionContract, contract)
    except InvalidInput as exc:
        for field, messages in _by_field(exc, whole="__all__").items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ActionError(errors)
    return checked


@transaction.atomic
def record_session(
    *,
    by: Any,
    client: Client,
    when: Date,
    values: dict[str, Any],
    override: dict[str, Any] | None = None,
) -> Session:
    """Add the next session to the client's course (unsigned until `sign_session`). A session
    that breaks the assessment (§6a) needs `override` = confirm, reason_kind and reason."""
    intake = client.current_intake
    if intake is None:
        raise _fail("", "Record an intake before the first session.")
    # Lock the client's row so two sessions saved at once cannot take the same number.
    number = _lock_client(client) + 1
    # The course is read once (under the lock): the date and §6a are checked on it, then the
    # client's summary is computed on it with the new session added (not read again).
    document = course_document(client, intake)
    # Dates follow the course, which leaves voided sessions out; numbers are never reused.
    previous = document["sessions"][-1]["date"] if document and document["sessions"] else None
    if previous is not None and when.isoformat() < previous:
        raise _fail("date", f"A session cannot be dated before the previous one ({previous}).")
    check_session_fields(values, number, when)
    causes = session_causes(client=client, values=values, document=document)
    confirmed = _confirmed(causes, override)
    session = Session.objects.create(
        client=client,
        intake=intake,
        number=number,
        date=when,
        created_by=by,
        **{k: values[k] for k in AMENDABLE_FIELDS if k in values},
        **confirmed,
    )
    record(
        actor=by,
        action="session.create",
        client=client,
        obj=session,
        number=number,
        **_override_audit(confirmed),
    )
    # A new session has no amendments: none is read, for the summary or the answer.
    session._prefetched_objects_cache = {"amendments": Amendment.objects.none()}
    if document is not None:
        document["sessions"].append(session_entry(session, new=True))
    refresh(client, document=document, intake=intake)
    return session


_LAST_NUMBER = (
    f"SELECT (SELECT MAX(number) FROM {Session._meta.db_table} WHERE client_id = %s) "
    f"FROM {Client._meta.db_table} WHERE id = %s"
)


def _lock_client(client: Client) -> int:
    """Lock the client's row for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite
    has locked the whole database at BEGIN IMMEDIATE) and return the highest session number
    used so far (0 before the first; voided sessions keep theirs)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(_LAST_NUMBER + lock, [client.pk, client.pk])
        (last,) = cursor.fetchone()
    return last or 0


@transaction.atomic
def update_session(
    *,
    by: Any,
    session: Session,
    values: dict[str, Any],
    override: dict[str, Any] | None = None,
) -> Session:
    """Change an unsigned session directly. A signed session is changed only by amendment.
    Changing its pressure or techniques is checked as an amendment is (§6a causes 3-5)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.signed:
        raise _fail("", "This session is signed: record an amendment instead.")
    merged = {f: getattr(session, f) for f in AMENDABLE_FIELDS} | values
    check_session_fields(merged, session.number, session.date)
    confirmed = {}
    if {"pressure", "techniques"} & {f for f in values if values[f] != getattr(session, f)}:
        confirmed = _confirmed(amendment_causes(session=session, values=merged), override)
    for field, value in {**values, **confirmed}.items():
        setattr(session, field, value)
    session.save()
    record(
        actor=by,
        action="session.update",
        client=session.client,
        obj=session,
        **_override_audit(confirmed),
    )
    refresh(session.client)
    return session


@transaction.atomic
def record_signed_session(
    *,
    by: Any,
    client: Client,
    when: Date,
    values: dict[str, Any],
    override: dict[str, Any] | None = None,
) -> Session:
    """Save and sign from the form: `record_session` then `sign_session` in one transaction
    (both audit rows, or neither when §6a or a check refuses it)."""
    session = record_session(by=by, client=client, when=when, values=values, override=override)
    return sign_session(by=by, session=session)


@transaction.atomic
def update_signed_session(
    *, by: Any, session: Session, values: dict[str, Any], override: dict[str, Any] | None = None
) -> Session:
    """Save and sign when correcting an unsigned session: `update_session` then
    `sign_session` in one transaction."""
    session = update_session(by=by, session=session, values=values, override=override)
    return sign_session(by=by, session=session)


@transaction.atomic
def sign_session(*, by: Any, session: Session) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.signed:
        raise _fail("", "This session is already signed.")
    session.signed_at = timezone.now()
    session.signed_by = by
    session.save(update_fields=["signed_at", "signed_by"])
    record(actor=by, action="session.sign", client=session.client, obj=session)
    return session


@transaction.atomic
def void_session(*, by: Any, session: Session, reason: str) -> Session:
    """Void a session recorded in error: kept, with who voided it, when and why, but left out
    of the course, the chart and every count."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.voided_at is not None:
        raise _fail("", "This session is already void.")
    text = reason.strip() if isinstance(reason, str) else ""
    if not 10 <= len(text) <= 500:
        raise _fail("reason", "Say why the session is void (10 to 500 characters).")
    session.voided_at = timezone.now()
    session.voided_by = by
    session.void_reason = text
    session.save(update_fields=["voided_at", "voided_by", "void_reason"])
    record(actor=by, action="session.void", client=session.client, obj=session, reason=text)
    refresh(session.client)
    return session


def _override_audit(confirmed: dict[str, Any]) -> dict[str, Any]:
    # The audit row names the override and its reason kind; a safety override is marked.
    if not confirmed:
        return {}
    return {
        "override": confirmed["override_causes"],
        "override_kind": confirmed["override_kind"],
        "override_reason": confirmed["override_reason"],
        "safety_override": confirmed["safety_override"],
    }


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def amend_session(
    *,
    by: Any,
    session: Session,
    changes: dict[str, Any],
    reason: str,
    override: dict[str, Any] | None = None,
) -> list[Amendment]:
    """Record dated amendments to a signed session; the original values stay as they were."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if not session.signed:
        raise _fail("", "Only a signed session is amended; edit an unsigned one directly.")
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise _fail("reason", "Say why the session is amended.")
    if len(text) > limits.AMENDMENT_REASON:
        raise _fail("reason", f"Use at most {limits.AMENDMENT_REASON} characters.")
    current = session.current_values()
    # An amendment keeps hours as text ("12.5"): as a number again, or no later amendment passes.
    current["side_effect_hours"] = limits.hours_value(current["side_effect_hours"])
    changed = {
        f: v
        for f, v in changes.items()
        if f in AMENDABLE_FIELDS and _jsonable(v) != _jsonable(current[f])
    }
    if not changed:
        raise _fail("", "Nothing was changed.")
    check_session_fields(current | changed, session.number, session.date)
    confirmed = {}
    if {"pressure", "techniques"} & set(changed):
        confirmed = _confirmed(
            amendment_causes(session=session, values=current | changed), override
        )
        if confirmed:
            # The latest confirmation is the one kept with the session (the audit keeps all).
            Session.objects.filter(pk=session.pk).update(**confirmed)
    amendments = [
        Amendment.objects.create(
            session=session,
            field=field,
            old_value=_jsonable(current[field]),
            new_value=_jsonable(value),
            reason=reason.strip(),
            created_by=by,
        )
        for field, value in changed.items()
    ]
    record(
        actor=by,
        action="session.amend",
        client=session.client,
        obj=session,
        fields=sorted(changed),
        reason=reason.strip(),
        **_override_audit(confirmed),
    )
    refresh(session.client)
    return amendments


def followup_contract(values: dict[str, Any]) -> Followup:
    """A check-in as the core's follow-up contract (no hand checks): every problem, by field.
    Every way a check-in is written checks here (record_checkin, clinic/seed.py)."""
    doc = {
        "date": values["date"].isoformat() if isinstance(values["date"], Date) else values["date"],
        "pain": values["pain"],
        **{k: _contract_number(values.get(k)) for k in ("rmdq", "odi", "peg", "side_effect_hours")},
        "side_effects": list(values.get("side_effects") or []),
        "new_red_flags": _flag_object(values.get("red_flags") or []),
    }
    try:
        return validate(Followup, doc)
    except InvalidInput as exc:
        # The check-in's field is `red_flags`; the contract's is `new_red_flags`.
        raise ActionError(_by_field(exc, rename={"new_red_flags": "red_flags"})) from None


def _contract_number(value: Any) -> Any:
    # Decimals from forms become the JSON numbers the contract reads; anything else is left for
    # the contract to judge (and refuse with its path).
    if isinstance(value, Decimal):
        # Not finite (the API can be sent Infinity): a float the contract refuses by name.
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


def _flag_object(names: Any) -> Any:
    if not isinstance(names, list | tuple):
        return names  # the contract refuses it with its path
    return dict.fromkeys(names, True) if all(isinstance(n, str) for n in names) else names


@transaction.atomic
def record_checkin(
    *,
    by: Any,
    client: Client,
    when: Date,
    pain: int,
    peg: Decimal | None = None,
    rmdq: int | None = None,
    odi: Decimal | None = None,
    side_effects: Iterable[str] = (),
    side_effect_hours: Decimal | None = None,
    red_flags: Iterable[str] = (),
    source: str = "client_link",
    actor_label: str | None = None,
    note: str = "",
) -> CheckIn:
    """Record a check-in; what it raises (clinical-rules §6b) is stored as clinic alerts that a
    therapist must acknowledge, and the clinic is emailed once this transaction commits."""
    if len(note) > limits.CHECKIN_NOTE:
        raise _fail("note", f"must be at most {limits.CHECKIN_NOTE} characters")
    followup = followup_contract(
        {
            "date": when,
            "pain": pain,
            "peg": peg,
            "rmdq": rmdq,
            "odi": odi,
            "side_effects": list(side_effects),
            "side_effect_hours": side_effect_hours,
            "red_flags": list(red_flags),
        }
    )
    Client.objects.select_for_update().filter(pk=client.pk).first()
    document = course_document(client)
    advice = () if document is None else checkin_advice(parse_course(document), followup)
    checkin = CheckIn.objects.create(
        client=client,
        date=when,
        pain=pain,
        peg=peg,
        rmdq=rmdq,
        odi=odi,
        side_effects=list(followup.side_effects),
        side_effect_hours=side_effect_hours,
        red_flags=list(followup.new_red_flags.raised()),
        source=source,
        note=note,
    )
    record(
        actor=by,
        actor_label=actor_label,
        action="checkin.create",
        client=client,
        obj=checkin,
    )
    alerts = [
        _raise_alert(
            by=by,
            actor_label=actor_label,
            client=client,
            checkin=checkin,
            rule=a.alert.rule,
            next_step=a.alert.next_step,
            when=a.when,
            text=a.alert.text,
        )
        for a in advice
    ]
    notify.send_after_commit(alerts, notify.recipients(client), escalation=False)
    refresh(client)
    return checkin


def _raise_alert(
    *,
    by: Any,
    actor_label: str | None,
    client: Client,
    checkin: CheckIn | None,
    rule: str,
    next_step: str,
    when: str,
    text: str,
) -> ClinicAlert:
    """One clinic alert and its audit row (inside the caller's transaction): the one way an
    alert is raised, from a check-in's advice or from a link's emergency signs."""
    alert = ClinicAlert.objects.create(
        client=client,
        checkin=checkin,
        rule=rule,
        next_step=next_step,
        when=when,
        text=text[:500],
    )
    record(
        actor=by,
        actor_label=actor_label,
        action="alert.raise",
        client=client,
        obj=alert,
        rule=alert.rule,
        next_step=alert.next_step,
    )
    return alert


@transaction.atomic
def acknowledge_alert(*, by: Any, alert: ClinicAlert) -> ClinicAlert:
    """A therapist has seen a check-in's alert (it stays raised until a medical review)."""
    alert = ClinicAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise _fail("", "This alert was already acknowledged.")
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record(actor=by, action="alert.acknowledge", client=alert.client, obj=alert, rule=alert.rule)
    refresh(alert.client)
    return alert


# §6b: an emergency not acknowledged within 1 hour, a see-a-doctor alert within 24 hours, goes to
# every admin of the clinic, and again every hour (emergency) or day until acknowledged.
ESCALATE_AFTER = {"emergency": timedelta(hours=1), "see_doctor": timedelta(hours=24)}


def escalate_alerts(*, now: datetime) -> list[ClinicAlert]:
    """Escalate every alert due at `now` (one transaction per alert, each audited)."""
    due = []
    for alert in ClinicAlert.objects.filter(acknowledged_at__isnull=True).select_related("client"):
        every = ESCALATE_AFTER.get(alert.next_step)
        if every is None:
            continue
        last = alert.last_escalated_at or alert.raised_at
        if now - last >= every:
            due.append(_escalate(alert=alert, now=now))
    return due


@transaction.atomic
def _escalate(*, alert: ClinicAlert, now: datetime) -> ClinicAlert | None:
    alert = ClinicAlert.objects.select_for_update().select_related("client").get(pk=alert.pk)
    # Judged again under the lock: acknowledged meanwhile, or escalated by a run at the same
    # time, it is not escalated (again).
    last = alert.last_escalated_at or alert.raised_at
    if alert.acknowledged_at is not None or now - last < ESCALATE_AFTER[alert.next_step]:
        return None
    alert.escalations += 1
    alert.last_escalated_at = now
    alert.save(update_fields=["escalations", "last_escalated_at"])
    record(
        actor=None,
        actor_label="backcare (escalation)",
        action="alert.escalate",
        client=alert.client,
        obj=alert,
        rule=alert.rule,
        escalations=alert.escalations,
    )
    notify.send_after_commit(
        [alert], notify.recipients(alert.client, admins_only=True), escalation=True
    )
    return alert


@transaction.atomic
def record_review(*, by: Any, client: Client, values: dict[str, Any], today: Date) -> MedicalReview:
    """Record a medical review of what visits raised (contracts §3 `reviews`): checked by the
    core's contract, dated no later than today by the clinic's calendar."""
    doc = {k: values.get(k) for k in ("date", "rules", "by", "role", "source", "outcome")}
    doc["note"] = values.get("note") or ""
    if isinstance(doc["date"], Date):
        doc["date"] = doc["date"].isoformat()
    try:
        review = validate(Review, doc)
    except InvalidInput as exc:
        raise ActionError(_by_field(exc)) from None
    if review.date > today:
        raise _fail("date", "A review cannot be dated in the future.")
    entry = MedicalReview.objects.create(
        client=client,
        date=review.date,
        rules=list(review.rules),
        reviewer=review.by,
        role=review.role,
        source=review.source,
        outcome=review.outcome,
        note=review.note,
        created_by=by,
    )
    record(
        actor=by,
        action="review.create",
        client=client,
        obj=entry,
        rules=list(review.rules),
        outcome=review.outcome,
    )
    refresh(client)
    return entry


SELF_CHECK_SENT_TWICE = "These answers have already been sent to the clinic."


def receive_self_check(
    *, clinic_code: str, full_name: str, email: str, intake: Intake, nonce: str
) -> tuple[Client, IntakeRecord]:
    """Someone chose to send their self-check to a clinic: a new client with a pending intake,
    for the clinic admin to review. Nothing else from the self-check is ever stored.

    `nonce` is the answer page's one-time number: the same send posted again (a double click,
    a replayed request) creates nothing and raises ActionError. It is spent only with the
    client saved, so a send refused for a wrong code can be corrected and sent."""
    try:
        return _receive_self_check(
            clinic_code=clinic_code, full_name=full_name, email=email, intake=intake, nonce=nonce
        )
    except IntegrityError:  # the same number, spent by a send at the same moment
        raise _fail("", SELF_CHECK_SENT_TWICE) from None


@transaction.atomic
def _receive_self_check(
    *, clinic_code: str, full_name: str, email: str, intake: Intake, nonce: str
) -> tuple[Client, IntakeRecord]:
    from backcare.accounts.models import Clinic

    nonce_hash = hashlib.sha256(nonce.encode()).hexdigest()
    if not nonce or SelfCheckReceipt.objects.filter(nonce_hash=nonce_hash).exists():
        raise _fail("", SELF_CHECK_SENT_TWICE)
    # First, so that a concurrent send of the same number waits on it, then fails.
    SelfCheckReceipt.objects.create(nonce_hash=nonce_hash)
    SelfCheckReceipt.objects.filter(
        received_at__lt=timezone.now() - SELF_CHECK_RECEIPT_DAYS
    ).delete()
    clinic = Clinic.objects.filter(selfcheck_code=clinic_code.strip().upper()).first()
    if clinic is None or not clinic_code.strip():
        raise _fail("clinic_code", "No clinic has this code. Check it with your clinic.")
    # An active admin: a deactivated one would be given a client nobody can see.
    admin = (
        clinic.therapists.filter(is_clinic_admin=True, user__is_active=True).order_by("id").first()
    )
    if admin is None:
        raise _fail("clinic_code", "This clinic cannot take self-checks yet.")
    if not full_name.strip():
        raise _fail("full_name", "Enter your name, so the clinic knows who you are.")
    label = f"{full_name.strip()} (public self-check)"
    client = Client.objects.create(
        clinic=clinic, therapist=admin, full_name=full_name.strip(), email=email.strip()
    )
    record(actor=None, actor_label=label, action="client.create", client=client, obj=client)
    entry = record_intake(
        by=None, client=client, intake=intake, source="self_check", actor_label=label
    )
    return client, entry


@transaction.atomic
def create_link(*, by: Any, client: Client, purpose: str) -> tuple[ClientLink, str]:
    """A one-time link for the client; the token is returned once and only its hash is kept."""
    if purpose not in dict(ClientLink.PURPOSES):
        raise _fail("purpose", "Unknown purpose.")
    token = ClientLink.new_token()
    link = ClientLink.objects.create(
        client=client,
        purpose=purpose,
        token_hash=ClientLink.hash(token),
        expires_at=ClientLink.default_expiry(),
        created_by=by,
    )
    record(actor=by, action="link.create", client=client, obj=link, purpose=purpose)
    return link, token


@transaction.atomic
def use_link(*, link: ClientLink) -> ClientLink:
    link = ClientLink.objects.select_for_update().get(pk=link.pk)
    if not link.usable:
        raise _fail("", "This link has been used or has expired.")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    record(
        actor=None,
        actor_label=f"client (one-time {link.purpose} link)",
        action="link.use",
        client=link.client,
        obj=link,
    )
    return link


@transaction.atomic
def erase_client(*, by: Any, client: Client, confirm_name: str) -> Client:
    """Erase a client's record: every intake, assessment, session, amendment, check-in (with its
    alerts), medical review and link is deleted and the name and contact details are replaced.
    The audit log keeps who did what and when (it holds no clinical values), including this
    erasure, and forgets every word it held about the client (audit.log.forget_client)."""
    if confirm_name.strip() != client.full_name:
        raise _fail("confirm_name", "Type the client's name exactly to confirm the erasure.")
    Amendment.objects.filter(session__client=client).delete()
    client.sessions.all().delete()
    client.clinic_alerts.all().delete()  # before the check-ins they point at
    client.checkins.all().delete()
    client.reviews.all().delete()
    client.links.all().delete()
    client.intakes.all().delete()
    client.full_name = f"Erased client {client.pk}"
    client.email = ""
    client.phone = ""
    client.erased_at = timezone.now()
    client.save(update_fields=["full_name", "email", "phone", "erased_at"])
    # The audit log's words about the client (their name as an actor, free-text reasons) go;
    # its rows stay: who did what and when, to client number N (docs/decisions/0010).
    forgotten = forget_client(client)
    record(actor=by, action="client.erase", client=client, obj=client, texts_erased=forgotten)
    refresh(client)
    return client


def record_export(*, by: Any, client: Client | None, what: str, clinic: Any = None) -> None:
    """Exports are audited like reads (one INSERT)."""
    record(actor=by, action=f"export.{what}", client=client, clinic=clinic, reading=True)


def record_view(
    *,
    by: Any,
    client: Client | None,
    what: str,
    obj: Any = None,
    actor_label: str | None = None,
) -> None:
    """Reading a clinical record is audited too (one INSERT: a read changes nothing else).
    `by` is the signed-in therapist, or None with `actor_label` for a client on their link.
    `client=None`: a list of the clinic's clients (names, who needs attention) was read."""
    from backcare.clinic.access import therapist_of  # the request's cached therapist

    therapist = None if by is None else therapist_of(by)
    record(
        actor=by,
        actor_label=actor_label if therapist is None else therapist.display_name,
        action=f"view.{what}",
        clinic=therapist.clinic if client is None and therapist is not None else None,
        client=client,
        obj=obj,
        reading=True,
    )
