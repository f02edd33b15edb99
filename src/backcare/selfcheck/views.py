"""The public self-check: a questionnaire in the person's own words, answered by the core.

Nothing is stored: no database row, no session, no log line with an answer (tested). The page
says so. POSTs are rate-limited per address with the cache (memory or Redis, not the database):
one counter per address and minute, shared by every app server when the cache is Redis.
"""

from __future__ import annotations

import secrets
from typing import Any, get_args

from django import forms
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from backcare.clinic import actions, content, limits
from backcare.clinic.forms import ClientIntakeForm
from backcare.clinic.models import BODY_REGIONS
from backcare.clinic.presenting import (
    Footnotes,
    assessment_view,
    deciding_reasons,
    lay_answer,
    told_in_words,
)
from backcare.core.assessment import assess
from backcare.core.validation import InvalidInput, parse_intake
from backcare.core.vocabulary import PROCEEDING, Region
from backcare.core.wording import REGIONS, SIDES
from backcare.lib.addresses import client_address

POSTS_PER_MINUTE = 20
_SALT = "backcare.selfcheck.answers"


class SendForm(forms.Form):
    """Sending the answers to a clinic: only if the person chooses, to a clinic they name."""

    answers = forms.CharField(widget=forms.HiddenInput)
    clinic_code = forms.CharField(label="Your clinic's self-check code", max_length=16)
    full_name = forms.CharField(label="Your name", max_length=limits.CLIENT_NAME)
    email = forms.EmailField(
        label="Your email (optional)", max_length=limits.CLIENT_EMAIL, required=False
    )
    consent = forms.BooleanField(
        label="I want to send my answers to this clinic, and agree that it keeps them in my record."
    )


def _rate_limited(request: HttpRequest) -> bool:
    address = client_address(request)  # the person's, behind a configured proxy too
    key = f"selfcheck:{address}:{timezone.now():%Y%m%d%H%M}"
    # add + incr, never a read and a write: the cache counts atomically (Redis' INCR on several
    # servers), so concurrent posts on two servers are never counted as one.
    cache.add(key, 0, 120)
    try:
        return cache.incr(key) > POSTS_PER_MINUTE
    except ValueError:  # evicted between add and incr
        return False


class SelfCheckForm(ClientIntakeForm):
    """The intake without the therapist's findings or scores, asked of the person themselves:
    the warning signs first (ClientIntakeForm)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("baseline_rmdq", "baseline_odi", "baseline_peg"):
            del self.fields[name]
        # Where it hurts, with left or right, on the body map (includes/body_map.html). The
        # contract's `pain.regions` has no side (contracts-v1 §1), so a box with a side
        # ("lumbar-left", as a session's regions) counts as its region in the intake, and the
        # sides are kept on the form only (`pain_sides`), for the answer page: nothing is
        # stored, and a self-check sent to a clinic carries the contract's regions alone.
        regions = self.fields["pain_regions"]
        regions.label = "Where does it hurt? Tick each place, seen from behind"
        regions.choices = [*REGIONS, *BODY_REGIONS]
        self.pain_sides: list[str] = []
        # Yes/no questions that open the detail question only when it matters. They only
        # decide what is shown: a number typed in a detail question always counts (safer).
        fields = dict(self.fields)
        self.fields.clear()
        for name, field in fields.items():
            if name == "recent_surgery_weeks_ago":
                self.fields["had_surgery"] = forms.BooleanField(
                    label="I have had surgery in the last year", required=False
                )
                field.label = "How many weeks ago?"
            if name == "recent_injury_hours_ago":
                self.fields["had_injury"] = forms.BooleanField(
                    label="I have strained or sprained my back in the last few days", required=False
                )
                field.label = "How many hours ago?"
            self.fields[name] = field

    def clean_pain_regions(self) -> list[str]:
        """The contract's regions (each once, neck down) from the boxes ticked on the map; the
        ticked sides are kept in `pain_sides`."""
        ticked = self.cleaned_data["pain_regions"]
        self.pain_sides = [code for code in ticked if "-" in code]
        named = {code.partition("-")[0] for code in ticked}
        return [region for region in get_args(Region) if region in named]


@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _rate_limited(request):
        return render(request, "selfcheck/rate_limited.html", status=429)
    form = SelfCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assert form.intake is not None
        answer = assess(form.intake).to_json()
        if answer["disposition"] not in PROCEEDING:
            return _doctor_first(request, form, assessment_view(answer))
        context = answer_context(answer, form)
        # The answers travel in the page (signed, so they arrive as given), not in a database:
        # they reach a clinic only if the person sends them.
        context["send_form"] = SendForm(initial={"answers": sealed(form.intake.to_json())})
        return render(request, "selfcheck/answer.html", context)
    if request.method == "POST" and (found := form.emergencies()):
        # Emergency first: the warning signs alone decide it, whatever is still unanswered.
        return render(
            request,
            "emergency.html",
            {"reasons": [f.to_json() for f in found], "tell": _told(form), "self_check": True},
        )
    return render(
        request,
        "selfcheck/form.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


def _told(form: SelfCheckForm) -> list[str]:
    """The answers given so far that a doctor should hear, in the person's words."""
    d = form.cleaned_data
    words = told_in_words(d.get("red_flags", ()), d.get("conditions", ()), d.get("medications", ()))
    if d.get("pregnant"):
        weeks = d.get("pregnancy_weeks")
        words.append(f"Pregnant{f' ({weeks} weeks)' if weeks else ''}")
    return words


