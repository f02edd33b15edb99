"""A client's record as data: the full JSON export, and CSV tables for spreadsheets.

Text cells that a spreadsheet would run as a formula (starting with =, +, - or @) are prefixed
with an apostrophe, so an exported note can never become a formula on someone's computer;
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from backcare.clinic.course import client_progress
from backcare.clinic.models import Client
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


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
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
                    "yes" if s.voided_at else "no",
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
                    " ".join(c.red_flags), "", "",
                ],
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1]))
    header = [
        "date", "kind", "session", "pain_before", "pain_after", "pain", "techniques", "pressure",
        "regions", "side_effects", "side_effect_hours", "peg", "rmdq", "odi", "red_flags", "signed",
        "voided",
    ]  # fmt: skip
    return _csv(header, [r[2] for r in rows])


_DISABILITY = ("rmdq", "odi", "peg")


def outcomes_csv(clients: Any) -> str:
    """One row per client: baseline, latest, change and status (from the core's progress).

    Pain first (always there once an intake is), then Roland-Morris, Oswestry and PEG, each
    empty where the client has no baseline or no later value of that measure.
    """
    rows = []
    for client in clients:
        result = client_progress(client)
        if result is None:
            rows.append(
                [client.pk, client.full_name, "", "", "", "", "", "", "No intake yet", "", "", 0]
            )
            continue
        pain = result.pain
        row = [
            client.pk,
            client.full_name,
            pain.baseline,
            pain.latest,
            pain.change_points,
            "" if pain.change_percent is None else pain.change_percent,
            "yes" if pain.meaningful else "no",
            result.status,
            STATUS[result.status],
            result.next_step,
            NEXT_STEP[result.next_step],
            result.sessions_done,
        ]
        for measure in _DISABILITY:
            c = getattr(result, measure)
            if c is None:
                row += ["", "", "", "", ""]
            else:
                percent = "" if c.change_percent is None else c.change_percent
                row += [
                    c.baseline,
                    c.latest,
                    c.change_points,
                    percent,
                    "yes" if c.meaningful else "no",
                ]
        rows.append(row)
    header = [
        "client_id", "name", "baseline_pain", "latest_pain", "change_points", "change_percent",
        "meaningful", "status", "status_text", "next_step", "next_step_text", "sessions",
    ]  # fmt: skip
    for measure in _DISABILITY:
        header += [
            f"{measure}_baseline", f"{measure}_latest", f"{measure}_change_points",
            f"{measure}_change_percent", f"{measure}_meaningful",
        ]  # fmt: skip
    return _csv(header, rows)
