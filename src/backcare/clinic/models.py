"""A client's clinical record: intakes (with their assessments), sessions, check-ins.

The clinical content of an intake is stored as the contract's own JSON (`backcare.intake/1`), and
its assessment as the core's answer (`backcare.assessment/1`) with the rules version: the record
shows exactly what the rules said at the time, and re-assessing after new information adds a
new intake rather than overwriting the old one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast, get_args

from django.conf import settings
from django.db import models
from django.utils import timezone

from backcare.core.vocabulary import Region
from backcare.core.wording import REGIONS, REVIEW_OUTCOME, REVIEW_SOURCE, SIDES
from backcare.lib.one_time import OneTimeToken
from backcare.lib.rows import one_instance

# Back regions a therapist can mark on the body map: the contract's regions (top to bottom),
# left and right, in the wording module's words ("Lower back, left").
BODY_REGIONS = [
    (f"{region}-{side}", f"{dict(REGIONS)[region]}, {side_words}")
    for region in get_args(Region)
    for side, side_words in SIDES
]


class Client(models.Model):
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="clients")
    therapist = models.ForeignKey(
        "accounts.Therapist", on_delete=models.PROTECT, related_name="clients"
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A summary kept up to date by every action that changes the record (see summary.py), so
    # the dashboard can sort a whole caseload by who needs attention without re-running rules.
    attention = models.PositiveSmallIntegerField(default=0, db_index=True)
    attention_reason = models.CharField(max_length=300, blank=True)
    next_step = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=32, blank=True)
    last_contact = models.DateField(null=True, blank=True)
    # The current intake's assessment changed and no therapist has seen what changed yet.
    assessment_changed = models.BooleanField(default=False)
    # Alerts from the client's check-ins that no therapist has acknowledged yet (§6b).
    alerts_to_acknowledge = models.PositiveSmallIntegerField(default=0)
    # The rules version the summary was computed under: `recompute_states` redoes the others.
    state_rules_version = models.CharField(max_length=64, blank=True, db_index=True)
    # The progress figures of that state that outcomes.csv shows (summary.outcome_of): each
    # measure's change as exact decimal text, and the sessions done; None without an intake.
    outcome = models.JSONField(null=True, blank=True)
    # When the plan has the next session due (worklist.next_session_due, the one rule, via
    # worklist.due_of), written with the rest of the summary; None when none is to come. The
    # dashboard's "sessions due" is a range query on it (overdue = before today, at read time).
    next_session_due = models.DateField(null=True, blank=True)
    # One more with every action that changes what the record's pages show, in the action's
    # transaction (summary.save_changed): cached fragments of the record are keyed on it.
    record_version = models.PositiveBigIntegerField(default=0)
    # When the record was erased (actions.erase_client): the row stays, as "Erased client N",
    # for the audit log's rows about it; on PostgreSQL the audit log's words about the client
    # can be deleted only once this is set (audit migration 0003).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["clinic", "full_name"]),
            models.Index(fields=["clinic", "next_session_due"], name="clinic_client_due_idx"),
            # The dashboard (issue 13): "check-in overdue" reads the oldest contacts first and
            # stops at 100; the lists' cache key (views._versions) sums the clinic's
            # record versions from the index alone, without reading the client rows.
            models.Index(fields=["clinic", "last_contact"], name="clinic_client_contact_idx"),
            models.Index(fields=["clinic", "record_version"], name="clinic_client_version_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def current_intake(self) -> IntakeRecord | None:
        """The latest intake: `self.intakes.order_by("-created_at", "-id").first()`, in one
        plain query (lib/rows.py; read at every write and on most pages of a client)."""
        intake = one_instance(
            IntakeRecord, "t.client_id = %s ORDER BY t.created_at DESC, t.id DESC", [self.pk]
        )
        return cast("IntakeRecord | None", intake)


class IntakeRecord(models.Model):
    """One intake as answered, and the assessment the rules gave for it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="intakes")
    document = models.JSONField()  # backcare.intake/1, defaults written out
    assessment = models.JSONField()  # backcare.assessment/1
    rules_version = models.CharField(max_length=64)
    disposition = models.CharField(max_length=32, db_index=True)
    referral_urgency = models.CharField(max_length=16, blank=True)
    # Baseline disability scores measured at intake (outside the intake contract).
    baseline_rmdq = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_odi = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    baseline_peg = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    source = models.CharField(max_length=16, default="therapist")  # or "client_link"
    # What changed from the previous intake's assessment (core.state.assessment_changes), shown
    # on the assessment page and on the dashboard until a therapist has seen it.
    changes = models.JSONField(default=list)
    changes_seen_at = models.DateTimeField(null=True, blank=True)
    # Examination findings carried over from the therapist's latest intake (a client's link).
    findings_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Session(models.Model):
    """A massage session. Once signed it is locked: later changes are dated amendments."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="sessions")
    intake = models.ForeignKey(IntakeRecord, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    date = models.DateField()
    pain_before = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField()
    techniques = models.JSONField(default=list)
    pressure = models.CharField(max_length=8)
    # How long the session lasted (the form starts at the plan's session_minutes). Not part of
    # the course contract (contracts-v1 §3): the clinical rules never read it.
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    regions = models.JSONField(default=list)  # BODY_REGIONS codes
    side_effects = models.JSONField(default=list)
    side_effect_hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    new_red_flags = models.JSONField(default=list)  # names of red flags reported at this visit
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment_note = models.TextField(blank=True)
    plan_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # §6a: a session recorded although it broke the assessment keeps why (not part of the
    # course contract). `safety_override`: recorded over an unresolved emergency.
    override_causes = models.JSONField(default=list)  # the cause kinds that were confirmed
    override_kind = models.CharField(max_length=32, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    safety_override = models.BooleanField(default=False)
    # A voided session (recorded in error) stays in the history but leaves the course.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            # The dashboard's notes to sign (issue 13): only the unsigned sessions, oldest
            # first, so its list and its cache key read the notes still to sign, not every
            # session of the clinic (a sequential scan of 200,000 sessions: 60 ms; this: 1 ms).
            models.Index(
                fields=["date", "created_at", "id"],
                condition=models.Q(signed_at__isnull=True, voided_at__isnull=True),
                name="clinic_session_unsigned_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="one_number_per_client"),
            models.CheckConstraint(
                condition=models.Q(pain_before__lte=10) & models.Q(pain_after__lte=10),
                name="session_pain_0_to_10",
            ),
        ]

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    def current_values(self) -> dict[str, Any]:
        """The session's values with every amendment applied, oldest first."""
        values = {field: getattr(self, field) for field in AMENDABLE_FIELDS}
        # .all() (not .order_by) so that a prefetch is used; sorted here, oldest first.
        for amendment in sorted(self.amendments.all(), key=lambda a: (a.created_at, a.pk)):
            values[amendment.field] = amendment.new_value
        return values


