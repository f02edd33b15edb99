"""Creating a personal API token: the one way, for the web page and the `create_token` command."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from backcare.api.models import ApiToken
from backcare.audit.log import record
from backcare.clinic import access


@transaction.atomic
def create_token(*, by: Any, name: str, can_write: bool, **detail: Any) -> tuple[ApiToken, str]:
    """A token for the therapist `by`, audited in the same transaction. Only its hash is kept:
    the token itself is returned once, here. `detail` goes into the audit row."""
    therapist = access.therapist_of(by)
    token = ApiToken.new_token()
    made = ApiToken.objects.create(
        user=by,
        name=name,
        prefix=token[:10],
        token_hash=ApiToken.hash(token),
        can_write=can_write,
    )
    record(actor=by, action="api_token.create", clinic=therapist.clinic, obj=made, **detail)
    return made, token


@transaction.atomic
def revoke_token(*, by: Any, token: ApiToken) -> None:
    """Revoke one of `by`'s own tokens (audited); revoking twice changes nothing more."""
    therapist = access.therapist_of(by)
    revoked = ApiToken.objects.filter(pk=token.pk, user=by, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(actor=by, action="api_token.revoke", clinic=therapist.clinic, obj=token)