def _doctor_first(request: HttpRequest, form: SelfCheckForm, a: dict[str, Any]) -> HttpResponse:
    """An answer that is not massage: the emergency page, or see a doctor first. Only what to
    do, what to tell them and why; nothing about massage, booking or sending to a clinic."""
    disposition = a["disposition"]
    context = {
        "a": a,
        "reasons": deciding_reasons(a["referral_reasons"], disposition),
        "tell": _told(form),
        "self_check": True,
    }
    if disposition == "emergency":
        return render(request, "emergency.html", context)
    # Only the emergency warning signs of the "when to get help" block, not its "see a doctor
    # soon" part: this page already says that.
    context["if_worse"] = content.WARNING_SIGNS[0]
    return render(request, "see_doctor.html", context)


def sealed(intake: dict[str, Any]) -> str:
    """The answers as the page carries them to the send form: signed, so that they arrive as
    given, with a one-time number, so that a send posted twice creates one client."""
    return signing.dumps(
        {"intake": intake, "nonce": secrets.token_urlsafe(18)}, salt=_SALT, compress=True
    )


def _unsealed(token: str) -> tuple[Any, str]:
    """The answers and their one-time number; BadSignature if they were changed or are old."""
    sealed_answers = signing.loads(token, salt=_SALT, max_age=24 * 3600)
    if not isinstance(sealed_answers, dict) or not isinstance(sealed_answers.get("nonce"), str):
        raise signing.BadSignature("not a self-check's answers")
    return sealed_answers.get("intake"), sealed_answers["nonce"]


def answer_context(answer: dict[str, Any], form: SelfCheckForm) -> dict[str, Any]:
    context = {**lay_answer(answer, form.document()), "today": timezone.localdate()}
    if form.pain_sides:
        # The sides ticked on the map are not in the intake (the contract has none): the
        # answer page tells them back, for the person to tell the therapist.
        context["tell"] = [*context["tell"], f"where it hurts: {_places(form.pain_sides)}"]
    return context


def _places(codes: list[str]) -> str:
    """Codes such as "lumbar-left" in words: "lower back on the left, buttocks on the right"."""
    regions, sides = dict(REGIONS), dict(SIDES)
    return ", ".join(
        f"{regions[region].lower()} on the {sides[side]}"
        for region, _, side in (code.partition("-") for code in codes)
    )


def learn(request: HttpRequest) -> HttpResponse:
    notes = Footnotes()

    def cited(statements: list[content.Statement]) -> list[dict[str, Any]]:
        return [{**st, "notes": notes.cite(st["sources"])} for st in statements]

    how = cited(content.HOW_IT_MAY_HELP)  # numbered in the order the page shows them
    techniques = [
        {
            "key": key,
            "name": name,
            "about": {k: cited(v) for k, v in content.TECHNIQUES[key].items()},
        }
        for key, name in (
            ("swedish", "Swedish massage"),
            ("deep_tissue", "Deep tissue massage"),
            ("trigger_point", "Trigger point therapy"),
            ("myofascial_release", "Myofascial release"),
        )
    ]
    warning_signs = cited(content.WARNING_SIGNS)
    faq = [(q, cited(sts)) for q, sts in content.FAQ]
    return render(
        request,
        "selfcheck/learn.html",
        {
            "how": how,
            "techniques": techniques,
            "warning_signs": warning_signs,
            "faq": faq,
            "footnotes": notes.listing(),
        },
    )


@require_http_methods(["POST"])
def send(request: HttpRequest) -> HttpResponse:
    """Send a self-check to a clinic (creating a pending intake there), by the person's choice."""
    if _rate_limited(request):
        return render(request, "selfcheck/rate_limited.html", status=429)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            document, nonce = _unsealed(form.cleaned_data["answers"])
            intake = parse_intake(document)
        except (signing.BadSignature, InvalidInput):
            form.add_error(None, "These answers have expired or were changed: please start again.")
        else:
            try:
                client, _ = actions.receive_self_check(
                    clinic_code=form.cleaned_data["clinic_code"],
                    full_name=form.cleaned_data["full_name"],
                    email=form.cleaned_data["email"],
                    intake=intake,
                    nonce=nonce,
                )
            except actions.ActionError as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                return render(request, "selfcheck/sent.html", {"clinic": client.clinic})
    return render(request, "selfcheck/send.html", {"send_form": form}, status=422)
