"""The therapist's pages. Every object comes from `access`; every change goes through `actions`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from backcare.accounts.models import Therapist
from backcare.clinic import access, actions, worklist
from backcare.clinic.course import course_document, state_of
from backcare.clinic.forms import (
    AmendmentForm,
    ClearanceForm,
    ClientForm,
    IntakeForm,
    MeasurementForm,
    ReviewForm,
    SessionForm,
)
from backcare.clinic.letter import letter_content
from backcare.clinic.models import Client
from backcare.clinic.next_action import primary_action
from backcare.clinic.presenting import (
    assessment_view,
    cause_json,
    change_view,
    latest_words,
    meaningful_change,
    progress_chart,
    state_view,
)
from backcare.clinic.session_plan import plan_start, previous_note
from backcare.clinic.templatetags.words import words as words_for
from backcare.core.rules.tables import load_tables
from backcare.core.state import REASON_KINDS
from backcare.core.wording import REASON_KIND, label
from backcare.lib import dates, keyset
from backcare.lib.forms import add_errors

OVERDUE_AFTER = timedelta(days=14)


def _form_errors(form: Any, error: actions.ActionError) -> None:
    add_errors(form, error.errors)


# Only what the client lists show.
_LIST_FIELDS = (
    "id",
    "full_name",
    "attention",
    "attention_reason",
    "alerts_to_acknowledge",
    "assessment_changed",
    "next_step",
    "status",
    "last_contact",
)


# Who the "Needs attention" list holds: the state's level, or the clinic's own work on the
# record (an alert to acknowledge, an assessment change nobody has seen); most urgent first.
NEEDS_ATTENTION = Q(attention__gte=1) | Q(alerts_to_acknowledge__gt=0) | Q(assessment_changed=True)
ATTENTION_ORDER = ("-attention", "-alerts_to_acknowledge", "full_name", "id")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    therapist = access.therapist_of(request.user)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]  # NUL: PostgreSQL refuses it
    # Where the "everyone" list starts: a keyset cursor (lib.keyset), the first page without one.
    page = request.GET.get("cursor", "")[:500]
    today = timezone.localdate()  # "overdue" moves with the date
    clients = access.clients_for(request.user)
    lists_version, unsigned_version = _versions(therapist.clinic_id)
    names = _therapist_names(therapist.clinic_id)
    clinic_size = int(lists_version.split(".")[0])  # its count of the clinic's clients, read once
    context = {
        "query": query,
        "page": page,
        "today": today,
        "clinic_id": therapist.clinic_id,
        # The lists are a template fragment (_client_lists.html) cached on what they show; its
        # version is read before any list, so a fragment is never older than its key. The
        # therapists' names are in the key too: the full list names each client's therapist.
        "lists_version": lists_version,
        "names_version": _names_version(names),
        # Read only when the fragment is rendered (not when it comes from the cache).
        "lists": SimpleLazyObject(
            lambda: _client_lists(clients, query, page, today, clinic_size, names)
        ),
        # Signing a note leaves the client's record version as it is: the notes to sign are
        # a fragment of their own, keyed on the set of them too (worklist.unsigned_version).
        "unsigned_version": unsigned_version,
        "unsigned": SimpleLazyObject(lambda: _unsigned_list(_searched(clients, query))),
    }
    _audit_dashboard_read(request)  # names and states
    if request.headers.get("HX-Request"):
        return render(request, "clinic/_client_lists.html", context)
    return render(request, "clinic/dashboard.html", context)


# The search answers one htmx fragment per keystroke, each a row "read the client list" with
# nothing else in it (no query, no names). A full page load is always recorded; a user's htmx
# fragments at most once a minute (`cache.add` is atomic, and a cache of each process's own
# memory only records more often, never less), so the log still says who read the list and
# when, to the minute, without a row per letter typed.
SEARCH_AUDIT_SECONDS = 60


def _audit_dashboard_read(request: HttpRequest) -> None:
    if request.headers.get("HX-Request"):
        key = f"backcare.dashboard-read.{request.user.pk}"
        if not cache.add(key, 1, SEARCH_AUDIT_SECONDS):
            return
    actions.record_view(by=request.user, client=None, what="dashboard")


def _versions(clinic_id: int) -> tuple[str, str]:
    """The state of the clinic's client lists, and of its notes to sign, as two keys read in one
    round trip.

    The lists: how many clients the clinic has and the sum of their record_version. Every
    action that changes what a list shows adds one to a client's version (in that client's own
    row) or adds a client, and neither ever goes back (a client's row is never deleted: erasing
    keeps it), so the pair names the lists' state without any row of the clinic being written.
    The index on (clinic, record_version) answers it without reading the client rows.

    The notes to sign: `worklist.unsigned_version`'s count and sum of their ids. Plain SQL: the
    ORM's aggregate() of the same costs about 0.3 ms more (benchmarks/README.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lists.n, lists.v, unsigned.n, unsigned.s FROM "
            f"(SELECT COUNT(*) AS n, COALESCE(SUM(record_version), 0) AS v "
            f"FROM {Client._meta.db_table} WHERE clinic_id = %s) AS lists "
            f"CROSS JOIN ({worklist.UNSIGNED_VERSION_SQL}) AS unsigned",
            [clinic_id, clinic_id],
        )
        clients, versions, unsigned, ids = cursor.fetchone()
    return f"{clients}.{versions}", f"{unsigned}.{ids}"


