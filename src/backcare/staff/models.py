"""An invitation to join a clinic: a one-time link an admin sends to a new therapist."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from backcare.lib.one_time import OneTimeToken

# How long an invitation link works: three days, shorter than a client's link (seven), because
# whoever holds it makes an account in the clinic.
INVITATION_HOURS = 72


class Invitation(OneTimeToken, models.Model):
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    display_name = models.CharField(max_length=200)  # as Therapist.display_name
    token_hash = models.CharField(max_length=64, unique=True)  # the link itself is never kept
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The therapist who joined by it.
    therapist = models.OneToOneField(
        "accounts.Therapist",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitation",
    )

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def default_expiry() -> datetime:
        return timezone.now() + timedelta(hours=INVITATION_HOURS)

    @property
    def usable(self) -> bool:
        return (
            self.used_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
        )
