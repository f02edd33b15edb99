"""The client's intake link in short steps (issue 11): a few questions a screen, "Step 2 of 10",
Back without losing answers, and no JavaScript needed (each step is a normal POST).

Where the answers wait between steps: in the portal's server-side session (`request.session`,
one entry per link), as the raw answers given. They never travel back through the page (no
hidden fields to sign, nothing for the browser to keep) and are never an intake: only the last
step, with every applicable step answered and the whole intake valid, records one
(`actions.take_intake_by_link`); finishing clears them, and the session's idle expiry drops an
unfinished set.

No clinical question is answered for the person: a yes/no is two radio buttons with neither
ticked, how the pain started or spreads is a choice with none ticked, and the warning signs,
conditions and medicines each have an explicit "None of these" (ticked beside another box, it
is a field error). A detail question (pregnancy weeks, when the operation or the strain was)
is its own step, shown only when the answer before it says it applies, and checked again on
the whole intake at the end.

The words are wording.py's: CLIENT_QUESTION where a clinician's words would not do, else
INTAKE_QUESTION. The form is ClientIntakeForm's, so the document it makes is the one the
self-check and the therapist's form make.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from backcare.clinic.forms import (
    NONE_OF_THESE,
    PEG_FIELDS,
    ClientIntakeForm,
    client_worded,
    peg_item,
)
from backcare.core.measures import score_peg
from backcare.core.results import Finding
from backcare.core.rules.partial import emergencies, known_facts
from backcare.core.wording import (
    CLIENT_QUESTION,
    CONDITIONS,
    MEDICATIONS,
    ONSET,
    PRESSURES,
    RADIATION,
    RED_FLAG_QUESTIONS,
    SEX,
    YES_NO,
)

Answers = dict[str, list[str]]

ANSWER_THIS = "Please answer this question."
NONE_AND_OTHER = "You ticked “None of these” and another answer: untick one of them."
NO_PREFERENCE = "no_preference"

# The yes/no questions, asked with neither answer ticked (a skipped one is asked again).
_YES_NO_PATHS = (
    "pregnancy.high_risk",
    "pain.night_pain_unrelieved",
    "pain.wakes_second_half_of_night",
    "pain.better_with_movement",
    "pain.eased_by_nsaids_within_48h",
    "findings.trigger_points",
    "findings.fascial_restriction",
    "history.family_spondyloarthritis",
    "history.arthritis_enthesitis_or_psoriasis",
)
# The questions that open a detail question, and their words (they are not contract fields:
# the contract has the detail only, empty when none).
GATES = {
    "pregnant": CLIENT_QUESTION["pregnancy.pregnant"],
    "had_surgery": "Have you had an operation in the last year?",
    "had_injury": "Have you strained or sprained your back in the last few days?",
}
# Detail question -> the yes/no that opens it.
DETAILS = {
    "pregnancy_weeks": "pregnant",
    "pregnancy_high_risk": "pregnant",
    "recent_surgery_weeks_ago": "had_surgery",
    "recent_injury_hours_ago": "had_injury",
}
_DETAIL_LABELS = {
    "pregnancy_weeks": "How many weeks pregnant are you?",
    "recent_surgery_weeks_ago": "How many weeks ago was the operation?",
    "recent_injury_hours_ago": "How many hours ago did you strain or sprain it?",
}


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda answer: answer == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": ANSWER_THIS},
    )


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": ANSWER_THIS},
    )


def said_yes(answers: Mapping[str, list[str]], gate: str) -> bool:
    return list(answers.get(gate) or ()) == ["yes"]


class LinkIntakeForm(ClientIntakeForm):
    """The intake as the client's link asks it. With `only`, just those fields, checked on
    their own (one step); without, the whole intake (the last step)."""

    def __init__(self, *args: Any, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        for name in ("baseline_rmdq", "baseline_odi", "baseline_peg"):
            del f[
                name
            ]  # the client never types a score; the Oswestry and RMDQ stay with the therapist
        f["sex"] = _choice(f["sex"].label, SEX)
        f["pain_onset"] = _choice(CLIENT_QUESTION["pain.onset"], ONSET)
        f["pain_radiation"] = _choice(f["pain_radiation"].label, RADIATION)
        f["preferences_pressure"] = _choice(
            f["preferences_pressure"].label, [(NO_PREFERENCE, "No preference"), *PRESSURES]
        )
        for gate, words in GATES.items():
            f[gate] = _yes_no(words)
        for path in _YES_NO_PATHS:
            name = self._FIELD_FOR.get(path, path.replace(".", "_"))
            f[name] = _yes_no(f[name].label)
        client_worded(self, [*_YES_NO_PATHS, "pregnancy.pregnant"])
        for name, label in _DETAIL_LABELS.items():
            f[name].label = label
        for i, name in enumerate(PEG_FIELDS):
            f[name] = peg_item(i, required=True)
        for field in f.values():
            if field.error_messages["required"] == forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = ANSWER_THIS
        for name in DETAILS:  # asked only when they apply: see `clean` and `only`
            f[name].required = False
        self.partial = only is not None
        if only is not None:
            for name in list(f):
                if name not in only:
                    del f[name]
            for name in only:  # a detail asked is a detail to answer
                f[name].required = f[name].required or name in DETAILS

    def _one_answer(self, name: str) -> list[str]:
        """The signs, conditions or medicines ticked (asked by ClientIntakeForm, "None of
        these" an answer): here "None of these" beside another box is a field error, where the
        one-page self-check counts the box (the link asks one step at a time, so it can ask)."""
        chosen = list(self.cleaned_data[name])
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise forms.ValidationError(NONE_AND_OTHER)
        return [code for code in chosen if code != NONE_OF_THESE]

    def clean_red_flags(self) -> list[str]:
        return self._one_answer("red_flags")

    def clean_conditions(self) -> list[str]:
        return self._one_answer("conditions")

    def clean_medications(self) -> list[str]:
        return self._one_answer("medications")

    def clean_preferences_pressure(self) -> str:
        answer = str(self.cleaned_data["preferences_pressure"])
        return "" if answer == NO_PREFERENCE else answer

    def clean(self) -> dict[str, Any]:
        if self.partial:
            return self.cleaned_data
        cleaned = self.cleaned_data
        for detail, gate in DETAILS.items():
            if cleaned.get(gate):
                if cleaned.get(detail) is None and detail not in self.errors:
                    self.add_error(detail, ANSWER_THIS)
            else:
                # The latest answer to the question before it says it does not apply (a
                # detail left from before a Back and a changed answer is not the person's).
                cleaned[detail] = None
        return super().clean()

    def peg(self) -> Decimal:
        """The PEG the core scores from the three answers (never typed by the person)."""
        return score_peg([self.cleaned_data[name] for name in PEG_FIELDS])


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...]
    intro: str = ""
    when: Callable[[Mapping[str, list[str]]], bool] | None = None

    def applies(self, answers: Mapping[str, list[str]]) -> bool:
        return self.when is None or self.when(answers)

    def asked(self, answers: Mapping[str, list[str]]) -> tuple[str, ...]:
        """The step's questions these answers open (a detail only when its gate says yes)."""
        return tuple(
            name for name in self.fields if name not in DETAILS or said_yes(answers, DETAILS[name])
        )


STARTBACK_INTRO = (
    "These questions are optional: answer all nine, or leave them all empty. They help your "
    "therapist see how much the pain weighs on you."
)
STEPS = (
    Step(
        "signs",
        "Warning signs",
        ("red_flags",),
        "First, the warning signs. If you have one of them, you get what to do at once.",
    ),
    Step("about", "About you", ("age", "sex", "pregnant")),
    Step(
        "pregnancy",
        "Your pregnancy",
        ("pregnancy_weeks", "pregnancy_high_risk"),
        when=lambda a: said_yes(a, "pregnant"),
    ),
    Step(
        "pain",
        "Your back pain",
        ("pain_intensity", "pain_duration_weeks", "pain_regions", "pain_onset", "pain_radiation"),
    ),
    Step(
        "pain-more",
        "More about the pain",
        (
            "pain_night_pain_unrelieved",
            "pain_wakes_second_half_of_night",
            "pain_better_with_movement",
            "pain_eased_by_nsaids_within_48h",
        ),
    ),
    Step(
        "feel",
        "How your back feels",
        ("findings_trigger_points", "findings_fascial_restriction", "preferences_pressure"),
    ),
    Step(
        "health",
        "Health and medicines",
        (
            "conditions",
            "medications",
            "history_family_spondyloarthritis",
            "history_arthritis_enthesitis_or_psoriasis",
        ),
    ),
    Step("recent", "Operations and strains", ("had_surgery", "had_injury")),
    Step(
        "recent-details",
        "When it happened",
        ("recent_surgery_weeks_ago", "recent_injury_hours_ago"),
        when=lambda a: said_yes(a, "had_surgery") or said_yes(a, "had_injury"),
    ),
    Step(
        "affects",
        "How the pain affects you",
        PEG_FIELDS,
        "Three questions about the past week. Tap the number that fits best.",
    ),
    Step(
        "startback-1",
        "How your back pain affects you (optional)",
        tuple(f"startback_{i}" for i in range(1, 5)),
        STARTBACK_INTRO,
    ),
    Step(
        "startback-2",
        "How your back pain affects you (optional, continued)",
        tuple(f"startback_{i}" for i in range(5, 10)),
        STARTBACK_INTRO,
    ),
)


class Flow:
    """One link's questions in steps: which steps the answers call for, each step's form, and
    where the answers wait. The intake (INTAKE, below) and the check-in (checkin_steps.py) are
    two flows of this one machinery; `form` is the link's form class, which takes `only` (the
    fields of one step, checked on their own) or checks the whole set without it."""

    def __init__(self, key: str, steps: tuple[Step, ...], form: Callable[..., forms.Form]):
        self.key = key
        self.steps = steps
        self.form = form
        self._by_slug = {step.slug: step for step in steps}

    def step_named(self, slug: str | None) -> Step:
        return self._by_slug.get(slug or "", self.steps[0])

    def shown(self, answers: Mapping[str, list[str]]) -> list[Step]:
        """The steps these answers call for, in order."""
        return [step for step in self.steps if step.applies(answers)]

    def neighbour(self, step: Step, answers: Mapping[str, list[str]], by: int) -> Step | None:
        """The step before (by=-1) or after (by=1) `step` among those the answers call for."""
        steps = self.shown(answers)
        at = steps.index(step) if step in steps else 0
        return steps[at + by] if 0 <= at + by < len(steps) else None

    def step_form(self, step: Step, answers: Mapping[str, list[str]], *, bound: bool) -> Any:
        """The form of one step: bound to the answers (to check them) or showing them."""
        only = step.asked(answers)
        if bound:
            return self.form(_data(answers), only=only)
        form = self.form(only=only)
        for name, field in form.fields.items():
            given = answers.get(name)
            if given:
                multiple = isinstance(field, forms.MultipleChoiceField)
                form.initial[name] = list(given) if multiple else given[0]
        return form

    def first_unanswered(self, answers: Mapping[str, list[str]]) -> Step | None:
        """The first step the answers call for whose answers are missing or wrong."""
        for step in self.shown(answers):
            if not self.step_form(step, answers, bound=True).is_valid():
                return step
        return None

    def whole_form(self, answers: Mapping[str, list[str]]) -> Any:
        return self.form(_data(answers))

    def field_names(self) -> list[str]:
        return list(self.form().fields)

    def step_of(self, field: str | None, answers: Mapping[str, list[str]]) -> Step:
        """The step that asks `field` (the last one for a problem of the whole set)."""
        steps = self.shown(answers)
        return next((s for s in steps if field in s.fields), steps[-1])

    def store(self, session: Any, link_pk: int) -> Store:
        return Store(session, f"{self.key}:{link_pk}")


def _data(answers: Mapping[str, list[str]]) -> MultiValueDict[str, str]:
    return MultiValueDict({name: list(v) for name, v in answers.items() if v})


def given(data: Any, names: tuple[str, ...] | list[str]) -> Answers:
    """The raw answers to `names` in a POST (an unticked box is an empty answer)."""
    return {name: [str(v) for v in data.getlist(name)] for name in names}


def _codes(answers: Mapping[str, list[str]], name: str, known: list[tuple[str, str]]) -> list[str]:
    codes = {code for code, _ in known}
    return [v for v in answers.get(name) or () if v in codes]


def emergencies_so_far(answers: Mapping[str, list[str]]) -> tuple[Finding, ...]:
    """The emergency rules the answers given so far decide whatever the rest says: the signs
    ticked (a sign ticked beside "None of these" counts: an emergency is never held up by a
    contradictory tick), with the conditions and medicines once they are answered."""
    if not answers.get("red_flags"):
        return ()

    def answered(name: str, known: list[tuple[str, str]]) -> list[str] | None:
        return _codes(answers, name, known) if answers.get(name) else None

    return emergencies(
        known_facts(
            _codes(answers, "red_flags", RED_FLAG_QUESTIONS),
            answered("conditions", CONDITIONS),
            answered("medications", MEDICATIONS),
        )
    )


class Store:
    """The answers given so far on one link, in the portal's session (`Flow.store`)."""

    def __init__(self, session: Any, key: str) -> None:
        self.session = session
        self.key = key

    def load(self) -> Answers:
        stored = self.session.get(self.key)
        return dict(stored) if isinstance(stored, dict) else {}

    def save(self, answers: Answers) -> None:
        self.session[self.key] = answers

    def clear(self) -> None:
        self.session.pop(self.key, None)


INTAKE = Flow("intake_steps", STEPS, LinkIntakeForm)