def _therapist_names(clinic_id: int) -> dict[int, str]:
    """The clinic's therapists' names by id: the "everyone" list's therapist column, and (as
    `_names_version`) part of its cache key."""
    names = Therapist.objects.filter(clinic_id=clinic_id).order_by("pk")
    return dict(names.values_list("pk", "display_name"))


def _names_version(names: dict[int, str]) -> str:
    """The clinic's therapists' names, as a short key: a renamed therapist is a new key."""
    text = "\n".join(f"{pk}:{name}" for pk, name in names.items())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _searched(clients: Any, query: str) -> Any:
    """The clients the dashboard's search keeps (by name or email); all of them without one."""
    if not query:
        return clients
    return clients.filter(Q(full_name__icontains=query) | Q(email__icontains=query))


def _client_lists(
    clients: Any, query: str, page: str, today: date, clinic_size: int, names: dict[int, str]
) -> dict[str, Any]:
    clients = _searched(clients.select_related(None).only(*_LIST_FIELDS), query)
    overdue_before = today - OVERDUE_AFTER
    # Every row is formatted here once (its address, words and days) into a plain dict, so the
    # template only prints strings: filters and `{% url %}` per row were most of the page.
    silent = ~NEEDS_ATTENTION & Q(last_contact__lt=overdue_before)
    due_soon = worklist.due_condition(today)
    attention = list(
        clients.filter(NEEDS_ATTENTION)
        .order_by(*ATTENTION_ORDER)
        .values(*_LIST_FIELDS)[: LIST_LIMIT + 1]
    )
    overdue = list(
        clients.filter(silent)
        .order_by("last_contact")
        .values_list("pk", "full_name", "last_contact")[: LIST_LIMIT + 1]
    )
    # The sessions done straight from the stored outcome's one key, not its whole JSON.
    due = worklist.sessions_due(
        clients.only(*_LIST_FIELDS, "next_session_due").annotate(
            sessions_done=KT("outcome__sessions_done")
        ),
        today,
        limit=LIST_LIMIT + 1,
    )
    # Each list read one row more than it shows; those longer than that are counted whole for
    # their headings, all in one pass over the clinic's clients.
    totals = _totals(
        clients,
        {"attention": (attention, NEEDS_ATTENTION), "overdue": (overdue, silent),
         "due": (due, due_soon)},
    )  # fmt: skip
    attention, overdue, due = attention[:LIST_LIMIT], overdue[:LIST_LIMIT], due[:LIST_LIMIT]
    href, day = _client_href(), _days()
    return {
        "attention": [_attention_row(c, href) for c in attention],
        "attention_total": totals["attention"],
        "overdue": [
            {"href": href(pk), "full_name": name, "last_contact": day(last)}
            for pk, name, last in overdue
        ],
        "overdue_total": totals["overdue"],
        "due_total": totals["due"],
        "due": [
            {
                "pk": d.client.pk,
                "href": href(d.client.pk),
                "full_name": d.client.full_name,
                "due_iso": d.due.isoformat(),
                "due": day(d.due),
                "overdue": d.overdue,
                "sessions_done": d.client.sessions_done or 0,
            }
            for d in due
        ],
        **_everyone(clients, query, page, clinic_size, href, day, names),
        "overdue_days": OVERDUE_AFTER.days,
        "due_within_days": worklist.DUE_WITHIN.days,
    }


