"""The clinic admin's audit page: the clinic's audit rows, newest first, filtered by person,
client, action and dates.

The filters are a form: a bad value (`?client=²`, a date that is not one, a person of another
clinic) is a field error on a 400 page, never a server error and never a silently wider list.
`str.isdigit` takes "²" and "١" for digits, which `int` then refuses: a client number here is
ASCII digits only.

Pages go by keyset (`backcare.lib.keyset`): "Older" reads on from the last row shown, "Newer"
back from the first, along the index (clinic, at, id) or (client, at, id) (audit migration
0004), so the thousandth page costs what the first does. The cursor travels with the filters;
a bad one is a form error on the 400 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from backcare.accounts.models import Therapist
from backcare.audit.models import AuditEvent
from backcare.clinic import access
from backcare.core.wording import AUDIT_ACTION, AUDIT_READ, audit_action
from backcare.lib import dates, keyset

PER_PAGE = 100
# Reads are recorded per page or file (`view.progress`, `export.api.outcomes_csv`): filtered by
# their kind, all together.
_READS = [(kind, f"{words} (any page or file)") for kind, words in AUDIT_READ.items()]


def _client_number(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise forms.ValidationError("Must be a client number, e.g. 12.")
    return int(value)


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """A widget's attributes as Django's `attrs.html` writes them (True: the bare name;
    False: left out)."""
    return mark_safe(  # each part is format_html's, escaped
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class _Select(forms.Select):
    """Django's <select>, with its options written here in one pass. The "What" filter has
    some 45 options, and rendering each through Django's option templates (two includes an
    option) was a third of the audit page. The same markup: name, attributes, each option's
    value, its `selected` and its label, all escaped."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        del renderer  # no template renders it
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            format_html(
                '<option value="{}"{}>{}</option>', str(o["value"]), _attrs(o["attrs"]), o["label"]
            )
            for _, group, _ in widget["optgroups"]
            for o in group
        ]
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            name,
            _attrs(widget["attrs"]),
            mark_safe("\n  ".join(options)),  # each one format_html's, escaped
        )


class AuditFilterForm(forms.Form):
    person = forms.TypedChoiceField(
        label="Person", required=False, coerce=int, empty_value=None,
        help_text="What they did, and sign-ins made as them.", widget=_Select,
    )  # fmt: skip
    client = forms.CharField(label="Client number", required=False, max_length=32)
    action = forms.ChoiceField(label="What", required=False, widget=_Select)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, staff: QuerySet[Therapist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Anyone")] + [  # type: ignore[attr-defined]
            (t.user_id, t.display_name) for t in staff
        ]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", "Anything"),
            *sorted(AUDIT_ACTION.items(), key=lambda item: item[1]),
            *_READS,
        ]

    def clean_client(self) -> int | None:
        return _client_number(self.cleaned_data.get("client") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Must be on or after the first day.")
        return data

    def events(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """`events` narrowed by the valid form's filters."""
        data = self.cleaned_data
        if data.get("person") is not None:
            person = data["person"]
            events = events.filter(
                Q(actor_id=person) | Q(object_type="User", object_id=str(person))
            )
        if data.get("client") is not None:
            events = events.filter(client_id=data["client"])
        action = data.get("action")
        if action in AUDIT_READ:
            events = events.filter(action__startswith=f"{action}.")
        elif action:
            events = events.filter(action=action)
        # Days in the current time zone, as `at__date` would read them, but as a range of
        # instants: `at >= start` uses the index where `DATE(at) >= day` cannot.
        if data.get("since"):
            events = events.filter(at__gte=_start_of(data["since"]))
        if data.get("until"):
            events = events.filter(at__lt=_start_of(data["until"] + dt.timedelta(days=1)))
        return events


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    therapist = access.clinic_admin(request.user)  # 404 for anyone else, before any filter
    staff = Therapist.objects.filter(clinic=therapist.clinic).order_by("display_name")
    form = AuditFilterForm(request.GET, staff=staff)
    # Only what a row shows: the client's name comes with the row (one join), not its record.
    events = (
        AuditEvent.objects.filter(clinic=therapist.clinic)
        .select_related("client")
        .only("id", "at", "actor_label", "action", "detail", "client_id", "client__full_name")
    )
    if not form.is_valid():
        return render(
            request,
            "clinic/audit_log.html",
            {"form": form, "page": None, "filters": ""},
            status=400,
        )
    filters = request.GET.copy()
    filters.pop("cursor", None)
    filters.pop("page", None)  # the page numbers of old bookmarks: their first page
    try:
        page: keyset.Page[AuditEvent] = keyset.page(
            form.events(events),
            scope="audit_log",
            key=("at", "id"),
            descending=True,
            limit=PER_PAGE,
            after=request.GET.get("cursor") or None,
        )
    except keyset.BadCursor as exc:
        form.add_error(None, str(exc))
        return render(
            request,
            "clinic/audit_log.html",
            {"form": form, "page": None, "filters": ""},
            status=400,
        )
    return render(
        request,
        "clinic/audit_log.html",
        {"form": form, "page": page, "rows": _rows(page), "filters": filters.urlencode()},
    )


def _rows(events: keyset.Page[AuditEvent]) -> list[dict[str, Any]]:
    """The page's rows formatted once here, so the template only prints strings: a moment
    (`dates.moment`, in the clinic's zone) is formatted once per minute shown, since the page
    shows minutes and a burst of rows shares one; an action's words are `audit_action`'s."""
    zone = timezone.get_current_timezone()
    moments: dict[dt.datetime, str] = {}
    rows = []
    for e in events:
        minute = e.at.astimezone(zone).replace(second=0, microsecond=0)
        when = moments.get(minute)
        if when is None:
            when = moments[minute] = dates.moment(minute)
        detail = e.detail if isinstance(e.detail, dict) else {}
        rows.append(
            {
                "at": when,
                "actor_label": e.actor_label,
                "action": e.action,
                "action_words": audit_action(e.action),
                "about": detail.get("about"),
                "client_id": e.client_id,
                "client_name": e.client.full_name if e.client_id else "",
                "address": detail.get("address") or "",
            }
        )
    return rows
