"""Every change to a clinical record goes through one of these functions.

Each is keyword-only, runs in one transaction, validates with the clinical core (never
re-implementing a rule) and writes its audit row in that same transaction: either the change
and its audit row are both saved, or neither is. Bad input raises `ActionError` with field-level
messages and saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date as Date
from decimal import Decimal
from typing import Any, get_args

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from backcare.accounts.models import Therapist
from backcare.audit.log import record
from backcare.clinic.models import (
    AMENDABLE_FIELDS,
    BODY_REGIONS,
    Amendment,
    CheckIn,
    Client,
    ClientLink,
    IntakeRecord,
    Session,
)
from backcare.clinic.summary import changed, refresh
from backcare.core.assessment import assess
from backcare.core.models import Intake
from backcare.core.models import Session as SessionContract
from backcare.core.validation import InvalidInput, validate
from backcare.core.vocabulary import RED_FLAG_NAMES, SideEffect

_REGION_CODES = {code for code, _ in BODY_REGIONS}
_SIDE_EFFECTS = frozenset(get_args(SideEffect))
_MAX_HOURS = 9999  # hours an after-effect lasted: more than a year is a typing error


class ActionError(ValueError):
    """Input that cannot be saved: `errors` maps a field ("" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k or 'form'}: {', '.join(v)}" for k, v in errors.items()))


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
    changed(client)
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
        client.save(update_fields=fields)
        record(actor=by, action="client.update", client=client, obj=client, fields=fields)
        changed(client)
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
    """Save an intake and the assessment the rules give for it. Earlier intakes are kept."""
    answer = assess(intake)
    referral = answer.referral
    entry = IntakeRecord.objects.create(
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
    )
    refresh(client)
    return entry


def _check_session_fields(values: dict[str, Any], number: int, when: Date) -> None:
    """Validate a session's clinical fields with the core's own contract model."""
    errors: dict[str, list[str]] = {}
    values = dict(values)
    # Values may come from the API as any JSON: check their kind before the core checks them.
    for field in ("techniques", "side_effects", "new_red_flags", "regions"):
        if not isinstance(values.get(field, []), list | tuple):
            errors[field] = ["must be a list"]
            values[field] = []
    hours = values.get("side_effect_hours")
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
            errors["side_effect_hours"] = ["must be a number of hours"]
            values["side_effect_hours"] = None
        elif not 0 <= hours <= _MAX_HOURS:
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
        validate(SessionContract, contract)
    except InvalidInput as exc:
        for problem in exc.problems:
            field = problem.path.split(".")[0].split("[")[0] or "__all__"
            errors.setdefault(field, []).append(problem.message)
    if errors:
        raise ActionError(errors)


@transaction.atomic
def record_session(*, by: Any, client: Client, when: Date, values: dict[str, Any]) -> Session:
    """Add the next session to the client's course (unsigned until `sign_session`)."""
    intake = client.current_intake
    if intake is None:
        raise _fail("", "Record an intake before the first session.")
    # Lock the client's row so two sessions saved at once cannot take the same number.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    last = client.sessions.order_by("-number").first()
    number = 1 if last is None else last.number + 1
    if last is not None and when < last.date:
        raise _fail("date", f"A session cannot be dated before the previous one ({last.date}).")
    _check_session_fields(values, number, when)
    session = Session.objects.create(
        client=client,
        intake=intake,
        number=number,
        date=when,
        created_by=by,
        **{k: values[k] for k in AMENDABLE_FIELDS if k in values},
    )
    record(actor=by, action="session.create", client=client, obj=session, number=number)
    refresh(client)
    return session


@transaction.atomic
def update_session(*, by: Any, session: Session, values: dict[str, Any]) -> Session:
    """Change an unsigned session directly. A signed session is changed only by amendment."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.signed:
        raise _fail("", "This session is signed: record an amendment instead.")
    merged = {f: getattr(session, f) for f in AMENDABLE_FIELDS} | values
    _check_session_fields(merged, session.number, session.date)
    for field, value in values.items():
        setattr(session, field, value)
    session.save()
    record(actor=by, action="session.update", client=session.client, obj=session)
    refresh(session.client)
    return session


@transaction.atomic
def sign_session(*, by: Any, session: Session) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.signed:
        raise _fail("", "This session is already signed.")
    session.signed_at = timezone.now()
    session.signed_by = by
    session.save(update_fields=["signed_at", "signed_by"])
    record(actor=by, action="session.sign", client=session.client, obj=session)
    changed(session.client)
    return session


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def amend_session(
    *, by: Any, session: Session, changes: dict[str, Any], reason: str
) -> list[Amendment]:
    """Record dated amendments to a signed session; the original values stay as they were."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if not session.signed:
        raise _fail("", "Only a signed session is amended; edit an unsigned one directly.")
    if not reason.strip():
        raise _fail("reason", "Say why the session is amended.")
    current = session.current_values()
    changed = {
        f: v
        for f, v in changes.items()
        if f in AMENDABLE_FIELDS and _jsonable(v) != _jsonable(current[f])
    }
    if not changed:
        raise _fail("", "Nothing was changed.")
    _check_session_fields(current | changed, session.number, session.date)
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
    )
    refresh(session.client)
    return amendments


