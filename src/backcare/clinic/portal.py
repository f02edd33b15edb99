"""The client's side: one-time links to fill the intake before the first visit or to check in.

No account and no password: a link works once, expires after 7 days, and opens a short portal
session for this client only (access.portal_client). Every use is audited.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backcare.clinic import access, actions
from backcare.clinic.forms import CheckInForm, IntakeForm
from backcare.clinic.presenting import assessment_view
from backcare.core.wording import ADVICE_WHEN
from backcare.lib.forms import add_errors


def intake_link(request: HttpRequest, token: str) -> HttpResponse:
    link = access.get_link(token, "intake")
    form = IntakeForm(request.POST or None, with_findings=False)
    if request.method == "POST" and form.is_valid():
        assert form.intake is not None
        entry = actions.take_intake_by_link(link=link, intake=form.intake)
        request.session["portal_client_id"] = link.client.pk
        request.session["portal_intake_id"] = entry.pk
        return redirect("portal_result")
    return render(
        request,
        "portal/intake_form.html",
        {"form": form, "client": link.client},
        status=422 if request.method == "POST" else 200,
    )


def intake_result(request: HttpRequest) -> HttpResponse:
    client = access.portal_client(request)
    entry = client.intakes.filter(pk=request.session.get("portal_intake_id")).first()
    if entry is None:
        return redirect("login")
    actions.record_view(
        by=None,
        actor_label=f"{client.full_name} (client)",
        what="client_assessment",
        client=client,
        obj=entry,
    )
    return render(
        request,
        "portal/assessment.html",
        {"client": client, "a": assessment_view(entry.assessment)},
    )


def checkin_link(request: HttpRequest, token: str) -> HttpResponse:
    link = access.get_link(token, "checkin")
    form = CheckInForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            checkin = actions.take_checkin_by_link(
                link=link,
                when=d["date"],
                pain=d["pain"],
                peg=form.peg(),
                side_effects=d["side_effects"],
                side_effect_hours=d.get("side_effect_hours"),
                red_flags=d["red_flags"],
            )
        except actions.ActionError as exc:
            add_errors(form, exc.errors)
        else:
            # What this check-in raised, as the core judged it when it was recorded (§6b).
            alerts = list(checkin.clinic_alerts.order_by("id"))
            emergency = [a for a in alerts if a.next_step == "emergency"]
            return render(
                request,
                "portal/checkin_done.html",
                {
                    "client": link.client,
                    "checkin": checkin,
                    "emergency": bool(emergency),
                    "advice": [
                        {"text": a.text, "when": ADVICE_WHEN[a.when]} for a in (emergency or alerts)
                    ],
                },
            )
    return render(
        request,
        "portal/checkin_form.html",
        {"form": form, "client": link.client},
        status=422 if request.method == "POST" else 200,
    )