AMENDABLE_FIELDS = (
    "pain_before",
    "pain_after",
    "techniques",
    "pressure",
    "minutes",
    "regions",
    "side_effects",
    "side_effect_hours",
    "new_red_flags",
    "subjective",
    "objective",
    "assessment_note",
    "plan_note",
)


class Amendment(models.Model):
    """A dated change to a signed session; the original value is kept."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="amendments")
    field = models.CharField(max_length=32)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CheckIn(models.Model):
    """Pain, PEG, side effects and warning signs reported between sessions."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="checkins")
    date = models.DateField()
    pain = models.PositiveSmallIntegerField()
    peg = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    rmdq = models.PositiveSmallIntegerField(null=True, blank=True)
    odi = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    side_effects = models.JSONField(default=list)
    side_effect_hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    red_flags = models.JSONField(default=list)
    source = models.CharField(max_length=16, default="client_link")  # or "therapist"
    # What else the client wrote for the therapist on the link (issue 11; not in the contract:
    # words for the therapist, not a fact the rules read). Erased with the check-in.
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]


class MedicalReview(models.Model):
    """A recorded medical review of what visits raised (contracts §3 `reviews`, v1.1)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="reviews")
    date = models.DateField()
    rules = models.JSONField()  # ids, as the contract lists them
    reviewer = models.CharField(max_length=200)  # the contract's `by`
    role = models.CharField(max_length=100)
    source = models.CharField(max_length=24, choices=REVIEW_SOURCE)
    outcome = models.CharField(max_length=24, choices=REVIEW_OUTCOME)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def to_contract(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "rules": list(self.rules),
            "by": self.reviewer,
            "role": self.role,
            "source": self.source,
            "outcome": self.outcome,
            "note": self.note,
        }


class ClinicAlert(models.Model):
    """An alert a client's check-in raised (clinical-rules §6b): the clinic is told at once,
    and a therapist must acknowledge it; unacknowledged ones are escalated to the admins.
    Acknowledging does not resolve the alert itself: a medical review does."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="clinic_alerts")
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.PROTECT, related_name="clinic_alerts", null=True
    )
    rule = models.CharField(max_length=32)
    next_step = models.CharField(max_length=16)  # emergency or see_doctor
    when = models.CharField(max_length=16)  # how soon the client must act: now, today, ...
    text = models.CharField(max_length=500)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalations = models.PositiveIntegerField(default=0)
    last_escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "next_step"])]


class ClientLink(OneTimeToken, models.Model):
    """A one-time link for a client: fill the intake before the first visit, or check in.

    Only a hash of the token is stored; the link is shown once, expires, and works once.
    """

    PURPOSES = [("intake", "Fill in the intake"), ("checkin", "Check in between sessions")]

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="links")
    purpose = models.CharField(max_length=16, choices=PURPOSES)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    LIFETIME = timedelta(days=7)  # how long a new link works (the dead-end page says so)

    @staticmethod
    def default_expiry() -> Any:
        return timezone.now() + ClientLink.LIFETIME

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class SelfCheckReceipt(models.Model):
    """A self-check send that was received: its one-time number (a hash of it), so that the same
    send posted again creates nothing (actions.receive_self_check). Nothing about the person:
    the number is random. Kept a little longer than a self-check's answers stay valid."""

    nonce_hash = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
