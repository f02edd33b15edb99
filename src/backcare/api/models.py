"""Personal API tokens: stored hashed, shown once, read-only or read-write, expiring,
revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# How long a new token works, in days: chosen when it is made (issue 12: 90 by default). There is
# no "never": a forgotten token in a script stops by itself.
EXPIRY_DAYS = (7, 30, 90, 180, 365)
DEFAULT_EXPIRY_DAYS = 90


def default_expiry() -> datetime:
    return timezone.now() + timedelta(days=DEFAULT_EXPIRY_DAYS)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so a token can be recognised
    token_hash = models.CharField(max_length=64, unique=True)
    can_write = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=default_expiry)

    class Meta:
        ordering = ["-created_at"]

    @property
    def usable(self) -> bool:
        """Neither revoked nor expired (the account's own state is checked at each request)."""
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return "bc_" + secrets.token_urlsafe(32)


class IdempotencyKey(models.Model):
    """The first answer to an API POST sent with an `Idempotency-Key` header (api/idempotency.py),
    kept for a day so that a retry of the same request is answered the same and writes nothing.
    A key belongs to the user who sent it: another user's same key is another key. Written in the
    transaction of the change it answers, so neither is ever kept without the other."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    # What was asked: a hash of the method, the path and the body (a key sent again with another
    # request is refused, not answered with the first request's result).
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
