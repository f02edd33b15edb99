"""Forms in plain language. The intake form builds a `backcare.intake/1` document and lets the
clinical core validate it; the core's path-level errors come back as field-level messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from backcare.clinic import limits
from backcare.clinic.models import BODY_REGIONS
from backcare.core.measures.startback import COPYRIGHT as STARTBACK_COPYRIGHT
from backcare.core.models import Intake
from backcare.core.progress import NEURO_SIDE_EFFECTS
from backcare.core.results import Finding
from backcare.core.rules.partial import cauda_equina_signs, emergencies, known_facts
from backcare.core.rules.tables import clearable_rule_ids, load_tables, reviewable_ids
from backcare.core.validation import InvalidInput, parse_intake
from backcare.core.wording import (
    ALERT_NAME,
    CLIENT_HELP,
    CLIENT_QUESTION,
    CONDITIONS,
    INTAKE_QUESTION,
    MEDICATIONS,
    ONSET,
    PEG_ITEMS,
    PRESSURES,
    RADIATION,
    REASON_KIND,
    RED_FLAG_QUESTIONS,
    REGIONS,
    REVIEW_OUTCOME,
    REVIEW_SOURCE,
    SEX,
    SIDE_EFFECTS,
    STARTBACK_AGREE,
    STARTBACK_BOTHER,
    STARTBACK_ITEMS,
    TECHNIQUES,
)

NRS = [(str(i), str(i)) for i in range(11)]
NRS_OR_BLANK = [("", "—"), *NRS]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=limits.CLIENT_NAME)
    email = forms.EmailField(
        label="Email (optional)", max_length=limits.CLIENT_EMAIL, required=False
    )
    phone = forms.CharField(
        label="Phone (optional)", max_length=limits.CLIENT_PHONE, required=False
    )


def _checkboxes(choices: list[tuple[str, str]], label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


# The warning signs, conditions and medicines as every form asks them (the therapist's, the
# self-check, the client's link): "None of these" is an answer of its own, so a question left
# blank is asked again rather than read as "no" (issue 11). A therapist who skipped the
# warning-sign screen is not told that massage may proceed. (The JSON contract, for machines,
# still reads an omitted list as none: contracts-v1 §1.)
NONE_OF_THESE = "none"


def _signs(choices: list[tuple[str, str]], label: str, *, required: bool = True) -> Any:
    return forms.MultipleChoiceField(
        label=label,
        choices=[*choices, (NONE_OF_THESE, "None of these")],
        required=required,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick each one you have, or “None of these”."},
    )


def _only_signs(answer: list[str]) -> list[str]:
    """The signs (or conditions, or medicines) ticked. One ticked beside "None of these"
    counts: the safer reading, as it gives more precautions, never fewer (an emergency is never
    held up by a contradictory tick, a blood thinner ticked beside it still lightens the
    pressure)."""
    return [code for code in answer if code != NONE_OF_THESE]


class IntakeForm(forms.Form):
    """The intake, grouped as a person would answer it. Field names map to contract paths."""

    # About you
    age = forms.IntegerField(label=INTAKE_QUESTION["age"], min_value=0, max_value=120)
    sex = forms.ChoiceField(
        label=INTAKE_QUESTION["sex"],
        choices=SEX,
    )
    pregnant = forms.BooleanField(label=INTAKE_QUESTION["pregnancy.pregnant"], required=False)
    pregnancy_weeks = forms.IntegerField(
        label=INTAKE_QUESTION["pregnancy.weeks"], min_value=1, max_value=45, required=False
    )
    pregnancy_high_risk = forms.BooleanField(
        label=INTAKE_QUESTION["pregnancy.high_risk"], required=False
    )
    # The pain
    pain_intensity = forms.TypedChoiceField(
        label=INTAKE_QUESTION["pain.intensity"],
        choices=NRS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    pain_duration_weeks = forms.DecimalField(
        label=INTAKE_QUESTION["pain.duration_weeks"], min_value=0, max_digits=7, decimal_places=2
    )
    pain_regions = forms.MultipleChoiceField(
        label=INTAKE_QUESTION["pain.regions"], choices=REGIONS, widget=forms.CheckboxSelectMultiple
    )
    pain_onset = forms.ChoiceField(
        label=INTAKE_QUESTION["pain.onset"],
        choices=ONSET,
    )
    pain_radiation = forms.ChoiceField(
        label=INTAKE_QUESTION["pain.radiation"],
        choices=RADIATION,
    )
    pain_night_pain_unrelieved = forms.BooleanField(
        label=INTAKE_QUESTION["pain.night_pain_unrelieved"], required=False
    )
    pain_wakes_second_half_of_night = forms.BooleanField(
        label=INTAKE_QUESTION["pain.wakes_second_half_of_night"], required=False
    )
    pain_better_with_movement = forms.BooleanField(
        label=INTAKE_QUESTION["pain.better_with_movement"], required=False
    )
    pain_eased_by_nsaids_within_48h = forms.BooleanField(
        label=INTAKE_QUESTION["pain.eased_by_nsaids_within_48h"], required=False
    )
    # Therapist's findings
    findings_muscle_tension = forms.BooleanField(
        label=INTAKE_QUESTION["findings.muscle_tension"], required=False
    )
    findings_trigger_points = forms.BooleanField(
        label=INTAKE_QUESTION["findings.trigger_points"], required=False
    )
    findings_fascial_restriction = forms.BooleanField(
        label=INTAKE_QUESTION["findings.fascial_restriction"], required=False
    )
    # Warning signs
    red_flags = _signs(RED_FLAG_QUESTIONS, INTAKE_QUESTION["red_flags"])
    conditions = _signs(CONDITIONS, INTAKE_QUESTION["conditions"])
    medications = _signs(MEDICATIONS, INTAKE_QUESTION["medications"])
    history_family_spondyloarthritis = forms.BooleanField(
        label=INTAKE_QUESTION["history.family_spondyloarthritis"], required=False
    )
    history_arthritis_enthesitis_or_psoriasis = forms.BooleanField(
        label=INTAKE_QUESTION["history.arthritis_enthesitis_or_psoriasis"], required=False
    )
    recent_surgery_weeks_ago = forms.DecimalField(
        label=INTAKE_QUESTION["recent.surgery_weeks_ago"],
        min_value=0,
        max_digits=6,
        decimal_places=1,
        required=False,
    )
    recent_injury_hours_ago = forms.DecimalField(
        label=INTAKE_QUESTION["recent.injury_hours_ago"],
        min_value=0,
        max_digits=7,
        decimal_places=1,
        required=False,
    )
    preferences_pressure = forms.ChoiceField(
        label=INTAKE_QUESTION["preferences.pressure"],
        choices=[("", "No preference"), *PRESSURES],
        required=False,
    )
    # Baselines (optional; outside the intake contract)
    baseline_rmdq = forms.IntegerField(
        label="Roland-Morris score (0-24)", min_value=0, max_value=24, required=False
    )
    baseline_odi = forms.DecimalField(
        label="Oswestry score (%)",
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        required=False,
    )
    baseline_peg = forms.DecimalField(
        label="PEG score (0-10)",
        min_value=0,
        max_value=10,
        max_digits=3,
        decimal_places=1,
        required=False,
    )

    startback_copyright = STARTBACK_COPYRIGHT

    def __init__(self, *args: Any, with_findings: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i, text in enumerate(STARTBACK_ITEMS, start=1):
            self.fields[f"startback_{i}"] = forms.ChoiceField(
                label=text,
                choices=[("", "—"), *(STARTBACK_BOTHER if i == 9 else STARTBACK_AGREE[::-1])],
                required=False,
            )
        if not with_findings:  # a client does not report the therapist's palpation findings
            for name in (
                "findings_muscle_tension",
                "findings_trigger_points",
                "findings_fascial_restriction",
            ):
                del self.fields[name]
        self.intake: Intake | None = None

    def groups(self) -> list[tuple[str, list[Any]]]:
        """Fields grouped for display, in plain-language sections."""

        def pick(prefixes: tuple[str, ...]) -> list[Any]:
            return [self[name] for name in self.fields if name.startswith(prefixes)]

        return [
            ("About you", pick(("age", "sex", "pregnan"))),
            ("Your back pain", pick(("pain_",))),
            ("What the therapist found", pick(("findings_",))),
            ("Warning signs", pick(("red_flags",))),
            (
                "Health and medicines",
                pick(("conditions", "medications", "history_", "had_", "recent_")),
            ),
            ("Pressure", pick(("preferences_",))),
            ("Scores measured today (optional)", pick(("baseline_",))),
        ]

    def startback_fields(self) -> list[Any]:
        return [self[f"startback_{i}"] for i in range(1, 10)]

    def document(self) -> dict[str, Any]:
        """The `backcare.intake/1` document these answers make."""
        d = self.cleaned_data

        def num(value: Decimal | None) -> int | float | None:
            if value is None:
                return None
            return int(value) if value == value.to_integral_value() else float(value)

        pregnant = bool(d.get("pregnant"))
        doc: dict[str, Any] = {
            "schema": "backcare.intake/1",
            "age": d["age"],
            "sex": d["sex"],
            "pregnancy": {
                "pregnant": pregnant,
                "weeks": d.get("pregnancy_weeks"),
                "high_risk": bool(d.get("pregnancy_high_risk")),
            },
            "pain": {
                "intensity": d["pain_intensity"],
                "duration_weeks": num(d["pain_duration_weeks"]),
                "regions": list(d["pain_regions"]),
                "onset": d["pain_onset"],
                "radiation": d["pain_radiation"],
                **{
                    key: bool(d.get(f"pain_{key}"))
                    for key in (
                        "night_pain_unrelieved",
                        "wakes_second_half_of_night",
                        "better_with_movement",
                        "eased_by_nsaids_within_48h",
                    )
                },
            },
            "red_flags": {name: name in d["red_flags"] for name, _ in RED_FLAG_QUESTIONS},
            "conditions": list(d["conditions"]),
            "medications": list(d["medications"]),
            "history": {
                "family_spondyloarthritis": bool(d.get("history_family_spondyloarthritis")),
                "arthritis_enthesitis_or_psoriasis": bool(
                    d.get("history_arthritis_enthesitis_or_psoriasis")
                ),
            },
            "recent": {
                "surgery_weeks_ago": num(d.get("recent_surgery_weeks_ago")),
                "injury_hours_ago": num(d.get("recent_injury_hours_ago")),
            },
            "preferences": {"pressure": d.get("preferences_pressure") or None},
        }
        findings = ("muscle_tension", "trigger_points", "fascial_restriction")
        if any(f"findings_{key}" in self.fields for key in findings):
            doc["findings"] = {key: bool(d.get(f"findings_{key}")) for key in findings}
        answers = [d.get(f"startback_{i}") for i in range(1, 10)]
        if any(a not in (None, "") for a in answers):
            doc["startback"] = [None if a in (None, "") else int(a) for a in answers]
        return doc

    # contract path -> form field
    _FIELD_FOR = {
        "pregnancy.weeks": "pregnancy_weeks",
        "pregnancy.high_risk": "pregnancy_high_risk",
        "pregnancy.pregnant": "pregnant",
        "preferences.pressure": "preferences_pressure",
    }

    # A box ticked beside "None of these" counts (_only_signs): the safer reading gives more
    # precautions, never fewer. The client's link reads that tick as a mistake to correct
    # instead (intake_steps.LinkIntakeForm._one_answer): it can ask again step by step.
    def clean_red_flags(self) -> list[str]:
        return _only_signs(self.cleaned_data["red_flags"])

    def clean_conditions(self) -> list[str]:
        return _only_signs(self.cleaned_data["conditions"])

    def clean_medications(self) -> list[str]:
        return _only_signs(self.cleaned_data["medications"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        answers = [cleaned.get(f"startback_{i}") for i in range(1, 10)]
        given = [a not in (None, "") for a in answers]
        if any(given) and not all(given):
            self.add_error(
                "startback_9" if given[8] is False else None,
                "Answer all nine STarT Back questions, or none of them.",
            )
            return cleaned
        try:
            self.intake = parse_intake(self.document())
        except InvalidInput as exc:
            for problem in exc.problems:
                self.add_error(self._field(problem.path), problem.message)
        return cleaned

    def _field(self, path: str) -> str | None:
        if path in self._FIELD_FOR:
            return self._FIELD_FOR[path]
        head = path.split("[")[0]
        name = head.replace(".", "_")
        if name in self.fields:
            return name
        for group in ("red_flags", "conditions", "medications", "startback"):
            if head.startswith(group):
                return group if group in self.fields else f"{group}_9"
        return None  # a form-wide error


# What a person can tell about their own back (issue 11): "I can feel knots" and "it feels
# stuck" are the findings `trigger_points` and `fascial_restriction`, in their words.
CLIENT_FINDINGS = ("findings.trigger_points", "findings.fascial_restriction")
# Questions a person answers in their words (wording.CLIENT_QUESTION), not a clinician's.
CLIENT_WORDED = (*CLIENT_FINDINGS, "history.family_spondyloarthritis",
                 "history.arthritis_enthesitis_or_psoriasis")  # fmt: skip


def client_worded(form: forms.Form, paths: tuple[str, ...] | list[str]) -> None:
    """Label `form`'s fields for these contract paths in the person's words, with the short
    explanation where the words still need one."""
    for path in paths:
        name = IntakeForm._FIELD_FOR.get(path, path.replace(".", "_"))
        if name in form.fields:
            form.fields[name].label = CLIENT_QUESTION[path]
            form.fields[name].help_text = CLIENT_HELP.get(path, "")


class ClientIntakeForm(IntakeForm):
    """The intake as the person answers it themselves (the self-check and the client's intake
    link): the warning signs first; the signs, the conditions and the medicines each with
    "None of these" an explicit answer; of the therapist's findings only what a person can feel
    (CLIENT_FINDINGS). An emergency the signs decide is known before the rest is answered
    (`emergencies`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, with_findings=True, **kwargs)
        del self.fields["findings_muscle_tension"]  # only palpation finds guarding
        client_worded(self, CLIENT_WORDED)
        # The signs, conditions and medicines are IntakeForm's ("None of these" an answer),
        # the last two in the person's words; the warning signs come first.
        self.fields["conditions"].label = CLIENT_QUESTION["conditions"]
        self.fields["medications"].label = CLIENT_QUESTION["medications"]
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["red_flags"] = fields.pop("red_flags")
        self.fields.update(fields)

    def groups(self) -> list[tuple[str, list[Any]]]:
        """Emergency first: the warning signs before anything else."""
        groups = [
            ("How your back feels" if title == "What the therapist found" else title, fields)
            for title, fields in super().groups()
        ]
        return sorted(groups, key=lambda g: g[0] != "Warning signs")

    def emergencies(self) -> tuple[Finding, ...]:
        """The emergency rules the answers given so far decide whatever the unanswered ones
        say (core/rules/partial.py): nothing until the warning signs are answered. Conditions
        and medicines not yet answered count as none here, and only here (the safer side):
        any known answer fires every emergency the three-valued logic fires with it unknown,
        and "none" adds those only a diagnosis could explain away (both legs, with no spinal
        stenosis ticked), shown at once rather than after one more question. For everything
        else a blank is not a no: the form asks again."""
        d = getattr(self, "cleaned_data", {})
        if "red_flags" not in d:
            return ()
        return emergencies(
            known_facts(d["red_flags"], d.get("conditions", ()), d.get("medications", ()))
        )