# The rows a dashboard list shows at most. Its heading always counts them all, and a list cut
# short says so (_list_capped.html): a therapist is never told "Needs attention (100)" when 400
# do. The count is made only for a list longer than this, so a clinic's usual lists cost none.
LIST_LIMIT = 100


def _totals(clients: Any, lists: dict[str, tuple[Sequence[Any], Q]]) -> dict[str, int]:
    """How many rows each list has in all, given the rows read (up to LIST_LIMIT + 1) and the
    condition that makes the list: a list that fits is its rows; the others are counted in one
    query (a filtered COUNT each)."""
    totals = {name: len(rows) for name, (rows, _) in lists.items()}
    # (Aliased: an aggregate may not take a field's name, such as `attention`.)
    cut = {f"{name}_total": Count("pk", filter=where) for name, (rows, where) in lists.items()
           if len(rows) > LIST_LIMIT}  # fmt: skip
    if cut:
        counted = clients.order_by().aggregate(**cut)
        totals.update((alias.removesuffix("_total"), n) for alias, n in counted.items())
    return totals


def _unsigned_list(clients: Any) -> dict[str, Any]:
    """The notes to sign as the dashboard shows them: the oldest LIST_LIMIT, and how many."""
    sessions = worklist.unsigned_sessions(clients, limit=LIST_LIMIT + 1)
    total = len(sessions) if len(sessions) <= LIST_LIMIT else worklist.unsigned(clients).count()
    return {"rows": _unsigned_rows(sessions[:LIST_LIMIT]), "total": total}


def _therapist_name(client: Any, names: dict[int, str]) -> str:
    if client.therapist_id in names:
        return names[client.therapist_id]
    # A therapist outside the clinic's list (not expected): read as the join would have.
    return client.therapist.display_name if client.therapist_id else ""


