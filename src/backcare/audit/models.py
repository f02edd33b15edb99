"""An append-only audit log: who did what to which client's record, and when.

Rows are written only by `backcare.audit.log.record` inside the same transaction as the change
they describe (see backcare.clinic.actions), and never updated or deleted: the model refuses it,
and on PostgreSQL a trigger refuses it too (migrations 0002 and 0003), and the app's database
role has no right to (README, "Deployment").

What a row says about a client in words (their name in the actor's label, a free-text reason)
is kept apart, in `AuditText`, which erasing the client deletes: the row itself keeps who did
what and when to client number N (docs/decisions/0010-erasure-and-the-audit-log.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit row."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    # Who, in words, also for actors without an account (a client using a one-time link).
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=64)  # e.g. "client.view", "session.sign"
    clinic = models.ForeignKey("accounts.Clinic", null=True, on_delete=models.PROTECT)
    client = models.ForeignKey("clinic.Client", null=True, on_delete=models.PROTECT)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # The audit page reads a clinic's rows (or one client's, or one action's) newest first
        # by keyset, `(at, id) < (cursor's)`: each index serves one of those walks, read
        # backwards (clinic/audit_page.py).
        indexes = [
            models.Index(fields=["clinic", "at", "id"], name="audit_clinic_at"),
            models.Index(fields=["client", "at", "id"], name="audit_client_at"),
            models.Index(fields=["clinic", "action", "at", "id"], name="audit_clinic_action_at"),
            # The filters that a walk by time serves badly when few rows match (issue 13, at a
            # million rows): a person is also the object of rows about their account (110 ms
            # to 6 ms for a person with few rows), and a read kind is a prefix of the action
            # (`export.%`: 60 ms to 0.7 ms with PostgreSQL's pattern operator class; other
            # databases ignore opclasses).
            models.Index(
                fields=["object_id"], condition=models.Q(object_type="User"), name="audit_user"
            ),
            models.Index(
                fields=["clinic", "action"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="audit_clinic_action_prefix",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")

    def _text(self) -> AuditText | None:
        try:
            return self.text  # type: ignore[no-any-return]
        except AuditText.DoesNotExist:
            return None

    @property
    def label(self) -> str:
        """Who, in words: with the client's name while the client is not erased."""
        text = self._text()
        return text.actor_label if text is not None and text.actor_label else self.actor_label

    @property
    def full_detail(self) -> dict[str, Any]:
        """The row's detail with its free text while the client is not erased."""
        text = self._text()
        return {**self.detail, **(text.detail if text is not None else {})}


class AuditText(models.Model):
    """What one audit row says about its client in words: the actor's label when it names the
    client (a client on their one-time link, a public self-check) and free text (a reason).

    Written with its row by `record`, never updated, and deleted only by erasing the client
    (`backcare.audit.log.forget_client`); on PostgreSQL a trigger refuses any other change
    (migration 0003)."""

    event = models.OneToOneField(
        AuditEvent, primary_key=True, on_delete=models.PROTECT, related_name="text"
    )
    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit texts are never updated")
        super().save(*args, **kwargs)
