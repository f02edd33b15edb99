"""The dashboard as a work list (issue 15, point 3): notes still to sign, and the sessions a
course's plan has due. Who needs attention comes from the summary (`summary.refresh`, the one
state); the plan's numbers come from the assessment each intake stored (`core.assessment`'s plan:
sessions per week and planned sessions); the sessions done from the same state's progress
(`Client.outcome`, written by `summary.refresh`).

`next_session_due` is the one place "when is the next session due" is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone

from backcare.clinic.models import Client, IntakeRecord, Session

# A session is listed as due when it is due within this many days, or already overdue.
DUE_WITHIN = timedelta(days=7)

# Clients whose next step is not a session at all: an emergency or a doctor first, or a
# re-assessment (the plan has not worked: a new intake before more of the same). Listing a
# massage as "due" for them would invite one (issue 15 is silent; the safer choice). They are at
# the top of the dashboard under "Needs attention" instead, with their next step.
_NO_SESSION_NEXT = ("emergency", "see_doctor", "reassess")


def next_session_due(
    *,
    assessed_on: date,
    last_session: date | None,
    sessions_done: int,
    sessions_per_week: int | None,
    planned_sessions: int | None,
) -> date | None:
    """When the plan has the next session due, or None when the plan has none to come.

    - No plan (massage does not proceed), or no sessions a week: None.
    - Every planned session done: None (the course is complete; re-assessing is the state's).
    - No session yet: due on the day of the assessment.
    - Otherwise: the last session plus the plan's interval, 7 days divided by the sessions a
      week, rounded down (2 a week: every 3 days), so a session is never shown as due later
      than the plan has it.
    """
    if not sessions_per_week or sessions_per_week < 1 or planned_sessions is None:
        return None
    if sessions_done >= planned_sessions:
        return None
    if last_session is None:
        return assessed_on
    return last_session + timedelta(days=max(1, 7 // sessions_per_week))


@dataclass(frozen=True, slots=True)
class Due:
    client: Any
    due: date
    overdue: bool


def sessions_due(clients: QuerySet[Any], today: date, limit: int = 100) -> list[Due]:
    """The clients (of `clients`, already limited to the caller's clinic) whose next planned
    session is due within `DUE_WITHIN` or overdue, soonest first. Three subqueries on the
    client rows, so one query for the whole caseload."""
    latest = IntakeRecord.objects.filter(client=OuterRef("pk")).order_by("-created_at", "-id")
    last = Session.objects.filter(client=OuterRef("pk"), voided_at__isnull=True).order_by(
        "-date", "-number"
    )
    rows = (
        clients.exclude(next_step__in=_NO_SESSION_NEXT)
        .annotate(
            plan_per_week=Subquery(_plan_number(latest, "sessions_per_week")),
            plan_sessions=Subquery(_plan_number(latest, "planned_sessions")),
            assessed_at=Subquery(latest.values("created_at")[:1]),
            last_session=Subquery(last.values("date")[:1]),
        )
        .filter(assessed_at__isnull=False)  # assessed: an intake, so a plan or none
    )
    horizon = today + DUE_WITHIN
    found = []
    for client in rows:
        due = next_session_due(
            assessed_on=timezone.localdate(client.assessed_at),
            last_session=client.last_session,
            sessions_done=(client.outcome or {}).get("sessions_done", 0),
            sessions_per_week=client.plan_per_week,
            planned_sessions=client.plan_sessions,
        )
        if due is not None and due <= horizon:
            found.append(Due(client=client, due=due, overdue=due < today))
    found.sort(key=lambda d: (d.due, d.client.full_name, d.client.pk))
    return found[:limit]


def _plan_number(intakes: QuerySet[IntakeRecord], name: str) -> QuerySet[Any]:
    """The first intake's plan number `name`, as an integer column (SQLite and PostgreSQL)."""
    text = KeyTextTransform(name, KeyTransform("plan", "assessment"))
    return intakes.annotate(number=Cast(text, IntegerField())).values("number")[:1]


def unsigned_version(clinic_id: int) -> str:
    """The set of the clinic's notes to sign, as a key: how many there are and the sum of their
    ids. Recording a session adds an id larger than every id before it, signing or voiding one
    takes its id away, so any change of the set changes the pair (a set of the same size whose
    ids sum the same would need a new id no larger than one gone). One plain aggregate query:
    the list itself is then read only when its cached fragment is rendered."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(s.id), 0) FROM {Session._meta.db_table} s "
            f"JOIN {Client._meta.db_table} c ON c.id = s.client_id "
            "WHERE c.clinic_id = %s AND s.signed_at IS NULL AND s.voided_at IS NULL",
            [clinic_id],
        )
        count, ids = cursor.fetchone()
    return f"{count}.{ids}"


def unsigned_sessions(clients: QuerySet[Any], limit: int = 100) -> list[Session]:
    """Sessions of `clients` recorded but not signed (and not void), oldest first, with who
    recorded them."""
    return list(
        Session.objects.filter(
            client__in=clients.values("pk"), signed_at__isnull=True, voided_at__isnull=True
        )
        .select_related("client", "created_by__therapist")
        .order_by("date", "created_at", "pk")[:limit]
    )