def _unsigned_rows(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notes to sign as the dashboard shows them, formatted once here: who recorded one is
    their therapist's name, or their username without one."""
    href, session_href, day = _client_href(), _path("session_detail", 2).format, _days()
    return [
        {
            "pk": s["pk"],
            "number": s["number"],
            "date": day(s["date"]),
            "client_href": href(s["client_id"]),
            "session_href": session_href(s["client_id"], s["pk"]),
            "client_name": s["client__full_name"],
            "recorded_by": s["created_by__therapist__display_name"]
            or s["created_by__username"]
            or "",
        }
        for s in sessions
    ]


def _days() -> Any:
    """`dates.day`, remembered for the page: a list's rows share a few dozen days."""
    memo: dict[Any, str] = {}

    def day(value: Any) -> str:
        if value not in memo:
            memo[value] = dates.day(value)
        return memo[value]

    return day


def _path(name: str, args: int = 1) -> str:
    """The address of URL `name` as a format string ("/clients/{0}/"), with `reverse` asked
    once per page rather than once per row (a dashboard lists up to 450 rows; `{% url %}` per
    row was a fifth of its rendering). Ids are integers: nothing to escape."""
    markers = [str(999_999_901 + i) for i in range(args)]
    path = reverse(name, args=markers)
    for i, marker in enumerate(markers):
        path = path.replace(marker, f"{{{i}}}")
    return path


def _client_href() -> Any:
    return _path("client_detail").format


def _attention_row(c: dict[str, Any], href: Any) -> dict[str, Any]:
    return {
        **c,
        "href": href(c["id"]),
        "attention_reason": c["attention_reason"] or "",
        "next_step_words": words_for(c["next_step"], "next_step") or "\u2014",
    }


@login_required
def needs_attention(request: HttpRequest) -> HttpResponse:
    """Everyone the dashboard's "Needs attention" list holds, LIST_LIMIT a page, most urgent
    first, by keyset (the dashboard shows the first page and links here when there are more).
    A cursor not of this list shows the first page, as the dashboard's does."""
    listed = (
        access.clients_for(request.user)
        .select_related(None)
        .only(*_LIST_FIELDS)
        .filter(NEEDS_ATTENTION)
        .order_by()
    )

    def walk(after: str | None) -> keyset.Page[Any]:
        return keyset.page(
            listed, scope="attention", key=ATTENTION_ORDER, limit=LIST_LIMIT, after=after
        )

    try:
        found = walk(request.GET.get("cursor", "")[:500] or None)
    except keyset.BadCursor:
        found = walk(None)
    href = _client_href()
    rows = [_attention_row({f: getattr(c, f) for f in _LIST_FIELDS}, href) for c in found]
    actions.record_view(by=request.user, client=None, what="needs_attention")
    return render(
        request,
        "clinic/needs_attention.html",
        {"attention": rows, "page": found, "total": listed.count()},
    )


EVERYONE_PAGE = 50


def _everyone(
    clients: Any,
    query: str,
    page: str,
    clinic_size: int,
    href: Any,
    day: Any,
    names: dict[int, str],
) -> dict[str, Any]:
    """The "everyone" list by keyset on (full_name, id) (the index on clinic and name): each page
    reads its 50 rows from where the last one ended, never counting rows to skip. The clinic is
    not counted again for its heading: `_versions` has counted it for the cache key. A
    search counts what it kept (the count of a filtered search, by the search's index). A cursor
    that is not this list's (tampered with, of another clinic, a client gone) shows the first
    page: a dashboard never answers an error for a stale link (the safer choice)."""
    # The therapist's name from the clinic's names, already read for the cache key, not a
    # join and an object a row.
    listed = clients.only("id", "full_name", "last_contact", "status", "therapist_id").order_by()

    def walk(after: str | None) -> keyset.Page[Any]:
        return keyset.page(
            listed, scope="dashboard.everyone", key=("full_name", "id"), limit=EVERYONE_PAGE,
            after=after,
        )  # fmt: skip

    try:
        found = walk(page or None)
    except keyset.BadCursor:
        found = walk(None)
    rows = [
        {
            "pk": c.pk,
            "href": href(c.pk),
            "full_name": c.full_name,
            "therapist": _therapist_name(c, names),
            "last_contact": day(c.last_contact) or "\u2014",
            "status": words_for(c.status, "status") or "\u2014",
        }
        for c in found
    ]
    return {
        "everyone": found,
        "everyone_rows": rows,
        "everyone_count": clients.count() if query else clinic_size,
    }


@login_required
def client_new(request: HttpRequest) -> HttpResponse:
    therapist = access.therapist_of(request.user)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = actions.create_client(
                by=request.user, therapist=therapist, **form.cleaned_data
            )
        except actions.ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{client.full_name} was added: now the intake.")
            return redirect("intake_new", client_id=client.pk)
    return render(request, "clinic/client_new.html", {"form": form})


@login_required
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    """Correct a client's name or contact details."""
    client = access.get_client(request.user, client_id)
    initial = {"full_name": client.full_name, "email": client.email, "phone": client.phone}
    form = ClientForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_client(by=request.user, client=client, **form.cleaned_data)
        except actions.ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The client's details were saved.")
            return redirect("client_detail", client_id=client.pk)
    if request.method == "GET":  # pre-filled from the record (a POST shows what was sent)
        actions.record_view(by=request.user, client=client, what="client_edit")
    return render(request, "clinic/client_edit.html", {"client": client, "form": form})


@login_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="client")
    return _client_page(request, client, ReviewForm(initial={"date": timezone.localdate()}))


def _client_page(request: HttpRequest, client: Any, review_form: Any, status: int = 200) -> Any:
    intake = client.current_intake
    sessions = client.sessions.prefetch_related("amendments")
    state = state_view(state_of(client))
    return render(
        request,
        "clinic/client_detail.html",
        {
            "client": client,
            "intake": intake,
            "state": state,
            "primary": primary_action(state, client.pk, None if intake is None else intake.pk),
            "assessment": None if intake is None else assessment_view(intake.assessment),
            "intakes": client.intakes.all(),
            # Amended values, as every other page shows them.
            "sessions": [(s, s.current_values()) for s in sessions],
            "checkins": client.checkins.order_by("-date", "-id")[:20],
            "clinic_alerts": client.clinic_alerts.select_related("acknowledged_by")[:20],
            "reviews": client.reviews.order_by("-date", "-id"),
            "review_form": review_form,
        },
        status=status,
    )


