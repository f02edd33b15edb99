"""An append-only audit log: who did what to which client's record, and when.

Rows are written only by `backcare.audit.record` inside the same transaction as the change they
describe (see backcare.clinic.actions), and never updated or deleted: the model refuses it, and
on PostgreSQL a trigger refuses it too (migration 0002).
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")
