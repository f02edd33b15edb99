"""The client's check-in link in short steps (issue 11): the intake's step machinery
(intake_steps.Flow: "Step 2 of 5", Back without losing answers, no JavaScript, the answers in
the portal's session and nothing stored before the last step) with the check-in's questions.

Clinical-rules §6b on the client's side: the warning signs come first, with "None of these" an
explicit answer, and a sign that is an emergency answers at once; the cauda equina questions are
a step of their own, asked only when numbness, weakness or a leg is reported (and again an
emergency at once). No question is answered for the person: the pain, PEG's three items, the
after-effects (with their own "None of these": an empty answer is no longer read as none) and
the leg question are all asked again, with a field error, until answered.

The check-in is dated the day it is sent (the link's questions are about "since your last
visit" up to now): asking for a date would be one more question, and offering today ready
filled would answer it for the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from backcare.clinic import limits
from backcare.clinic.forms import NONE_OF_THESE, PEG_FIELDS, CheckInForm, _signs, peg_item
from backcare.clinic.intake_steps import (
    ANSWER_THIS,
    NONE_AND_OTHER,
    Flow,
    Step,
    _yes_no,
    said_yes,
)
from backcare.core.progress import NEURO_SIDE_EFFECTS
from backcare.core.wording import RED_FLAG_QUESTIONS, SIDE_EFFECTS

LEG_QUESTION = "Since your last visit, have you had pain, numbness or weakness in a leg?"
NOTE_QUESTION = "Anything else you want to tell your therapist? (Optional.)"
HOURS_QUESTION = "If you had any: about how many hours did they last? (Leave empty if unsure.)"


class LinkCheckInForm(CheckInForm):
    """The check-in as the client's link asks it. With `only`, just those fields, checked on
    their own (one step); without, the whole check-in (the last step)."""

    def __init__(self, *args: Any, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        del f["date"]  # the day it is sent: see the module's note
        f["side_effects"] = _signs(SIDE_EFFECTS, f["side_effects"].label)
        f["side_effect_hours"].label = HOURS_QUESTION
        f["leg_symptoms"] = _yes_no(LEG_QUESTION)
        f["note"] = forms.CharField(
            label=NOTE_QUESTION,
            required=False,  # free words, not a clinical answer: empty is "nothing else"
            max_length=limits.CHECKIN_NOTE,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        for i, name in enumerate(PEG_FIELDS):
            f[name] = peg_item(i, required=True)
        for name, field in f.items():
            if field.required and name not in ("red_flags", "side_effects", "cauda_equina"):
                field.error_messages["required"] = ANSWER_THIS
        self.partial = only is not None
        if only is not None:
            for name in list(f):
                if name not in only:
                    del f[name]
            if "cauda_equina" in f:  # the step is shown only when it applies: then answer it
                f["cauda_equina"].required = True

    def _one_answer(self, name: str) -> list[str]:
        chosen = list(self.cleaned_data[name])
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise forms.ValidationError(NONE_AND_OTHER)
        return chosen

    def clean_red_flags(self) -> list[str]:
        return [c for c in self._one_answer("red_flags") if c != NONE_OF_THESE]

    def clean_side_effects(self) -> list[str]:
        return [c for c in self._one_answer("side_effects") if c != NONE_OF_THESE]

    def clean_cauda_equina(self) -> list[str]:
        # "None of these" stays in: CheckInForm.clean reads an empty answer as unanswered.
        return self._one_answer("cauda_equina")

    def clean(self) -> dict[str, Any]:
        if self.partial:
            return self.cleaned_data
        # A cauda equina sign ticked before a Back that no longer opens the step still counts
        # (CheckInForm.clean adds it to the signs): the safer reading of a warning sign.
        cleaned = super().clean()
        if not cleaned.get("side_effects"):
            # No after-effects: hours left from before a Back and a changed answer are not hers.
            cleaned["side_effect_hours"] = None
        return cleaned


def cauda_equina_asked(answers: Mapping[str, list[str]]) -> bool:
    """§6b: numbness, weakness or a leg opens the cauda equina questions (as
    CheckInForm.cauda_equina_asked, on the raw answers)."""
    effects = answers.get("side_effects") or ()
    return said_yes(answers, "leg_symptoms") or any(e in NEURO_SIDE_EFFECTS for e in effects)


NOT_WATCHED = (
    "If you have one of these now, you get what to do at once: nobody at the clinic "
    "watches this page live."
)
STEPS = (
    Step("signs", "Warning signs", ("red_flags",), NOT_WATCHED),
    Step("pain", "Your back pain now", ("pain",)),
    Step(
        "affects",
        "How the pain affects you",
        PEG_FIELDS,
        "Three questions about the past week. Tap the number that fits best.",
    ),
    Step(
        "after",
        "Since your last massage",
        ("side_effects", "side_effect_hours", "leg_symptoms", "note"),
    ),
    Step(
        "cauda-equina",
        "A few more warning signs",
        ("cauda_equina",),
        "You told us about numbness, weakness or a leg. These signs need help at once.",
        when=cauda_equina_asked,
    ),
)
CHECKIN = Flow("checkin_steps", STEPS, LinkCheckInForm)


def signs_so_far(answers: Mapping[str, list[str]]) -> list[str]:
    """The warning signs ticked so far, in the first question or the cauda equina step (a sign
    beside "None of these" counts: an emergency is never held up by a contradictory tick)."""
    ticked = [*(answers.get("red_flags") or ()), *(answers.get("cauda_equina") or ())]
    return [c for c, _ in RED_FLAG_QUESTIONS if c in ticked]