def _check_names(field: str, names: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed_set = set(allowed)
    bad = [n for n in names if n not in allowed_set]
    if bad:
        raise _fail(field, f"Unknown value(s): {', '.join(bad)}.")
    return list(dict.fromkeys(names))


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
) -> CheckIn:
    ranges = {
        "pain": (pain, 0, 10, "Pain is a number from 0 to 10."),
        "peg": (peg, 0, 10, "The PEG score is from 0 to 10."),
        "rmdq": (rmdq, 0, 24, "The Roland-Morris score is from 0 to 24."),
        "odi": (odi, 0, 100, "The Oswestry score is from 0 to 100."),
        "side_effect_hours": (
            side_effect_hours,
            0,
            _MAX_HOURS,
            f"Hours are from 0 to {_MAX_HOURS}.",
        ),
    }
    errors = {
        field: [message]
        for field, (value, low, high, message) in ranges.items()
        if value is not None and not low <= value <= high
    }
    if errors:
        raise ActionError(errors)
    checkin = CheckIn.objects.create(
        client=client,
        date=when,
        pain=pain,
        peg=peg,
        rmdq=rmdq,
        odi=odi,
        side_effects=_check_names("side_effects", side_effects, _SIDE_EFFECTS),
        side_effect_hours=side_effect_hours,
        red_flags=_check_names("red_flags", red_flags, RED_FLAG_NAMES),
        source=source,
    )
    record(
        actor=by,
        actor_label=actor_label,
        action="checkin.create",
        client=client,
        obj=checkin,
    )
    refresh(client)
    return checkin


@transaction.atomic
def receive_self_check(
    *, clinic_code: str, full_name: str, email: str, intake: Intake
) -> tuple[Client, IntakeRecord]:
    """Someone chose to send their self-check to a clinic: a new client with a pending intake,
    for the clinic admin to review. Nothing else from the self-check is ever stored."""
    from backcare.accounts.models import Clinic

    clinic = Clinic.objects.filter(selfcheck_code=clinic_code.strip().upper()).first()
    if clinic is None or not clinic_code.strip():
        raise _fail("clinic_code", "No clinic has this code. Check it with your clinic.")
    admin = clinic.therapists.filter(is_clinic_admin=True).order_by("id").first()
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
    """Erase a client's record: every intake, assessment, session, amendment, check-in and link
    is deleted and the name and contact details are replaced. The audit log keeps who did what
    and when (it holds no clinical values), including this erasure."""
    if confirm_name.strip() != client.full_name:
        raise _fail("confirm_name", "Type the client's name exactly to confirm the erasure.")
    Amendment.objects.filter(session__client=client).delete()
    client.sessions.all().delete()
    client.checkins.all().delete()
    client.links.all().delete()
    client.intakes.all().delete()
    client.full_name = f"Erased client {client.pk}"
    client.email = ""
    client.phone = ""
    client.save(update_fields=["full_name", "email", "phone"])
    record(actor=by, action="client.erase", client=client, obj=client)
    refresh(client)
    return client


def record_export(*, by: Any, client: Client | None, what: str, clinic: Any = None) -> None:
    """Exports are audited like reads (one INSERT)."""
    record(actor=by, action=f"export.{what}", client=client, clinic=clinic, reading=True)


def record_view(*, by: Any, client: Client, what: str, obj: Any = None) -> None:
    """Reading a clinical record is audited too (one INSERT: a read changes nothing else)."""
    from backcare.clinic.access import therapist_of  # the request's cached therapist

    record(
        actor=by,
        actor_label=therapist_of(by).display_name,
        action=f"view.{what}",
        client=client,
        obj=obj,
        reading=True,
    )
