"""One client's record as a FHIR R4 Bundle (type `collection`), for a physician or an EHR.

What goes in, and why:
- Organization (the clinic), Practitioner (the client's therapist and whoever recorded a session)
  and Patient (name, contact, gender from the latest intake; backcare stores an age, not a
  birth date, so none is sent).
- The intake Questionnaire once, and every intake as a QuestionnaireResponse (history kept), each
  with the pain Observation derived from it (LOINC 72514-3), the disability scores measured at
  intake, and a RiskAssessment when STarT Back was answered.
- From the *current* assessment only (earlier ones are superseded; they stay in the JSON export):
  a Flag for every referral reason (red flags: category clinical; contraindications and
  precautions: category safety; cleared ones inactive), a ServiceRequest for the referral, and a
  CarePlan when a plan was made.
- Every session as a Procedure (amendments applied), with its pain before/after Observations,
  an Encounter for how long it lasted (when its minutes were recorded), an AdverseEvent for
  each side effect and a Flag for each new warning sign; every check-in's measurements as
  Observations, with its side effects and warning signs likewise.

Resource ids are name-based UUIDs of the stored rows, so exporting twice gives the same ids and
references resolve inside the Bundle (`urn:uuid:` full URLs).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from backcare.clinic.course import course_document, state_of
from backcare.clinic.models import BODY_REGIONS, Client
from backcare.core.wording import ALERT_NAME, NEXT_STEP, SIDE_EFFECTS, TECHNIQUES
from backcare.core.wording import RED_FLAG_QUESTIONS as RED_FLAGS
from backcare.fhir import codes
from backcare.fhir.questionnaire import intake_questionnaire, intake_response

_NAMESPACE = uuid.UUID("6f1f3c1e-6d0b-4f6e-9a55-2b8c0f5d7a10")  # backcare's, fixed forever
_TECHNIQUE = dict(TECHNIQUES)
_REGION = dict(BODY_REGIONS)
_SIDE_EFFECT = dict(SIDE_EFFECTS)
_RED_FLAG = dict(RED_FLAGS)
_GENDER = {"female": "female", "male": "male", "other": "other", "unspecified": "unknown"}
_PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
_DISPOSITION = {
    "emergency": "Emergency: send to emergency care now; no massage.",
    "urgent_referral": "Urgent referral to a doctor before any massage.",
    "clearance_first": "A doctor's clearance is needed before massage.",
    "proceed_with_precautions": "Massage may proceed, with precautions.",
    "proceed": "Massage may proceed.",
}


class _Builder:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.entries: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def ref(self, kind: str, key: Any) -> str:
        """The Bundle-local reference of a resource (a stable name-based UUID)."""
        name = f"{self.client.clinic_id}/{kind}/{key}"
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"

    def add(self, kind: str, key: Any, resource: dict[str, Any]) -> dict[str, str]:
        full_url = self.ref(kind, key)
        if full_url not in self.seen:
            self.seen.add(full_url)
            resource = {"resourceType": kind, "id": full_url.removeprefix("urn:uuid:"), **resource}
            self.entries.append({"fullUrl": full_url, "resource": resource})
        return {"reference": full_url}


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value  # type: ignore[no-any-return]


def _concept(text: str, system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, "display": display or text}
    return {"coding": [coding], "text": text}


def _finding_text(finding: dict[str, Any]) -> str:
    # The physician reads the therapist's wording where there is one.
    text = finding.get("therapist_text") or finding["text"]
    return f"{text} (rule {finding['rule']}; sources: {', '.join(finding['sources'])})"


def _rule_concept(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "coding": [{"system": codes.RULE, "code": finding["rule"]}],
        "text": finding.get("therapist_text") or finding["text"],
    }


def _user_name(user: Any) -> str:
    therapist = getattr(user, "therapist", None)
    if therapist is not None:
        return str(therapist.display_name)
    return str(user.get_full_name() or user.get_username())


def _category(system: str, code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": system, "code": code, "display": display}]}]


class _ClientBundle(_Builder):
    def build(self) -> dict[str, Any]:
        client = self.client
        self.organization = self.add("Organization", client.clinic_id, {"name": client.clinic.name})
        # The client's therapist's user with its therapist row in one query, not two.
        self.therapist = self.practitioner(
            get_user_model().objects.select_related("therapist").get(therapist=client.therapist_id)
        )
        # Every record with whoever made it and their therapist's name in one query per kind,
        # never one per record (issue 13: the queries do not grow with the course).
        intakes = list(
            client.intakes.select_related("created_by__therapist").order_by("created_at", "id")
        )
        current = intakes[-1] if intakes else None
        self.patient = self.add("Patient", client.pk, self.patient_resource(current))
        # The course from the current intake already read here (one query fewer).
        state = None if current is None else state_of(client, course_document(client, current))
        self.raised_signs: tuple[str, ...] = () if state is None else state.raised_signs
        self.questionnaire = self.add("Questionnaire", "intake-1", intake_questionnaire())
        for entry in intakes:
            self.intake(entry)
        if current is not None:
            self.assessment(current)
        sessions = list(
            client.sessions.select_related("created_by__therapist")
            .prefetch_related("amendments")
            .order_by("number")
        )
        for session in sessions:
            self.session(session)
        for checkin in client.checkins.order_by("date", "id"):
            self.checkin(checkin, sessions)
        if state is not None:
            self.course_alerts(state)
        return {
            "resourceType": "Bundle",
            "id": self.ref("Bundle", client.pk).removeprefix("urn:uuid:"),
            "type": "collection",
            "timestamp": _instant(timezone.now()),
            "entry": self.entries,
        }

    def practitioner(self, user: Any) -> dict[str, str]:
        return self.add("Practitioner", user.pk, {"name": [{"text": _user_name(user)}]})

    def patient_resource(self, current: Any) -> dict[str, Any]:
        client = self.client
        resource: dict[str, Any] = {
            "identifier": [
                {
                    "system": f"{codes.BASE}:clinic:{client.clinic_id}:client",
                    "value": str(client.pk),
                }
            ],
            "name": [{"text": client.full_name}],
        }
        telecom = []
        if client.email:
            telecom.append({"system": "email", "value": client.email})
        if client.phone:
            telecom.append({"system": "phone", "value": client.phone})
        if telecom:
            resource["telecom"] = telecom
        if current is not None:
            resource["gender"] = _GENDER[current.document.get("sex", "unspecified")]
        resource["managingOrganization"] = self.organization
        resource["generalPractitioner"] = [self.therapist]
        return resource

    def observation(
        self,
        key: Any,
        measure: str,
        value: Any,
        when: str,
        *,
        derived_from: dict[str, str] | None = None,
        part_of: dict[str, str] | None = None,
        note: str | None = None,
    ) -> None:
        value = _number(value)
        resource: dict[str, Any] = {
            "status": "final",
            "category": _category(codes.OBSERVATION_CATEGORY, "survey", "Survey"),
            "code": codes.MEASURES[measure],
            "subject": self.patient,
            "effectiveDateTime": when,
        }
        if isinstance(value, int):
            resource["valueInteger"] = value
        else:
            resource["valueQuantity"] = {
                "value": value,
                "unit": codes.UNITS[measure],
                "system": "http://unitsofmeasure.org",
                "code": codes.UNITS[measure],
            }
        if derived_from is not None:
            resource["derivedFrom"] = [derived_from]
        if part_of is not None:
            resource["partOf"] = [part_of]
        if note:
            resource["note"] = [{"text": note}]
        self.add("Observation", key, resource)

    def intake(self, entry: Any) -> None:
        when = _instant(entry.created_at)
        # Filled in by the client (one-time link or self-check), else by the therapist who
        # recorded it (typed in or imported from another system's QuestionnaireResponse).
        by_client = entry.source in ("client_link", "self_check") or entry.created_by is None
        author = self.patient if by_client else self.practitioner(entry.created_by)
        response = intake_response(entry.document, subject=self.patient, authored=when)
        response["author"] = author
        qr = self.add("QuestionnaireResponse", entry.pk, response)
        self.observation(
            f"intake-{entry.pk}-pain",
            "pain",
            entry.document["pain"]["intensity"],
            when,
            derived_from=qr,
        )
        for measure in ("rmdq", "odi", "peg"):
            value = getattr(entry, f"baseline_{measure}")
            if value is not None:
                self.observation(
                    f"intake-{entry.pk}-{measure}", measure, value, when, note="Measured at intake"
                )
        startback = (entry.assessment.get("measures") or {}).get("startback")
        if startback is not None:
            self.add(
                "RiskAssessment",
                entry.pk,
                {
                    "status": "final",
                    "subject": self.patient,
                    "occurrenceDateTime": when,
                    "basis": [qr],
                    "method": {"text": "Keele STarT Back Screening Tool"},
                    "prediction": [
                        {
                            "outcome": {"text": "Persistent disabling back pain"},
                            "qualitativeRisk": {
                                "coding": [
                                    {
                                        "system": codes.RISK_PROBABILITY,
                                        "code": codes.STARTBACK_RISK[startback["risk"]],
                                    }
                                ],
                                "text": f"STarT Back {startback['risk']} risk",
                            },
                        }
                    ],
                    "note": [
                        {
                            "text": f"STarT Back total {startback['total']}/9, psychosocial "
                            f"subscore {startback['psychosocial']}/5."
                        }
                    ],
                },
            )

    def flag(
        self, key: Any, finding: dict[str, Any], when: str, *, active: bool = True
    ) -> dict[str, str]:
        red_flag = finding["rule"].startswith("RF-")
        category = ("clinical", "Clinical") if red_flag else ("safety", "Safety")
        return self.add(
            "Flag",
            key,
            {
                "status": "active" if active else "inactive",
                "category": _category(codes.FLAG_CATEGORY, *category),
                "code": {**_rule_concept(finding), "text": _finding_text(finding)},
                "subject": self.patient,
                "period": {"start": when},
                "author": self.therapist,
            },
        )

    def assessment(self, entry: Any) -> None:
        answer = entry.assessment
        when = _instant(entry.created_at)
        referral = answer.get("referral")
        flags = []
        for finding in (referral or {}).get("reasons", []):
            flags.append(self.flag(f"{entry.pk}-{finding['rule']}", finding, when))
        for finding in answer.get("precautions", []):
            flags.append(self.flag(f"{entry.pk}-{finding['rule']}", finding, when))
        for finding in answer.get("cleared", []):
            self.flag(f"{entry.pk}-{finding['rule']}-cleared", finding, when, active=False)
        if referral is not None:
            self.add(
                "ServiceRequest",
                entry.pk,
                {
                    "status": "active",
                    "intent": "proposal",
                    "priority": _PRIORITY[referral["urgency"]],
                    "code": {"text": "Medical review of back pain before massage therapy"},
                    "subject": self.patient,
                    "authoredOn": when,
                    "requester": self.therapist,
                    "reasonCode": [_rule_concept(f) for f in referral["reasons"]],
                    "note": [
                        {"text": _DISPOSITION[answer["disposition"]]},
                        *({"text": _finding_text(f)} for f in referral["reasons"]),
                    ],
                },
            )
        plan = answer.get("plan")
        if plan is not None:
            self.careplan(entry, answer, plan, when, flags)

    def careplan(
        self,
        entry: Any,
        answer: dict[str, Any],
        plan: dict[str, Any],
        when: str,
        flags: list[dict[str, str]],
    ) -> None:
        fitting = [
            f"{_TECHNIQUE[name]} ({verdict['verdict']})"
            for name, verdict in answer["techniques"].items()
            if verdict["verdict"] != "avoid"
        ]
        avoid = [
            f"{_TECHNIQUE[name]}: " + "; ".join(_finding_text(r) for r in verdict["reasons"])
            for name, verdict in answer["techniques"].items()
            if verdict["verdict"] == "avoid"
        ]
        pressure = answer.get("max_pressure")
        description = (
            f"{plan['planned_sessions']} massage sessions of {plan['session_minutes']} minutes, "
            f"{plan['sessions_per_week']} a week; reassess after "
            f"{plan['reassess_after_sessions']} sessions. Techniques: {', '.join(fitting)}."
            + (f" Most pressure: {pressure}." if pressure else "")
        )
        activities = [
            {
                "detail": {
                    "kind": "Procedure",
                    "code": {"text": f"Massage therapy: {_TECHNIQUE[name]}"},
                    "status": "not-started",
                    "description": "; ".join(_finding_text(r) for r in verdict["reasons"])
                    or verdict["verdict"],
                }
            }
            for name, verdict in answer["techniques"].items()
            if verdict["verdict"] != "avoid"
        ]
        for kind, findings in (
            ("Co-treatment", plan["co_treatments"]),
            ("Self-care", plan["self_care"]),
        ):
            for finding in findings:
                activities.append(
                    {
                        "detail": {
                            "code": _rule_concept(finding),
                            "status": "not-started",
                            "description": f"{kind}: {_finding_text(finding)}",
                        }
                    }
                )
        resource: dict[str, Any] = {
            "status": "active",
            "intent": "plan",
            "title": "Massage therapy for back pain",
            "description": description,
            "subject": self.patient,
            "period": {"start": when},
            "created": when,
            "author": self.therapist,
            "activity": activities,
        }
        if flags:
            resource["supportingInfo"] = flags
        if avoid:
            resource["note"] = [{"text": "Avoid " + text} for text in avoid]
        self.current_plan = (entry.pk, self.add("CarePlan", entry.pk, resource))

    def adverse_events(
        self, key: str, effects: list[str], hours: Any, when: str, suspect: dict[str, str] | None
    ) -> None:
        lasted = "" if hours is None else f" (lasted {_number(hours)} hours)"
        for effect in effects:
            resource: dict[str, Any] = {
                "actuality": "actual",
                "event": _concept(
                    _SIDE_EFFECT.get(effect, effect) + lasted,
                    codes.SIDE_EFFECT,
                    effect,
                    _SIDE_EFFECT.get(effect, effect),
                ),
                "subject": self.patient,
                "date": when,
            }
            if suspect is not None:
                resource["suspectEntity"] = [{"instance": suspect}]
            self.add("AdverseEvent", f"{key}-{effect}", resource)

    def course_alerts(self, state: Any) -> None:
        """The client's state now (core.state): a Flag per alert of the course, with the next
        step it calls for, as every other surface shows it."""
        today = _day(timezone.localdate())
        for alert in state.alerts:
            self.add(
                "Flag",
                f"alert-{alert.rule}",
                {
                    "status": "active",
                    "category": _category(codes.FLAG_CATEGORY, "clinical", "Clinical"),
                    "code": {
                        "coding": [
                            {
                                "system": codes.RULE,
                                "code": alert.rule,
                                "display": ALERT_NAME[alert.rule],
                            }
                        ],
                        "text": f"{ALERT_NAME[alert.rule]} ({NEXT_STEP[alert.next_step]}): "
                        f"{alert.therapist_text}",
                    },
                    "subject": self.patient,
                    "period": {"start": today},
                    "author": self.therapist,
                },
            )

    def warning_signs(self, key: str, names: list[str], when: str) -> None:
        for name in names:
            text = f"New warning sign reported: {_RED_FLAG.get(name, name)}"
            self.add(
                "Flag",
                f"{key}-{name}",
                {
                    # Active while the client's state holds it raised (no review resolved it).
                    "status": "active" if name in self.raised_signs else "inactive",
                    "category": _category(codes.FLAG_CATEGORY, "clinical", "Clinical"),
                    "code": _concept(text, codes.RED_FLAG, name, _RED_FLAG.get(name, name)),
                    "subject": self.patient,
                    "period": {"start": when},
                },
            )

    def session(self, session: Any) -> None:
        values = session.current_values()
        when = _day(session.date)
        names = ", ".join(_TECHNIQUE.get(t, t) for t in values["techniques"])
        notes = [
            f"{label}: {values[field]}"
            for label, field in (
                ("Subjective", "subjective"),
                ("Objective", "objective"),
                ("Assessment", "assessment_note"),
                ("Plan", "plan_note"),
            )
            if values[field]
        ]
        notes.insert(0, f"Most pressure used: {values['pressure']}.")
        if session.signed_at is None:
            notes.append("Not yet signed by the therapist.")
        resource: dict[str, Any] = {
            # A voided session was recorded in error (FHIR's own status for that).
            "status": "entered-in-error" if session.voided_at else "completed",
            "code": {
                "coding": [
                    {"system": codes.TECHNIQUE, "code": t, "display": _TECHNIQUE.get(t, t)}
                    for t in values["techniques"]
                ],
                "text": f"Massage therapy (session {session.number}): {names}",
            },
            "subject": self.patient,
            "performedDateTime": when,
            "performer": [{"actor": self.practitioner(session.created_by)}],
            "note": [{"text": text} for text in notes],
        }
        if values["regions"]:
            resource["bodySite"] = [
                _concept(_REGION.get(r, r), codes.REGION, r) for r in values["regions"]
            ]
        plan = getattr(self, "current_plan", None)
        if plan is not None and plan[0] == session.intake_id:  # the plan the session followed
            resource["basedOn"] = [plan[1]]
        if values["minutes"] is not None:
            resource["encounter"] = self.visit(session, values["minutes"], when)
        procedure = self.add("Procedure", f"session-{session.pk}", resource)
        for moment in ("before", "after"):
            self.observation(
                f"session-{session.pk}-pain-{moment}",
                "pain",
                values[f"pain_{moment}"],
                when,
                part_of=procedure,
                note=f"Pain {moment} massage session {session.number}",
            )
        self.adverse_events(
            f"session-{session.pk}",
            values["side_effects"],
            values["side_effect_hours"],
            when,
            procedure,
        )
        self.warning_signs(f"session-{session.pk}", values["new_red_flags"], when)

    def visit(self, session: Any, minutes: int, when: str) -> dict[str, str]:
        """The session's visit as an Encounter, for how long it lasted (amendments applied).

        R4's Procedure has no duration (only a time or a period, and backcare stores the
        session's day, not its clock times); Encounter.length is R4's standard element for how
        long a visit lasted, a Duration in UCUM minutes, and Procedure.encounter links the two.
        Sent only when the minutes were recorded: an Encounter with no length would say nothing
        the Procedure does not."""
        resource: dict[str, Any] = {
            "status": "entered-in-error" if session.voided_at else "finished",
            "class": codes.ENCOUNTER_CLASS,
            "subject": self.patient,
            "participant": [{"individual": self.practitioner(session.created_by)}],
            "period": {"start": when},
            "length": {"value": minutes, "unit": "min", "system": codes.UCUM, "code": "min"},
        }
        return self.add("Encounter", f"session-{session.pk}", resource)

    def checkin(self, checkin: Any, sessions: list[Any]) -> None:
        when = _day(checkin.date)
        key = f"checkin-{checkin.pk}"
        note = "Reported at a check-in between sessions"
        self.observation(f"{key}-pain", "pain", checkin.pain, when, note=note)
        for measure in ("rmdq", "odi", "peg"):
            value = getattr(checkin, measure)
            if value is not None:
                self.observation(f"{key}-{measure}", measure, value, when, note=note)
        before = [s for s in sessions if s.date <= checkin.date]
        suspect = self.ref("Procedure", f"session-{before[-1].pk}") if before else None
        self.adverse_events(
            key,
            checkin.side_effects,
            checkin.side_effect_hours,
            when,
            None if suspect is None else {"reference": suspect},
        )
        self.warning_signs(key, checkin.red_flags, when)


def client_bundle(client: Client) -> dict[str, Any]:
    """Everything stored about the client as a FHIR R4 `collection` Bundle (plain JSON)."""
    return _ClientBundle(client).build()
