"""A client's record as data: the full JSON export, and CSV tables for spreadsheets.

Text cells that a spreadsheet would run as a formula (starting with =, +, - or @) are prefixed
with an apostrophe, so an exported note can never become a formula on someone's computer;
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from backcare.clinic.course import state_of
from backcare.clinic.models import Client, IntakeRecord
from backcare.clinic.summary import MEASURES, outcome_of
from backcare.core.rules.tables import load_tables
from backcare.core.wording import NEXT_STEP, STATUS

EXPORT_SCHEMA = "backcare.client-export/1"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def client_export(client: Client) -> dict[str, Any]:
    """Everything stored about the client, as one JSON document."""
    return {
        "schema": EXPORT_SCHEMA,
        "client": {
            "id": client.pk,
            "full_name": client.full_name,
            "email": client.email,
            "phone": client.phone,
            "clinic": client.clinic.name,
            "created_at": client.created_at.isoformat(),
        },
        "intakes": [
            {
                "id": e.pk,
                "created_at": e.created_at.isoformat(),
                "source": e.source,
                "intake": e.document,
                "assessment": e.assessment,
                "baseline": {
                    "rmdq": e.baseline_rmdq,
                    "odi": _plain(e.baseline_odi),
                    "peg": _plain(e.baseline_peg),
                },
            }
            for e in client.intakes.order_by("created_at", "id")
        ],
        "sessions": [
            {
                "id": s.pk,
                "number": s.number,
                "date": s.date.isoformat(),
                "original": {k: _plain(v) for k, v in _original(s).items()},
                "amendments": [
                    {
                        "field": a.field,
                        "old_value": a.old_value,
                        "new_value": a.new_value,
                        "reason": a.reason,
                        "at": a.created_at.isoformat(),
                    }
                    for a in s.amendments.all()
                ],
                "signed_at": None if s.signed_at is None else s.signed_at.isoformat(),
                "voided_at": None if s.voided_at is None else s.voided_at.isoformat(),
                "void_reason": s.void_reason,
                "override": {
                    "causes": s.override_causes,
                    "reason_kind": s.override_kind,
                    "reason": s.override_reason,
                    "safety_override": s.safety_override,
                }
                if s.override_kind
                else None,
            }
            for s in client.sessions.prefetch_related("amendments")
        ],
        "checkins": [
            {
                "date": c.date.isoformat(),
                "pain": c.pain,
                "peg": _plain(c.peg),
                "rmdq": c.rmdq,
                "odi": _plain(c.odi),
                "side_effects": c.side_effects,
                "side_effect_hours": _plain(c.side_effect_hours),
                "red_flags": c.red_flags,
                "source": c.source,
                # What the client wrote for the therapist: theirs, so in their whole record.
                "note": c.note,
            }
            for c in client.checkins.all()
        ],
        "reviews": [
            {"id": r.pk, **r.to_contract(), "recorded_at": r.created_at.isoformat()}
            for r in client.reviews.order_by("created_at", "id")
        ],
        "alerts": [
            {
                "id": a.pk,
                "rule": a.rule,
                "next_step": a.next_step,
                "when": a.when,
                "text": a.text,
                "checkin_date": None if a.checkin is None else a.checkin.date.isoformat(),
                "raised_at": a.raised_at.isoformat(),
                "acknowledged_at": None
                if a.acknowledged_at is None
                else a.acknowledged_at.isoformat(),
                "escalations": a.escalations,
            }
            for a in client.clinic_alerts.select_related("checkin").order_by("raised_at", "id")
        ],
    }


def _original(session: Any) -> dict[str, Any]:
    from backcare.clinic.models import AMENDABLE_FIELDS

    return {field: getattr(session, field) for field in AMENDABLE_FIELDS}


def _safe(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)  # numbers stay numbers (a negative change is not a formula)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(header: list[str] | None, rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows([[_safe(v) for v in row] for row in rows])
    return out.getvalue()


def sessions_csv(client: Client) -> str:
    """The client's sessions (amendments applied) and check-ins, by date."""
    rows: list[tuple[Any, int, list[Any]]] = []
    for s in client.sessions.prefetch_related("amendments"):
        v = s.current_values()
        rows.append(
            (
                s.date,
                0,
                [
                    s.date.isoformat(), "session", s.number, v["pain_before"], v["pain_after"], "",
                    " ".join(v["techniques"]), v["pressure"], " ".join(v["regions"]),
                    " ".join(v["side_effects"]), v["side_effect_hours"], "", "", "",
                    " ".join(v["new_red_flags"]), "yes" if s.signed else "no",
                    "yes" if s.voided_at else "no", v["minutes"],
                ],
            )
        )  # fmt: skip
    for c in client.checkins.all():
        rows.append(
            (
                c.date,
                1,
                [
                    c.date.isoformat(), f"check-in ({c.source})", "", "", "", c.pain, "", "", "",
                    " ".join(c.side_effects), c.side_effect_hours, c.peg, c.rmdq, c.odi,
                    " ".join(c.red_flags), "", "", "",
                ],
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1]))
    header = [
        "date", "kind", "session", "pain_before", "pain_after", "pain", "techniques", "pressure",
        "regions", "side_effects", "side_effect_hours", "peg", "rmdq", "odi", "red_flags", "signed",
        "voided", "minutes",  # minutes last: columns read by position keep their place
    ]  # fmt: skip
    return _csv(header, [r[2] for r in rows])


