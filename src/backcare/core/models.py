"""The input documents of contracts-v1.md as frozen pydantic models.

`backcare.intake/1` and `backcare.course/1` are public interfaces, so every name, enum value,
range and default below is spelled exactly as in the contract. The models are strict where the
contract is: an unknown key is an error (extra="forbid"), a bool is not a number, a number is not
a string. Lists are stored as tuples so that a validated document is immutable and hashable.

Use `backcare.core.validation` to turn raw JSON into these models: it collects every error with
its path and a plain-language reason.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

# The tables module imports no model (it names the intake's facts itself), so this makes no
# cycle: the validators below ask the tables which rules a clearance or a review may name.
from backcare.core.rules.tables import clearable_rule_ids, reviewable_ids
from backcare.core.vocabulary import (
    Condition,
    Medication,
    Onset,
    Pressure,
    Radiation,
    Region,
    ReviewOutcome,
    ReviewSource,
    Sex,
    SideEffect,
    Technique,
)

T = TypeVar("T")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(value: Any) -> date:
    # The contract says `YYYY-MM-DD`: no timestamps, no times, no other formats.
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_value", "is not a real calendar date") from None


def problems(found: list[tuple[str, str]]) -> PydanticCustomError:
    """One error carrying several (sub-path, message) problems.

    A pydantic validator can raise only one error, but a person fixing a document wants every
    problem, each at its own path; `backcare.core.validation` expands these.
    """
    return PydanticCustomError(
        "backcare_problems", "; ".join(m for _, m in found), {"problems": found}
    )


def _no_duplicates(items: tuple[T, ...]) -> tuple[T, ...]:
    if len(set(items)) != len(items):
        first: dict[T, int] = {}
        found = []
        for i, item in enumerate(items):
            if item in first:
                found.append((f"[{i}]", f"repeats {item!r} (already given at [{first[item]}])"))
            else:
                first[item] = i
        raise problems(found)
    return items


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


Date = Annotated[date, BeforeValidator(_parse_date)]
# A JSON number that is not a bool; ints stay ints so that values "as written" survive.
Number = StrictInt | StrictFloat
NonNegative = Annotated[Number, Field(ge=0)]
Score0to10 = Annotated[StrictInt, Field(ge=0, le=10)]


class _Document(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        validate_by_alias=True,
    )


class Pregnancy(_Document):
    pregnant: StrictBool = False
    weeks: Annotated[StrictInt, Field(ge=1, le=45)] | None = None
    high_risk: StrictBool = False

    @model_validator(mode="after")
    def _pregnancy_is_consistent(self) -> Self:
        # Weeks or a high-risk note without a pregnancy is a contradiction the therapist must
        # resolve; guessing either way could hide a contraindication.
        if not self.pregnant:
            found = []
            if self.weeks is not None:
                found.append(("weeks", "is given but pregnancy.pregnant is false"))
            if self.high_risk:
                found.append(("high_risk", "is true but pregnancy.pregnant is false"))
            if found:
                raise problems(found)
        return self


class Pain(_Document):
    intensity: Score0to10
    duration_weeks: NonNegative
    regions: Annotated[tuple[Region, ...], Field(min_length=1), AfterValidator(_no_duplicates)]
    onset: Onset = "gradual"
    radiation: Radiation = "none"
    night_pain_unrelieved: StrictBool = False
    wakes_second_half_of_night: StrictBool = False
    better_with_movement: StrictBool = False
    eased_by_nsaids_within_48h: StrictBool = False


class Findings(_Document):
    muscle_tension: StrictBool = False
    trigger_points: StrictBool = False
    fascial_restriction: StrictBool = False


class RedFlags(_Document):
    """Each flag means *new or present in this episode*."""

    saddle_numbness: StrictBool = False
    new_bladder_dysfunction: StrictBool = False
    new_bowel_incontinence: StrictBool = False
    bilateral_leg_symptoms: StrictBool = False
    progressive_leg_weakness: StrictBool = False
    fever: StrictBool = False
    unexplained_weight_loss: StrictBool = False
    history_of_cancer: StrictBool = False
    significant_trauma: StrictBool = False
    iv_drug_use: StrictBool = False
    immunosuppression: StrictBool = False
    recent_infection: StrictBool = False
    pulsating_abdominal_mass: StrictBool = False
    chest_pain: StrictBool = False
    calf_pain_swelling: StrictBool = False

    def raised(self) -> tuple[str, ...]:
        """The names of the flags that are set, in contract order (the fields' own order in
        `__dict__`; iterating the model itself costs several times more, at every write)."""
        return tuple(name for name, value in self.__dict__.items() if value)


class History(_Document):
    family_spondyloarthritis: StrictBool = False
    arthritis_enthesitis_or_psoriasis: StrictBool = False


class Recent(_Document):
    surgery_weeks_ago: NonNegative | None = None
    injury_hours_ago: NonNegative | None = None


def _clearable(rule: str) -> str:
    if rule not in clearable_rule_ids():
        raise PydanticCustomError(
            "not_clearable",
            "{rule} is not a rule a doctor's note can clear: only non-emergency referral rules "
            "(other than RF-FEVER) and contraindication (CI-) rules can be cleared",
            {"rule": rule},
        )
    return rule


class Clearance(_Document):
    """A doctor's documented review of one referral rule (clinical-rules-v1 §3a)."""

    rule: Annotated[StrictStr, AfterValidator(_clearable)]
    date: Date
    by: Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
    note: Annotated[StrictStr, Field(max_length=2000)] = ""


