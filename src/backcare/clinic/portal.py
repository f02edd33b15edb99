"""The client's side: one-time links to fill the intake before the first visit or to check in.

No account and no password: a link works once, expires after 7 days, and opens a short portal
session for this client only (access.portal_client). Every use is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backcare.clinic import access, actions, checkin_steps
from backcare.clinic import intake_steps as steps
from backcare.clinic.models import Client, ClientLink
from backcare.clinic.presenting import (
    assessment_view,
    deciding_reasons,
    lay_answer,
    told_in_words,
)
from backcare.core.models import RedFlags
from backcare.core.progress import raised_at
from backcare.core.rules.partial import emergencies, known_facts
from backcare.core.rules.tables import load_tables
from backcare.core.validation import parse_intake
from backcare.core.wording import ADVICE_WHEN

# What happened to a link that cannot be used, and what to do (issue 11). The clinic is not
# named: whoever holds an old link learns nothing about the client from it.
_ASK = "Ask your clinic for a new link."
LINK_GONE = {
    "used": (
        "This link has been used",
        "Each link from your clinic works once, so that nobody else can open your answers. "
        "If you have just sent them, they have arrived.",
        _ASK,
    ),
    "expired": (
        "This link has expired",
        f"Links from your clinic work for {ClientLink.LIFETIME.days} days.",
        _ASK,
    ),
    "unknown": (
        "This link does not work",
        "We do not recognise it. It may be incomplete: check that you copied all of it.",
        _ASK,
    ),
}


LinkPage = Callable[[HttpRequest, ClientLink], HttpResponse]


def _link_pages(purpose: str) -> Callable[[LinkPage], Callable[[HttpRequest, str], HttpResponse]]:
    """A link's entry point: the usable link (else the page that says why not), and every page
    behind it in the clinic's time zone. A client opening a link is not signed in, so
    web/time_zone.py (a therapist's clinic) does not set it; without this the pages would show
    UTC's day and hour. The zone is put back after the page (`timezone.override`)."""

    def wrap(view: LinkPage) -> Callable[[HttpRequest, str], HttpResponse]:
        @wraps(view)
        def entry(request: HttpRequest, token: str) -> HttpResponse:
            link = _link(request, token, purpose)
            if isinstance(link, HttpResponse):
                return link  # nothing about the client or its clinic: the site's zone
            with timezone.override(link.client.clinic.zone):
                return view(request, link)

        return entry

    return wrap


def _link(request: HttpRequest, token: str, purpose: str) -> ClientLink | HttpResponse:
    """The usable link, or the page that says why it is not and what to do (still a 404)."""
    try:
        return access.get_link(token, purpose)
    except access.LinkUnusable as exc:
        heading, happened, to_do = LINK_GONE[exc.reason]
        return render(
            request,
            "portal/link_gone.html",
            {"reason": exc.reason, "heading": heading, "happened": happened, "to_do": to_do},
            status=404,
        )


@_link_pages("intake")
def intake_link(request: HttpRequest, link: ClientLink) -> HttpResponse:
    """The intake in short steps (clinic/intake_steps.py)."""

    def emergency(answers: steps.Answers) -> HttpResponse | None:
        found = steps.emergencies_so_far(answers)
        return _intake_emergency(request, link, answers, found) if found else None

    def done(store: steps.Store, form: steps.LinkIntakeForm) -> HttpResponse:
        return _intake_done(request, link, store, form)

    return _stepped(request, link, steps.INTAKE, "portal/intake_step.html", emergency, done)


def _stepped(
    request: HttpRequest,
    link: ClientLink,
    flow: steps.Flow,
    template: str,
    emergency: Callable[[steps.Answers], HttpResponse | None],
    done: Callable[[steps.Store, Any], HttpResponse],
) -> HttpResponse:
    """A link's questions in short steps (the intake's and the check-in's: one machinery,
    intake_steps.Flow). Each step is a normal POST; the answers wait in the session until the
    last step, which `done` records (it may raise ActionError: the step that asks the field
    is shown with the problem). A POST without a step (every answer at once) is checked the
    same way, step by step. `emergency` answers at once from the answers so far (emergency
    first), or None."""
    store = flow.store(request.session, link.pk)
    answers = store.load()

    def page(step: steps.Step, form: Any) -> HttpResponse:
        return _step_page(request, link, template, flow, step, answers, form)

    if request.method != "POST":
        first = flow.first_unanswered(answers)
        asked_for = request.GET.get("step")
        showing = flow.step_named(asked_for) if asked_for else (first or flow.steps[0])
        shown = flow.shown(answers)
        if showing not in shown or (
            first is not None and shown.index(showing) > shown.index(first)
        ):  # no step ahead of one still unanswered
            showing = first or shown[-1]
        return page(showing, flow.step_form(showing, answers, bound=False))
    posted = request.POST.get("step")
    step: steps.Step | None
    if posted is None:  # every answer in one POST
        answers = steps.given(request.POST, flow.field_names())
        step = None
    else:
        step = flow.step_named(posted)
        answers |= steps.given(request.POST, step.asked(answers))
    store.save(answers)
    if step is not None and "back" in request.POST:  # nothing checked: Back keeps what is there
        before = flow.neighbour(step, answers, -1) or step
        return redirect(f"{request.path}?step={before.slug}")
    whole = flow.whole_form(answers)
    # Every answer given, on the last step (or at once): recorded, and `done` answers an
    # emergency among them with the clinic told (a cauda equina sign on the check-in's last
    # step reaches the clinic as an alert, not only the person).
    if not (whole.is_valid() and (step is None or flow.neighbour(step, answers, 1) is None)):
        # Emergency first: the answers so far decide it alone. Nothing is stored (the set is
        # not complete) and the link still works; the page says the clinic has not been told.
        if (urgent := emergency(answers)) is not None:
            return urgent
        if step is not None:
            form = flow.step_form(step, answers, bound=True)
            if not form.is_valid():
                return page(step, form)
            following = flow.neighbour(step, answers, 1)
            if following is not None:
                return redirect(f"{request.path}?step={following.slug}")
        # The last step, or every answer at once: the first step unanswered is asked again.
        unanswered = flow.first_unanswered(answers)
        if unanswered is not None:
            form = flow.step_form(unanswered, answers, bound=True)
            form.is_valid()
            return page(unanswered, form)
    errors: dict[str, list[str]] = {k: list(v) for k, v in whole.errors.items()}
    if whole.is_valid():
        try:
            return done(store, whole)
        except actions.ActionError as exc:
            errors = {k: list(v) for k, v in exc.errors.items()}
    # A problem of the whole set (STarT Back half answered, a value the core refuses): the
    # step that asks it, with the core's words.
    field = next(iter(errors))
    step = flow.step_of(None if field in ("__all__", "") else field, answers)
    form = flow.step_form(step, answers, bound=True)
    form.is_valid()
    for name, problems in errors.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    return page(step, form)


def _step_page(
    request: HttpRequest,
    link: ClientLink,
    template: str,
    flow: steps.Flow,
    step: steps.Step,
    answers: steps.Answers,
    form: Any,
) -> HttpResponse:
    shown = flow.shown(answers)
    return render(
        request,
        template,
        {
            "form": form,
            "client": link.client,
            "step": step,
            "number": shown.index(step) + 1,
            "of": len(shown),
            "first": step is shown[0],
            "last": step is shown[-1],
        },
        status=422 if form.is_bound else 200,
    )


def _intake_emergency(
    request: HttpRequest, link: ClientLink, answers: steps.Answers, found: tuple[Any, ...]
) -> HttpResponse:
    tell = told_in_words(  # by code: "None of these" has no words
        answers.get("red_flags", ()), answers.get("conditions", ()), answers.get("medications", ())
    )
    reasons = [f.to_json() for f in found]
    # The person is a client of the clinic: the clinic is told at once, as §6b asks of a
    # check-in (the safer reading for the intake, where the spec is silent).
    actions.alert_clinic_of_reported_emergency(link=link, found=reasons)
    return render(
        request,
        "emergency.html",
        {"reasons": reasons, "tell": tell, "clinic_told": True},
    )


def _intake_done(
    request: HttpRequest, link: ClientLink, store: steps.Store, form: steps.LinkIntakeForm
) -> HttpResponse:
    assert form.intake is not None
    entry = actions.take_intake_by_link(link=link, intake=form.intake, baseline_peg=form.peg())
    store.clear()
    request.session["portal_client_id"] = link.client.pk
    request.session["portal_intake_id"] = entry.pk
    return redirect("portal_result")


def intake_result(request: HttpRequest) -> HttpResponse:
    """The client's answer after their intake link (the portal session the link opened), in
    the clinic's time zone as the link's own pages are (_link_pages)."""
    client = access.portal_client(request)
    with timezone.override(client.clinic.zone):
        return _intake_result(request, client)


def _intake_result(request: HttpRequest, client: Client) -> HttpResponse:
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
    a = assessment_view(entry.assessment)
    if not a["proceeding"]:  # what to do first, alone (issue 11)
        doc = entry.document
        context = {
            "client": client,
            "a": a,
            "reasons": deciding_reasons(a["referral_reasons"], a["disposition"]),
            "tell": told_in_words(
                [n for n, v in doc["red_flags"].items() if v],
                doc["conditions"],
                doc["medications"],
            ),
            "clinic_told": True,
        }
        page = "emergency.html" if a["emergency"] else "see_doctor.html"
        return render(request, page, context)
    context = {**lay_answer(entry.assessment, entry.document), "client": client, "portal": True}
    return render(request, "portal/assessment.html", context)


@_link_pages("checkin")
def checkin_link(request: HttpRequest, link: ClientLink) -> HttpResponse:
    """The check-in in short steps (clinic/checkin_steps.py), on the intake's machinery."""

    def emergency(answers: steps.Answers) -> HttpResponse | None:
        # Emergency first (§6b): advice at once, before the rest is answered. No check-in
        # can be stored without its pain, but the clinic is told at once: the emergency is an
        # alert of its own (actions.alert_clinic_of_reported_emergency); the link still works.
        signs = checkin_steps.signs_so_far(answers)
        found = _checkin_emergencies(link, signs)
        if not found:
            return None
        actions.alert_clinic_of_reported_emergency(link=link, found=found)
        context = {
            "reasons": found,
            "tell": told_in_words(signs),
            "clinic_told": True,
            "no_massage": True,
        }
        return render(request, "emergency.html", context)

    def done(store: steps.Store, form: checkin_steps.LinkCheckInForm) -> HttpResponse:
        d = form.cleaned_data
        checkin = actions.take_checkin_by_link(
            link=link,
            # The day it is sent (checkin_steps.py), by the clinic's calendar (the zone
            # _link_pages made active, named here too: the stored day must not depend on it).
            when=timezone.localdate(timezone=link.client.clinic.zone),
            pain=d["pain"],
            peg=form.peg(),
            side_effects=d["side_effects"],
            side_effect_hours=d.get("side_effect_hours"),
            red_flags=d["red_flags"],
            note=d["note"],
        )
        store.clear()
        return _checkin_done(request, link, checkin)

    flow = checkin_steps.CHECKIN
    return _stepped(request, link, flow, "portal/checkin_step.html", emergency, done)


def _checkin_emergencies(link: ClientLink, flags: list[str]) -> list[dict[str, Any]]:
    """The emergency rules a check-in's warning signs raise: those the signs decide on their
    own (with the intake's conditions and medicines, when there is an intake: even a sign it
    already had), and those they raise with the intake's other answers (§6 "raised at a
    visit"). In table order; [] without a sign."""
    if not flags:
        return []
    intake = link.client.current_intake
    document = intake.document if intake is not None else None
    # With no intake, no condition or medicine is on record: read as none, as the intake's own
    # defaults do (so both legs is an emergency unless a known stenosis explains it).
    facts = known_facts(
        flags,
        document["conditions"] if document else (),
        document["medications"] if document else (),
    )
    found = {f.rule: f.text for f in emergencies(facts)}
    if document is not None:
        raised = raised_at(parse_intake(document), RedFlags(**dict.fromkeys(flags, True)))
        found |= {r.id: r.text for r in raised if r.urgency == "emergency"}
    order = [r.id for r in load_tables().referral]
    return [{"rule": rid, "text": found[rid]} for rid in order if rid in found]


def _checkin_done(request: HttpRequest, link: ClientLink, checkin: Any) -> HttpResponse:
    """§6b: the advice for the alerts this check-in raised, at once; an emergency alone. The
    signs' own emergency counts too when it raised no alert (a client with no intake yet, or
    a sign the intake already had): the person is never thanked and sent away with one."""
    alerts = list(checkin.clinic_alerts.order_by("id"))
    emergency = [{"text": a.text} for a in alerts if a.next_step == "emergency"]
    emergency = emergency or _checkin_emergencies(link, checkin.red_flags)
    if emergency:
        return render(
            request,
            "emergency.html",
            {
                "reasons": emergency,
                "tell": told_in_words(checkin.red_flags),
                "clinic_told": True,
                "no_massage": True,
            },
        )
    return render(
        request,
        "portal/checkin_done.html",
        {
            "client": link.client,
            "checkin": checkin,
            "advice": [{"text": a.text, "when": ADVICE_WHEN[a.when]} for a in alerts],
        },
    )