PEG_FIELDS = ("peg_pain", "peg_enjoyment", "peg_activity")


def peg_item(i: int, *, required: bool) -> forms.TypedChoiceField:
    """PEG's question `i` (0-2) as the person answers it: a 0-10 row with its ends in words.
    The person never types a score: the core scores the three (`score_peg`)."""
    text, anchors = PEG_ITEMS[i]
    field = forms.TypedChoiceField(
        label=text,
        choices=NRS,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
    )
    field.anchors = anchors  # type: ignore[attr-defined]  # includes/pain_scale.html
    return field


def _note(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limits.SESSION_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SessionForm(forms.Form):
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    pain_before = forms.TypedChoiceField(
        label="Pain before (0-10)", choices=NRS_OR_BLANK, coerce=int
    )
    pain_after = forms.TypedChoiceField(label="Pain after (0-10)", choices=NRS_OR_BLANK, coerce=int)
    techniques = forms.MultipleChoiceField(
        label="Techniques used", choices=TECHNIQUES, widget=forms.CheckboxSelectMultiple
    )
    pressure = forms.ChoiceField(label="Most pressure used", choices=PRESSURES)
    minutes = forms.IntegerField(
        label="Minutes", min_value=1, max_value=limits.SESSION_MINUTES, required=False
    )
    regions = forms.MultipleChoiceField(
        label="Back regions worked on",
        choices=BODY_REGIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "body-map-input"}),
    )
    side_effects = _checkboxes(SIDE_EFFECTS, "After-effects reported since the last session")
    side_effect_hours = forms.DecimalField(
        label="How many hours they lasted",
        min_value=0,
        max_digits=6,
        decimal_places=1,
        required=False,
    )
    new_red_flags = _checkboxes(RED_FLAG_QUESTIONS, "Warning signs reported at this visit")
    subjective = _note("S: what the client reports")
    objective = _note("O: what you found")
    assessment_note = _note("A: your assessment")
    plan_note = _note("P: the plan")
    # clinical-rules §6a: shown only when the session breaks the assessment.
    override_confirm = forms.BooleanField(
        label="I confirm: record this session although it breaks the assessment", required=False
    )
    override_kind = forms.ChoiceField(
        label="Why it is recorded anyway", choices=[("", "—"), *REASON_KIND], required=False
    )
    override_reason = forms.CharField(
        label="Reason, in your words (10 to 500 characters)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    OVERRIDE_FIELDS = ("override_confirm", "override_kind", "override_reason")
    # The action's names for the confirmation's problems, as this form names its fields.
    OVERRIDE_ERRORS = {
        "confirm": "override_confirm",
        "reason_kind": "override_kind",
        "reason": "override_reason",
    }

    def override(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "confirm": d.get("override_confirm") is True,
            "reason_kind": d.get("override_kind") or None,
            "reason": d.get("override_reason") or None,
        }

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in (
            "pain_before", "pain_after", "techniques", "pressure", "minutes", "regions",
            "side_effects",
            "side_effect_hours", "new_red_flags", "subjective", "objective", "assessment_note",
            "plan_note",
        )}  # fmt: skip


