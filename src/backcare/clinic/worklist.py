"""The dashboard as a work list (issue 15, point 3): notes still to sign, and the sessions a
course's plan has due. Who needs attention comes from the summary (`summary.refresh`, the one
state); the plan's numbers come from the assessment each intake stored (`core.assessment`'s plan:
sessions per week and planned sessions); the sessions done from the same state's progress
(`Client.outcome`, written by `summary.refresh`).

`next_session_due` is the one place "when is the next session due" is decided; `summary.refresh`
stores its answer per client (`Client.next_session_due`, through `due_of`) in the transaction of
every action that changes the record, and the dashboard reads the stored date (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from django.db.models import Q, QuerySet
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


def due_of(
    intake: IntakeRecord | None, sessions_done: int, zone: tzinfo, last_session: date | None
) -> date | None:
    """The client's next session due (`next_session_due`) from the records: the current
    intake's assessment (its plan, and its day as the day the course starts), the last session
    not void (`last_session`, from the course: None before the first), and the sessions done
    (the state's progress). What `summary.refresh` stores as `Client.next_session_due`, in the
    transaction of every write that changes one of these. It does not depend on today's date:
    whether it is overdue is judged when it is read. The day the course starts is the
    assessment's day in the clinic's `zone`, never the zone that happens to be active, so a
    write through the API (UTC), a page (the clinic's zone) or the command line stores the same
    date."""
    if intake is None:
        return None
    plan = (intake.assessment or {}).get("plan") or {}
    return next_session_due(
        assessed_on=timezone.localdate(intake.created_at, zone),
        last_session=last_session,
        sessions_done=sessions_done,
        sessions_per_week=_whole(plan.get("sessions_per_week")),
        planned_sessions=_whole(plan.get("planned_sessions")),
    )


def _whole(value: Any) -> int | None:
    """A plan number as an integer (the assessment's JSON may hold it as text), or None."""
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Due:
    client: Any
    due: date
    overdue: bool


def due_condition(today: date) -> Q:
    """A client whose next planned session is due within `DUE_WITHIN` or overdue: a range on
    the stored due date (`Client.next_session_due`, index on clinic and due date). Not for a
    client whose next step is not another session (`next_step` is never NULL)."""
    return ~Q(next_step__in=_NO_SESSION_NEXT) & Q(next_session_due__lte=today + DUE_WITHIN)


def sessions_due(clients: QuerySet[Any], today: date, limit: int = 100) -> list[Due]:
    """The first `limit` of `clients` (already limited to the caller's clinic) that meet
    `due_condition`, soonest first. Nothing is computed per client here, so the cost follows
    the clients listed, not the clinic's size."""
    rows = clients.filter(due_condition(today)).order_by("next_session_due", "full_name", "pk")[
        :limit
    ]
    return [Due(client=c, due=c.next_session_due, overdue=c.next_session_due < today) for c in rows]


# The set of a clinic's notes to sign, as a key: how many there are and the sum of their ids.
# Recording a session adds an id larger than every id before it, signing or voiding one takes
# its id away, so any change of the set changes the pair (a set of the same size whose ids sum
# the same would need a new id no larger than one gone). One plain aggregate (the dashboard
# reads it with its lists' key in one round trip, views._versions): the list itself is then read
# only when its cached fragment is rendered.
UNSIGNED_VERSION_SQL = (
    f"SELECT COUNT(*) AS n, COALESCE(SUM(s.id), 0) AS s FROM {Session._meta.db_table} s "
    f"JOIN {Client._meta.db_table} c ON c.id = s.client_id "
    "WHERE c.clinic_id = %s AND s.signed_at IS NULL AND s.voided_at IS NULL"
)


def unsigned(clients: QuerySet[Any]) -> QuerySet[Session]:
    """Sessions of `clients` recorded but not signed (and not void)."""
    return Session.objects.filter(
        client__in=clients.values("pk"), signed_at__isnull=True, voided_at__isnull=True
    )


def unsigned_sessions(clients: QuerySet[Any], limit: int = 100) -> list[dict[str, Any]]:
    """The first `limit` of `unsigned`, oldest first, with who recorded them: plain rows of
    what the dashboard shows (the session, its client's name, the recorder's username and
    therapist's name), read in one query."""
    return list(
        unsigned(clients)
        .order_by("date", "created_at", "pk")
        .values(
            "pk",
            "number",
            "date",
            "client_id",
            "client__full_name",
            "created_by__username",
            "created_by__therapist__display_name",
        )[:limit]
    )