@login_required
@require_POST
def review_new(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record a medical review of what visits raised (clinical-rules §6)."""
    client = access.get_client(request.user, client_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.record_review(
                by=request.user,
                client=client,
                values=form.contract_values(),
                today=timezone.localdate(),
            )
        except actions.ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Medical review recorded.")
            return redirect("client_detail", client_id=client.pk)
    return _client_page(request, client, form, status=422)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, client_id: int, alert_id: int) -> HttpResponse:
    alert = access.get_clinic_alert(request.user, client_id, alert_id)
    try:
        actions.acknowledge_alert(by=request.user, alert=alert)
        messages.success(request, "Alert acknowledged. It stays raised until a medical review.")
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    return redirect("client_detail", client_id=client_id)


@login_required
def intake_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    previous = client.current_intake
    initial = _initial_from(previous.document) if previous else {}
    form = IntakeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        assert form.intake is not None
        entry = actions.record_intake(
            by=request.user,
            client=client,
            intake=form.intake,
            baseline_rmdq=form.cleaned_data.get("baseline_rmdq"),
            baseline_odi=form.cleaned_data.get("baseline_odi"),
            baseline_peg=form.cleaned_data.get("baseline_peg"),
        )
        messages.success(request, "Intake saved and assessed.")
        return redirect("intake_detail", client_id=client.pk, intake_id=entry.pk)
    if request.method == "GET":  # pre-filled with the previous intake: a read of the record
        actions.record_view(by=request.user, client=client, what="intake_form", obj=previous)
    return render(request, "clinic/intake_form.html", {"client": client, "form": form})


def _initial_from(document: dict[str, Any]) -> dict[str, Any]:
    """Pre-fill a new intake from the previous one (re-assessing after new information)."""
    pain = document["pain"]
    initial: dict[str, Any] = {
        "age": document["age"],
        "sex": document["sex"],
        "pregnant": document["pregnancy"]["pregnant"],
        "pregnancy_weeks": document["pregnancy"]["weeks"],
        "pregnancy_high_risk": document["pregnancy"]["high_risk"],
        # What was ticked before stays ticked; "None of these" is never ticked for the
        # therapist: each new intake asks the warning signs, conditions and medicines again.
        "red_flags": [k for k, v in document["red_flags"].items() if v],
        "conditions": document["conditions"],
        "medications": document["medications"],
        "preferences_pressure": document["preferences"]["pressure"] or "",
    }
    for key, value in pain.items():
        initial[f"pain_{key}"] = value
    for group in ("findings", "history", "recent"):
        for key, value in document.get(group, {}).items():
            initial[f"{group}_{key}"] = value
    for i, answer in enumerate(document.get("startback") or [], start=1):
        initial[f"startback_{i}"] = str(answer)
    return initial


@login_required
def intake_detail(request: HttpRequest, client_id: int, intake_id: int) -> HttpResponse:
    entry = access.get_intake(request.user, client_id, intake_id)
    actions.record_view(by=request.user, client=entry.client, what="assessment", obj=entry)
    audience = request.GET.get("for", "therapist")
    if audience == "therapist" and entry.changes and entry.changes_seen_at is None:
        actions.mark_changes_seen(by=request.user, entry=entry)
    view = assessment_view(entry.assessment)
    firing = list(entry.assessment["trace"])
    current = load_tables().version
    is_current = entry.client.current_intake == entry
    return render(
        request,
        "clinic/assessment.html",
        {
            "client": entry.client,
            "entry": entry,
            "a": view,
            "audience": audience,
            "clearance_form": ClearanceForm(firing=firing),
            "is_current": is_current,
            "state": state_view(state_of(entry.client)) if is_current else None,
            "stale": entry.rules_version != current,
            "current_rules": current,
            "changes": change_view(entry.changes),
        },
    )


@login_required
@require_POST
def intake_reassess(request: HttpRequest, client_id: int, intake_id: int) -> HttpResponse:
    """One click after a rules upgrade: the same answers assessed under the current rules."""
    entry = access.get_intake(request.user, client_id, intake_id)
    new = actions.reassess(by=request.user, entry=entry)
    messages.success(request, "Assessed again under the current rules.")
    return redirect("intake_detail", client_id=client_id, intake_id=new.pk)


@login_required
@require_POST
def clearance_add(request: HttpRequest, client_id: int, intake_id: int) -> HttpResponse:
    """Record a doctor's clearance: a new intake with the clearance added (history kept)."""
    entry = access.get_intake(request.user, client_id, intake_id)
    form = ClearanceForm(request.POST, firing=list(entry.assessment["trace"]))
    if form.is_valid():
        d = form.cleaned_data
        try:
            new = actions.add_clearance(
                by=request.user,
                entry=entry,
                rule=d["rule"],
                date=d["date"],
                cleared_by=d["by"],
                note=d["note"],
            )
        except actions.ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Clearance recorded; the assessment was re-run.")
            return redirect("intake_detail", client_id=entry.client.pk, intake_id=new.pk)
    view = assessment_view(entry.assessment)
    return render(
        request,
        "clinic/assessment.html",
        {
            "client": entry.client,
            "entry": entry,
            "a": view,
            "audience": "therapist",
            "clearance_form": form,
        },
        status=422,
    )


@login_required
def session_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    last = client.sessions.order_by("-number").first()
    # The form starts from the assessment's plan, within its limits (session_plan.py).
    form = SessionForm(
        request.POST or None, initial={"date": timezone.localdate(), **plan_start(client)}
    )
    # §6a: what the course as it stands says, shown before anything is entered.
    causes = actions.session_causes(client=client, values={})
    if request.method == "POST" and form.is_valid():
        # "Save and sign": record and sign in one transaction (actions.record_signed_session).
        sign = "sign" in request.POST
        record = actions.record_signed_session if sign else actions.record_session
        session, refused = _checked_save(
            form,
            lambda: record(
                by=request.user,
                client=client,
                when=form.cleaned_data["date"],
                values=form.values(),
                override=form.override(),
            ),
        )
        causes = refused or causes
        if session is not None:
            done = "saved, signed and locked" if sign else "saved (not signed yet)"
            messages.success(request, f"Session {session.number} {done}.")
            return redirect("session_detail", client_id=client.pk, session_id=session.pk)
    status = 422 if request.method == "POST" else 200
    _offer_reasons(form, causes)
    actions.record_view(by=request.user, client=client, what="session_form")  # the assessment
    return render(
        request,
        "clinic/session_form.html",
        {
            "client": client,
            "form": form,
            "number": 1 if last is None else last.number + 1,
            "previous": _previous_note(client),
            "assessment": _current_assessment(client),
            **_check_context(client, causes, []),
        },
        status=status,
    )


def _override_errors(form: Any, exc: actions.NeedsConfirmation) -> None:
    add_errors(form, exc.errors, rename=form.OVERRIDE_ERRORS)


def _checked_save(form: Any, save: Any) -> tuple[Any, Any]:
    """Run `save()` (an action that checks §6a); on refusal put its problems on the form.
    Answers what it saved (None if nothing), and the causes to prompt for when refused."""
    try:
        return save(), ()
    except actions.NeedsConfirmation as exc:
        _override_errors(form, exc)
        return None, exc.causes
    except actions.ActionError as exc:
        _form_errors(form, exc)
        return None, ()


def _offer_reasons(form: Any, causes: Any) -> None:
    """Offer only the reason kinds every cause accepts: over an unresolved emergency the form
    cannot plan a session, only record one that happened (§6a)."""
    allowed = set(REASON_KINDS)
    for cause in causes:
        allowed &= set(cause.reason_kinds)
    form.fields["override_kind"].choices = [("", "—")] + [
        (code, words) for code, words in REASON_KIND if code in allowed
    ]


def _check_context(client: Any, causes: Any, flags: list[str]) -> dict[str, Any]:
    """The §6a prompts (one per cause), and the emergency instruction when this visit's own
    warning signs raise an emergency (never a cause: recording them needs no reason)."""
    return {
        "causes": [cause_json(c) for c in causes],
        "visit_emergency": actions.visit_emergency(client=client, flags=flags),
        "override_fields": SessionForm.OVERRIDE_FIELDS,
    }


@login_required
@require_POST
def session_check(request: HttpRequest, client_id: int) -> HttpResponse:
    """htmx: the §6a prompts for the values entered so far (nothing is saved)."""
    client = access.get_client(request.user, client_id)
    values = {
        "pressure": request.POST.get("pressure"),
        "techniques": request.POST.getlist("techniques"),
    }
    session_id = request.POST.get("session")
    if session_id and session_id.isdigit():
        session = access.get_session(request.user, client.pk, int(session_id))
        causes = actions.amendment_causes(session=session, values=values)
    else:
        causes = actions.session_causes(client=client, values=values)
    flags = request.POST.getlist("new_red_flags")
    # The confirmation's fields come with the prompts (only when one asks for them), as
    # entered so far: unbound, so nothing is judged before the form is sent.
    form = SessionForm(
        initial={name: request.POST.get(name) for name in SessionForm.OVERRIDE_FIELDS}
    )
    _offer_reasons(form, causes)
    context = {**_check_context(client, causes, flags), "form": form}
    return render(request, "clinic/_session_check.html", context)


def _current_assessment(client: Any) -> Any:
    intake = client.current_intake
    return None if intake is None else assessment_view(intake.assessment)


def _previous_note(client: Any, before: int | None = None) -> dict[str, Any] | None:
    """The previous session's note (amendments applied), shown beside the form."""
    session = previous_note(client, before)
    return None if session is None else {"session": session, "values": session.current_values()}


@login_required
def session_detail(request: HttpRequest, client_id: int, session_id: int) -> HttpResponse:
    session = access.get_session(request.user, client_id, session_id)
    actions.record_view(by=request.user, client=session.client, what="session", obj=session)
    form = AmendmentForm(initial=session.current_values()) if session.signed else None
    return _session_page(request, session, form)


def _session_page(
    request: HttpRequest, session: Any, form: Any, status: int = 200, causes: Any = ()
) -> HttpResponse:
    if form is not None:
        _offer_reasons(form, causes)
    return render(
        request,
        "clinic/session_detail.html",
        {
            "client": session.client,
            "session": session,
            "values": session.current_values(),
            "amendments": session.amendments.all(),
            "form": form,
            "override_kind_label": label(REASON_KIND, session.override_kind),
            **_check_context(session.client, causes, []),
        },
        status=status,
    )


@login_required
def session_edit(request: HttpRequest, client_id: int, session_id: int) -> HttpResponse:
    """Correct an unsigned session directly (a signed one is amended instead)."""
    session = access.get_session(request.user, client_id, session_id)
    if session.signed or session.voided_at:
        return redirect("session_detail", client_id=client_id, session_id=session_id)
    initial = {"date": session.date, **session.current_values()}
    form = SessionForm(request.POST or None, initial=initial)
    form.fields["date"].disabled = True  # the date orders the course; void and re-record it
    causes: Any = ()
    if request.method == "POST" and form.is_valid():
        sign = "sign" in request.POST
        update = actions.update_signed_session if sign else actions.update_session
        saved, causes = _checked_save(
            form,
            lambda: update(
                by=request.user, session=session, values=form.values(), override=form.override()
            ),
        )
        if saved is not None:
            done = "updated, signed and locked" if sign else "updated"
            messages.success(request, f"Session {session.number} {done}.")
            return redirect("session_detail", client_id=client_id, session_id=session_id)
    _offer_reasons(form, causes)
    actions.record_view(by=request.user, client=session.client, what="session_edit", obj=session)
    return render(
        request,
        "clinic/session_form.html",
        {
            "client": session.client,
            "form": form,
            "number": session.number,
            "editing": session,
            "previous": _previous_note(session.client, before=session.number),
            "assessment": _current_assessment(session.client),
            **_check_context(session.client, causes, []),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def session_void(request: HttpRequest, client_id: int, session_id: int) -> HttpResponse:
    session = access.get_session(request.user, client_id, session_id)
    try:
        actions.void_session(
            by=request.user, session=session, reason=request.POST.get("void_reason", "")
        )
        messages.success(request, f"Session {session.number} is void: left out of the course.")
    except actions.ActionError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    return redirect("session_detail", client_id=client_id, session_id=session_id)


@login_required
@require_POST
def session_sign(request: HttpRequest, client_id: int, session_id: int) -> HttpResponse:
    session = access.get_session(request.user, client_id, session_id)
    try:
        actions.sign_session(by=request.user, session=session)
        messages.success(request, f"Session {session.number} signed and locked.")
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    return redirect("session_detail", client_id=client_id, session_id=session_id)


@login_required
@require_POST
def session_amend(request: HttpRequest, client_id: int, session_id: int) -> HttpResponse:
    session = access.get_session(request.user, client_id, session_id)
    form = AmendmentForm(request.POST)
    causes: Any = ()
    if form.is_valid():
        saved, causes = _checked_save(
            form,
            lambda: actions.amend_session(
                by=request.user,
                session=session,
                changes=form.values(),
                reason=form.cleaned_data["reason"],
                override=form.override(),
            ),
        )
        if saved is not None:
            messages.success(request, "Amendment recorded; the original is kept.")
            return redirect("session_detail", client_id=client_id, session_id=session_id)
    return _session_page(request, session, form, status=422, causes=causes)


@login_required
def measurement_new(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record scores measured between sessions (pain, Roland-Morris, Oswestry, PEG)."""
    client = access.get_client(request.user, client_id)
    form = MeasurementForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_checkin(
                by=request.user,
                client=client,
                when=d["date"],
                pain=d["pain"],
                rmdq=d.get("rmdq"),
                odi=d.get("odi"),
                peg=d.get("peg"),
                source="therapist",
            )
        except actions.ActionError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Measurements recorded.")
            return redirect("progress", client_id=client.pk)
    return render(
        request,
        "clinic/measurement_form.html",
        {"client": client, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def progress_page(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    actions.record_view(by=request.user, client=client, what="progress")
    return render(
        request,
        "clinic/progress.html",
        {
            "client": client,
            # The body is a template fragment cached on what it shows: this record's version
            # (client.record_version, read with the client before any of the record) and the
            # rules' version. Its context is computed only when the fragment is rendered.
            "rules_version": load_tables().version,
            "progress": SimpleLazyObject(lambda: _progress_body(client)),
        },
    )


def _progress_body(client: Any) -> dict[str, Any]:
    """What the progress page's body shows: the course, its state, the chart. No name."""
    document = course_document(client)
    state = state_of(client, document)
    return {
        "p": None if state is None else state.progress.to_json(),
        "state": state_view(state),
        "chart_json": None if document is None else json.dumps(progress_chart(document)),
        "latest_words": None if document is None else latest_words(document),
        "meaningful": meaningful_change(),
    }


@login_required
def referral_letter(request: HttpRequest, client_id: int) -> HttpResponse:
    """The letter for the doctor, or the handover note in an emergency: the same content as
    its PDF (clinic/letter.py::letter_content)."""
    client = access.get_client(request.user, client_id)
    actions.record_view(
        by=request.user, client=client, what="referral_letter", obj=client.current_intake
    )
    therapist = access.therapist_of(request.user)
    return render(
        request,
        "clinic/referral_letter.html",
        {
            "client": client,
            "therapist": therapist,
            "letter": letter_content(client, therapist, today=timezone.localdate()),
        },
    )


@login_required
@require_POST
def link_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client(request.user, client_id)
    purpose = request.POST.get("purpose", "")
    try:
        link, token = actions.create_link(by=request.user, client=client, purpose=purpose)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        return redirect("client_detail", client_id=client.pk)
    url = request.build_absolute_uri(reverse(f"portal_{purpose}", args=[token]))
    return render(request, "clinic/link_created.html", {"client": client, "link": link, "url": url})


@login_required
@require_POST
def client_erase(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.client_to_erase(request.user, client_id)  # clinic admins only
    try:
        actions.erase_client(
            by=request.user, client=client, confirm_name=request.POST.get("confirm_name", "")
        )
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        return redirect("client_detail", client_id=client.pk)
    messages.success(request, "The client's record was erased; the audit log keeps the event.")
    return redirect("dashboard")