class AmendmentForm(SessionForm):
    reason = forms.CharField(
        label="Why is the session amended?", max_length=limits.AMENDMENT_REASON
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["date"]


class CheckInForm(forms.Form):
    """A client's check-in on their link (clinical-rules §6b): the warning signs first, with
    "None of these" an explicit answer; the cauda equina questions asked again when numbness,
    weakness or leg symptoms are reported. The link asks it in steps (checkin_steps.py)."""

    red_flags = _signs(RED_FLAG_QUESTIONS, "Any of these since your last visit?")
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    pain = forms.TypedChoiceField(
        label="Your back pain right now, 0 (none) to 10 (worst imaginable)",
        choices=NRS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    peg_pain = peg_item(0, required=False)
    peg_enjoyment = peg_item(1, required=False)
    peg_activity = peg_item(2, required=False)
    side_effects = _checkboxes(SIDE_EFFECTS, "After-effects since your last massage")
    side_effect_hours = forms.DecimalField(
        label="How many hours they lasted",
        min_value=0,
        max_digits=6,
        decimal_places=1,
        required=False,
    )
    # §6b: "pain, numbness or weakness in a leg" opens the cauda equina questions. It is asked
    # for that only: the check-in's contract has no field for it, so it is not stored.
    leg_symptoms = forms.BooleanField(label="Pain, numbness or weakness in a leg", required=False)
    cauda_equina = _signs(
        [(c, w) for c, w in RED_FLAG_QUESTIONS if c in cauda_equina_signs()],
        "You told us about numbness, weakness or a leg: do you have any of these?",
        required=False,
    )

    def clean_red_flags(self) -> list[str]:
        return _only_signs(self.cleaned_data["red_flags"])

    def cauda_equina_asked(self) -> bool:
        """Whether the answers open the cauda equina questions (§6b)."""
        d = getattr(self, "cleaned_data", {})
        return bool(d.get("leg_symptoms")) or any(
            t in NEURO_SIDE_EFFECTS for t in d.get("side_effects") or ()
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "red_flags" in cleaned and "cauda_equina" in cleaned:
            extra = _only_signs(cleaned["cauda_equina"])
            if self.cauda_equina_asked() and not cleaned["cauda_equina"]:
                self.add_error(
                    "cauda_equina", "Please answer this too: tick any you have, or none."
                )
            # The follow-up's signs are warning signs like the first question's.
            cleaned["red_flags"] = [
                c for c, _ in RED_FLAG_QUESTIONS if c in cleaned["red_flags"] or c in extra
            ]
        items = [cleaned.get(k) for k in PEG_FIELDS]
        if any(i is not None for i in items) and not all(i is not None for i in items):
            self.add_error("peg_activity", "Answer all three PEG questions, or none of them.")
        return cleaned

    def peg(self) -> Decimal | None:
        from backcare.core.measures.peg import score_peg

        items = [self.cleaned_data.get(k) for k in PEG_FIELDS]
        return None if any(i is None for i in items) else score_peg(items)


class MeasurementForm(forms.Form):
    """Scores the therapist measures between sessions (a check-in recorded by the therapist)."""

    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    pain = forms.TypedChoiceField(label="Pain now (0-10)", choices=NRS_OR_BLANK, coerce=int)
    rmdq = forms.IntegerField(
        label="Roland-Morris score (0-24)", min_value=0, max_value=24, required=False
    )
    odi = forms.DecimalField(
        label="Oswestry score (%)",
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        required=False,
    )
    peg = forms.DecimalField(
        label="PEG score (0-10)",
        min_value=0,
        max_value=10,
        max_digits=3,
        decimal_places=1,
        required=False,
    )


class ClearanceForm(forms.Form):
    rule = forms.ChoiceField(label="Referral rule reviewed")
    date = forms.DateField(label="Date of the review", widget=DATE_WIDGET)
    by = forms.CharField(label="Who cleared it", max_length=200)
    note = forms.CharField(
        label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, firing: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tables = load_tables()
        self.fields["rule"].choices = [
            (rid, f"{rid}: {tables.rule(rid).therapist_text[:80]}")
            for rid in firing
            if rid in clearable_rule_ids()
        ]


def _reviewable_choices() -> list[tuple[str, str]]:
    tables = load_tables()
    return [
        (rid, ALERT_NAME[rid])
        if rid in ALERT_NAME
        else (rid, f"{tables.rule(rid).therapist_text.split('.')[0]} ({rid})")
        for rid in reviewable_ids()
    ]


class ReviewForm(forms.Form):
    """A medical review of what visits raised (contracts §3 `reviews`); the core checks it."""

    date = forms.DateField(label="Date of the review", widget=DATE_WIDGET)
    rules = forms.MultipleChoiceField(
        label="What it reviewed", choices=_reviewable_choices, widget=forms.CheckboxSelectMultiple
    )
    reviewer = forms.CharField(label="Who reviewed (name)", max_length=200)
    role = forms.CharField(label="Their role (e.g. GP, emergency physician)", max_length=100)
    source = forms.ChoiceField(
        label="How the clinic knows", choices=REVIEW_SOURCE, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(label="Outcome", choices=REVIEW_OUTCOME, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Restrictions and details",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def contract_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "date": d["date"],
            "rules": list(d["rules"]),
            "by": d["reviewer"],
            "role": d["role"],
            "source": d["source"],
            "outcome": d["outcome"],
            "note": d["note"],
        }