OUTCOMES_HEADER = [
    "client_id", "name", "baseline_pain", "latest_pain", "change_points", "change_percent",
    "meaningful", "status", "status_text", "next_step", "next_step_text", "sessions",
] + [
    f"{measure}_{column}"
    for measure in MEASURES[1:]
    for column in ("baseline", "latest", "change_points", "change_percent", "meaningful")
]  # fmt: skip
OUTCOMES_CHUNK = 2000  # clients read per query of outcomes.csv (and text yielded at a time)


def _number(text: str | None) -> Decimal | str:
    # The stored exact text of the core's decimal, written as that decimal (a number, never
    # escaped as a formula: a negative change stays -3).
    return "" if text is None else Decimal(text)


def _outcome_row(pk: int, name: str, status: str, next_step: str, outcome: Any) -> list[Any]:
    """One client's row from their summary (`summary.outcome_of`; None: no intake yet)."""
    if outcome is None:
        return [pk, name, "", "", "", "", "", "", "No intake yet", "", "", 0]
    row = [pk, name]
    for measure in MEASURES:
        c = outcome[measure]
        cells = (
            ["", "", "", "", ""]
            if c is None
            else [
                _number(c["baseline"]),
                _number(c["latest"]),
                _number(c["change_points"]),
                _number(c["change_percent"]),
                "yes" if c["meaningful"] else "no",
            ]
        )
        row += cells
        if measure == "pain":
            row += [status, STATUS[status], next_step, NEXT_STEP[next_step]]
            row += [outcome["sessions_done"]]
    return row


_SUMMARY = ("pk", "full_name", "status", "next_step", "outcome", "state_rules_version")


def _fresh(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The chunk's rows with every stale summary (written under other rules, or never: a
    client created but never refreshed, or one from before `Client.outcome`) replaced by
    what the record says now. Two queries at most for the chunk: which stale clients have an
    intake; a stale client with one is computed from the record (after a rules upgrade, until
    `recompute_states` has run), one client at a time."""
    version = load_tables().version
    stale = [row[0] for row in rows if row[5] != version]
    if not stale:
        return rows
    with_intake = set(
        IntakeRecord.objects.filter(client_id__in=stale).values_list("client_id", flat=True)
    )
    out = []
    for row in rows:
        if row[5] == version:
            out.append(row)
        elif row[0] not in with_intake:
            out.append((row[0], row[1], "", "", None, version))
        else:
            state = state_of(Client.objects.get(pk=row[0]))
            assert state is not None  # it has an intake
            progress = state.progress
            out.append(
                (row[0], row[1], progress.status, progress.next_step, outcome_of(progress), version)
            )
    return out


def outcomes_csv(clients: QuerySet[Client], chunk: int = OUTCOMES_CHUNK) -> Iterator[str]:
    """One row per client: baseline, latest, change and status (the core's progress, as each
    client's summary keeps it), streamed: the header, then the text of `chunk` clients at a
    time. The clients are read `chunk` at a time (`iterator`), so time grows with the clinic
    but queries only with its chunks and memory not at all.

    Pain first (always there once an intake is), then Roland-Morris, Oswestry and PEG, each
    empty where the client has no baseline or no later value of that measure."""
    yield _csv(OUTCOMES_HEADER, [])
    rows = clients.values_list(*_SUMMARY).iterator(chunk_size=chunk)
    while batch := list(islice(rows, chunk)):
        yield _csv(None, [_outcome_row(*row[:5]) for row in _fresh(batch)])