def _one_clearance_per_rule(items: tuple[Clearance, ...]) -> tuple[Clearance, ...]:
    try:
        _no_duplicates(tuple(c.rule for c in items))
    except PydanticCustomError as exc:
        found = (exc.context or {})["problems"]
        raise problems([(f"{at}.rule", "clears the same rule twice") for at, _ in found]) from None
    return items


class Preferences(_Document):
    pressure: Pressure | None = None


def _startback_items(answers: tuple[int, ...]) -> tuple[int, ...]:
    # Items 1-8 are agree/disagree (0/1); item 9 ("bothersomeness") has five answers (0-4).
    bad = [
        (f"[{i}]", f"item {i + 1} must be {'0 to 4' if i == 8 else '0 or 1'} (got {a})")
        for i, a in enumerate(answers)
        if not (0 <= a <= (4 if i == 8 else 1))
    ]
    if bad:
        raise problems(bad)
    return answers


class Intake(_Document):
    """`backcare.intake/1`: what the client reports at intake."""

    schema_: Literal["backcare.intake/1"] = Field(alias="schema")
    age: Annotated[StrictInt, Field(ge=0, le=120)]
    sex: Sex = "unspecified"
    pregnancy: Pregnancy = Pregnancy()
    pain: Pain
    findings: Findings = Findings()
    red_flags: RedFlags = RedFlags()
    conditions: Annotated[tuple[Condition, ...], AfterValidator(_no_duplicates)] = ()
    medications: Annotated[tuple[Medication, ...], AfterValidator(_no_duplicates)] = ()
    history: History = History()
    recent: Recent = Recent()
    clearances: Annotated[tuple[Clearance, ...], AfterValidator(_one_clearance_per_rule)] = ()
    preferences: Preferences = Preferences()
    startback: (
        Annotated[
            tuple[StrictInt, ...],
            Field(min_length=9, max_length=9),
            AfterValidator(_startback_items),
        ]
        | None
    ) = None

    def to_json(self) -> dict[str, Any]:
        """The document as contract JSON, with every default written out."""
        return self.model_dump(mode="json", by_alias=True)


class Baseline(_Document):
    pain: Score0to10
    rmdq: Annotated[StrictInt, Field(ge=0, le=24)] | None = None
    odi: Annotated[Number, Field(ge=0, le=100)] | None = None
    peg: Annotated[Number, Field(ge=0, le=10)] | None = None


class Session(_Document):
    """One massage session as recorded (accepted even if it broke the plan: it happened)."""

    number: Annotated[StrictInt, Field(ge=1)]
    date: Date
    pain_before: Score0to10
    pain_after: Score0to10
    techniques: Annotated[
        tuple[Technique, ...], Field(min_length=1), AfterValidator(_no_duplicates)
    ]
    pressure: Pressure
    side_effects: Annotated[tuple[SideEffect, ...], AfterValidator(_no_duplicates)] = ()
    side_effect_hours: NonNegative | None = None
    new_red_flags: RedFlags = RedFlags()


class Followup(_Document):
    """A client's check-in between sessions: measurements and, since v1.1, what they report
    (side effects and warning signs mean what they mean for a session)."""

    date: Date
    pain: Score0to10
    rmdq: Annotated[StrictInt, Field(ge=0, le=24)] | None = None
    odi: Annotated[Number, Field(ge=0, le=100)] | None = None
    peg: Annotated[Number, Field(ge=0, le=10)] | None = None
    side_effects: Annotated[tuple[SideEffect, ...], AfterValidator(_no_duplicates)] = ()
    side_effect_hours: NonNegative | None = None
    new_red_flags: RedFlags = RedFlags()


def _reviewable(rules: tuple[str, ...]) -> tuple[str, ...]:
    allowed = reviewable_ids()
    bad = [
        (
            f"[{i}]",
            f"{rule!r} is not something a medical review resolves: name a referral rule that "
            "reads a warning sign (clinical-rules §6), AL-NEURO-SYMPTOMS or AL-FEVER",
        )
        for i, rule in enumerate(rules)
        if rule not in allowed
    ]
    if bad:
        raise problems(bad)
    return _no_duplicates(rules)


class Review(_Document):
    """A recorded medical review of what visits raised (clinical-rules §6, v1.1)."""

    date: Date
    rules: Annotated[tuple[StrictStr, ...], Field(min_length=1), AfterValidator(_reviewable)]
    by: Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
    role: Annotated[StrictStr, Field(min_length=1, max_length=100), AfterValidator(_not_blank)]
    source: ReviewSource
    outcome: ReviewOutcome
    note: Annotated[StrictStr, Field(max_length=2000)] = ""


def _sessions_in_order(sessions: tuple[Session, ...]) -> tuple[Session, ...]:
    found = []
    for i in range(1, len(sessions)):
        before, this = sessions[i - 1], sessions[i]
        if this.number <= before.number:
            found.append(
                (
                    f"[{i}].number",
                    f"must be greater than the previous session's number ({before.number})",
                )
            )
        if this.date < before.date:
            found.append(
                (f"[{i}].date", f"is earlier than the previous session's date ({before.date})")
            )
    if found:
        raise problems(found)
    return sessions


class Course(_Document):
    """`backcare.course/1`: a course of treatment so far."""

    schema_: Literal["backcare.course/1"] = Field(alias="schema")
    intake: Intake
    baseline: Baseline
    sessions: Annotated[tuple[Session, ...], AfterValidator(_sessions_in_order)] = ()
    followups: tuple[Followup, ...] = ()
    reviews: tuple[Review, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
