"""A seeded caseload for an existing clinic, for demos and load tests
(`backcare manage seed_clinic`): realistic records that are valid through the core.

Each client gets a varied intake (backcare.examples.synthetic), recorded by `actions.create_client`
and `actions.record_intake`, so the core makes its assessment. A client whose assessment allows
massage then gets weekly sessions within its pressure limit, with techniques it does not mark
"avoid", pain trending down with noise (a few clients do not respond), most sessions signed, and
about one check-in for every two sessions; a client referred gets none.

Sessions and check-ins are bulk-created, one transaction per batch of clients, but each is
checked as the actions check it: its fields by `actions.check_session_fields` and
`actions.followup_contract`, the §6a causes of a session (`core.state.session_check`) and the
§6b alerts of a check-in (`core.state.checkin_advice`) on the course as it stood, kept as the
actions keep them (a check-in's alerts as ClinicAlert rows for the clinic to acknowledge). Every
session is marked as recorded after the fact, with a reason saying it is seeded data, so that no
one mistakes it for live notes. The audit rows of what was written are bulk-created in the same
transaction, with the actions' names and the therapist as actor; they hold codes only (the
seeded reason is on each session). Then each client's state is computed once
(`summary.refresh`).

Deterministic: the same clinic setup, arguments and seed give the same records (each client
draws from a generator seeded by the seed and the client's number, whatever the batch size).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backcare.accounts.models import Clinic, Therapist
from backcare.audit.models import AuditEvent
from backcare.clinic import actions
from backcare.clinic.course import baseline_of
from backcare.clinic.models import CheckIn, Client, ClinicAlert, Session
from backcare.clinic.summary import refresh
from backcare.core.assessment import assess
from backcare.core.models import Course
from backcare.core.progress import progress
from backcare.core.results import Assessment
from backcare.core.state import ClientState, checkin_advice, override_problems, session_check
from backcare.core.validation import parse_course, parse_intake
from backcare.core.vocabulary import PRESSURE_ORDER, TECHNIQUES
from backcare.examples.synthetic import synthetic_intake

SEEDED_KIND = "recorded_after_the_fact"
SEEDED_REASON = "Seeded data (backcare manage seed_clinic), not live clinical notes."

FIRST_NAMES = (
    "Ada", "Amara", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kemi", "Luca", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sami", "Tariq", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "Aoife", "Bongani", "Carmen", "Dmitri", "Elif",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Berg", "Costa", "Duarte", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
    "Jensen", "Kim", "Lovelace", "Martin", "Novak", "Okafor", "Patel", "Quinn", "Rossi", "Silva",
    "Tanaka", "Umar", "Varga", "Walsh", "Xu", "Yilmaz", "Zhang", "O'Brien", "Nguyen", "Mensah",
)  # fmt: skip
SUBJECTIVE = (
    "Seeded: a little easier this week.",
    "Seeded: stiff in the mornings.",
    "Seeded: sat at a desk most of the week.",
    "Seeded: slept better.",
    "Seeded: sore after gardening.",
)
# After-effects a session may leave, with how often (most sessions leave none).
AFTER_EFFECTS = (("soreness", 0.15), ("bruising", 0.02), ("dizziness", 0.01))
# A warning sign reported at a visit, rarely (it raises an alert the clinic must act on).
VISIT_RED_FLAGS = ("fever", "calf_pain_swelling", "unexplained_weight_loss")


@dataclass
class Seeded:
    """What a run wrote."""

    clients: int = 0
    referred: int = 0  # clients whose assessment allows no massage: no sessions
    sessions: int = 0
    checkins: int = 0
    alerts: int = 0
    audit_rows: int = 0


@dataclass
class _Batch:
    """The rows of one batch of clients, bulk-created together."""

    sessions: list[Session] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    # For each check-in (same order): the alerts it raised, as (rule, next_step, when, text).
    advice: list[list[tuple[str, str, str, str]]] = field(default_factory=list)
    courses: list[Client] = field(default_factory=list)  # the clients given a course


def seed_clinic(
    *,
    clinic: Clinic,
    clients: int,
    sessions_per_client: int,
    seed: int,
    today: date,
    batch: int = 200,
    done: Callable[[int], None] | None = None,
) -> Seeded:
    """Add `clients` seeded clients to `clinic`, shared by its therapists in turn (by id).
    `done(n)` is called after each batch with the number of clients seeded so far."""
    therapists = list(clinic.therapists.select_related("user").order_by("id"))
    if not therapists:
        raise ValueError("the clinic has no therapists to share the clients")
    seeded = Seeded()
    for first in range(0, clients, batch):
        with transaction.atomic():
            rows = _Batch()
            for number in range(first, min(first + batch, clients)):
                therapist = therapists[number % len(therapists)]
                rng = random.Random(f"backcare-seed/{seed}/{number}")
                _client(rng, therapist, sessions_per_client, today, rows, seeded)
            _write(rows, seeded)
        if done is not None:
            done(min(first + batch, clients))
    return seeded


def _baselines(rng: random.Random) -> dict[str, Any]:
    """Disability scores measured at intake, for some clients (Roland-Morris, Oswestry, PEG)."""
    return {
        "baseline_rmdq": rng.randint(3, 20) if rng.random() < 0.5 else None,
        "baseline_odi": Decimal(rng.randint(10, 60)) if rng.random() < 0.3 else None,
        "baseline_peg": Decimal(rng.randint(20, 90)) / 10 if rng.random() < 0.3 else None,
    }


def _client(
    rng: random.Random,
    therapist: Therapist,
    count: int,
    today: date,
    rows: _Batch,
    seeded: Seeded,
) -> None:
    by = therapist.user
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    client = actions.create_client(by=by, therapist=therapist, full_name=name)
    baselines = _baselines(rng)
    entry = actions.record_intake(
        by=by, client=client, intake=parse_intake(synthetic_intake(rng)), **baselines
    )
    seeded.clients += 1
    limit = entry.assessment["max_pressure"]
    verdicts = entry.assessment["techniques"]
    usable: list[str] = [t for t in TECHNIQUES if verdicts[t]["verdict"] != "avoid"]
    if limit is None or not usable or count == 0:
        seeded.referred += 1
        return
    # The course so far: the intake alone (as course_document would read it back).
    course = parse_course(
        {"schema": "backcare.course/1", "intake": entry.document, "baseline": baseline_of(entry)}
    )
    _Course(rng, client, entry, course, baselines, today).walk(count, limit, usable, rows)
    rows.courses.append(client)


class _Course:
    """One client's seeded course, walked in date order: each visit is checked against the
    course as it stood before it (as the actions check it), then added to it."""

    def __init__(
        self,
        rng: random.Random,
        client: Client,
        entry: Any,
        course: Course,
        baselines: dict[str, Any],
        today: date,
    ) -> None:
        self.rng, self.client, self.entry, self.course = rng, client, entry, course
        self.baselines = baselines
        self.today = today
        self.assessment: Assessment = assess(course.intake)
        self.pain0 = course.baseline.pain
        # How much this client's pain eases over the course: a few do not respond.
        self.response = rng.uniform(-0.1, 0.1) if rng.random() < 0.15 else rng.uniform(0.2, 0.7)

    def _trend(self, share: float, start: float) -> float:
        return start * (1 - self.response * share) + self.rng.gauss(0, 0.7)

    def walk(self, count: int, limit: str, usable: list[str], rows: _Batch) -> None:
        rng = self.rng
        first = self.today - timedelta(days=7 * count + rng.randint(0, 28))
        pressures = [p for p in PRESSURE_ORDER if PRESSURE_ORDER[p] <= PRESSURE_ORDER[limit]]
        usual = rng.choice(pressures)
        verdicts = self.entry.assessment["techniques"]
        recommended = [t for t in usable if verdicts[t]["verdict"] == "recommended"] or usable
        techniques = rng.sample(recommended, min(len(recommended), rng.choice((1, 1, 2))))
        regions = [
            f"{region}-{side}"
            for region in self.course.intake.pain.regions
            for side in ("left", "right")
        ]
        gaps = set(rng.sample(range(count - 1), min(count // 2, count - 1))) if count > 1 else set()
        for n in range(1, count + 1):
            day = first + timedelta(days=7 * (n - 1))
            pressure = usual if rng.random() < 0.8 else rng.choice(pressures)
            self._session(n, day, count, pressure, techniques, regions, rows)
            if n - 1 in gaps:
                self._checkin(day + timedelta(days=rng.randint(2, 5)), n / count, rows)

    def _effects(self) -> tuple[list[str], Decimal | None]:
        effects = [name for name, chance in AFTER_EFFECTS if self.rng.random() < chance]
        hours = Decimal(self.rng.choice((6, 12, 24, 36))) if effects else None
        return effects, hours

    def _session(
        self,
        n: int,
        day: date,
        count: int,
        pressure: str,
        techniques: list[str],
        regions: list[str],
        rows: _Batch,
    ) -> None:
        rng, by = self.rng, self.client.therapist.user
        before = max(0, min(10, round(self._trend(n / count, self.pain0))))
        effects, hours = self._effects()
        values: dict[str, Any] = {
            "pain_before": before,
            "pain_after": max(0, before - rng.choice((0, 1, 1, 2))),
            "techniques": list(techniques),
            "pressure": pressure,
            "regions": list(regions),
            "side_effects": effects,
            "side_effect_hours": hours,
            "new_red_flags": [rng.choice(VISIT_RED_FLAGS)] if rng.random() < 0.003 else [],
            "subjective": rng.choice(SUBJECTIVE),
        }
        contract = actions.check_session_fields(values, n, day)
        # §6a on the course as it stood: the causes this session is confirmed over. The state
        # is the core's two answers (session_check reads its assessment and alerts); the
        # assessment is made once per client rather than once per visit.
        state = ClientState(self.assessment, progress(self.course, self.assessment))
        causes = session_check(state, pressure=pressure, techniques=tuple(techniques))
        problems = override_problems(
            causes, confirm=True, reason_kind=SEEDED_KIND, reason=SEEDED_REASON
        )
        assert not problems, problems  # after the fact confirms every cause
        signed = n < count or rng.random() < 0.7  # the latest is sometimes not signed yet
        rows.sessions.append(
            Session(
                client=self.client,
                intake=self.entry,
                number=n,
                date=day,
                created_by=by,
                signed_at=timezone.now() if signed else None,
                signed_by=by if signed else None,
                override_causes=[c.kind for c in causes],
                override_kind=SEEDED_KIND,
                override_reason=SEEDED_REASON,
                safety_override=any(c.safety_override for c in causes),
                **values,
            )
        )
        self.course = self.course.model_copy(update={"sessions": (*self.course.sessions, contract)})

    def _checkin(self, day: date, share: float, rows: _Batch) -> None:
        rng = self.rng
        effects, hours = self._effects()
        values: dict[str, Any] = {
            "date": day,
            "pain": max(0, min(10, round(self._trend(share, self.pain0)))),
            "side_effects": effects,
            "side_effect_hours": hours,
            "red_flags": [],
        }
        for name, top, step in (("rmdq", 24, 1), ("odi", 100, 1), ("peg", 10, Decimal("0.1"))):
            base = self.baselines[f"baseline_{name}"]
            if base is not None and rng.random() < 0.7:
                value = max(0, min(top, round(self._trend(share, float(base)) / float(step))))
                values[name] = value if name == "rmdq" else Decimal(value) * step
        followup = actions.followup_contract(values)
        advice = checkin_advice(self.course, followup)
        rows.checkins.append(
            CheckIn(
                client=self.client,
                date=day,
                pain=values["pain"],
                peg=values.get("peg"),
                rmdq=values.get("rmdq"),
                odi=values.get("odi"),
                side_effects=list(followup.side_effects),
                side_effect_hours=hours,
                red_flags=list(followup.new_red_flags.raised()),
                source="therapist",
            )
        )
        rows.advice.append(
            [(a.alert.rule, a.alert.next_step, a.when, a.alert.text[:500]) for a in advice]
        )
        self.course = self.course.model_copy(
            update={"followups": (*self.course.followups, followup)}
        )


def _audit(action: str, client: Client, obj: Any, **detail: Any) -> AuditEvent:
    """The audit row an action writes for `obj` (codes only; the therapist as actor)."""
    therapist = client.therapist
    return AuditEvent(
        actor=therapist.user,
        actor_label=therapist.display_name,
        action=action,
        clinic_id=client.clinic_id,
        client=client,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        detail=detail,
    )


def _write(rows: _Batch, seeded: Seeded) -> None:
    """Bulk-create the batch's sessions, check-ins, alerts and audit rows, then compute each
    client's state once. Inside the batch's transaction."""
    Session.objects.bulk_create(rows.sessions)
    CheckIn.objects.bulk_create(rows.checkins)
    alerts = [
        ClinicAlert(
            client=checkin.client,
            checkin=checkin,
            rule=rule,
            next_step=next_step,
            when=when,
            text=text,
        )
        for checkin, raised in zip(rows.checkins, rows.advice, strict=True)
        for rule, next_step, when, text in raised
    ]
    ClinicAlert.objects.bulk_create(alerts)
    audit = []
    for s in rows.sessions:
        audit.append(
            _audit(
                "session.create",
                s.client,
                s,
                number=s.number,
                override=s.override_causes,
                override_kind=s.override_kind,
                safety_override=s.safety_override,
            )
        )
        if s.signed:
            audit.append(_audit("session.sign", s.client, s))
    audit += [_audit("checkin.create", c.client, c) for c in rows.checkins]
    audit += [
        _audit("alert.raise", a.client, a, rule=a.rule, next_step=a.next_step) for a in alerts
    ]
    AuditEvent.objects.bulk_create(audit)
    for client in rows.courses:  # a referred client's state is as record_intake left it
        refresh(client)
    seeded.sessions += len(rows.sessions)
    seeded.checkins += len(rows.checkins)
    seeded.alerts += len(alerts)
    seeded.audit_rows += len(audit)
