"""Creating a personal API token: the one way, for the web page and the `create_token` command;
revoking one, or every token of an account (when it is deactivated); and the one check of a
presented token, made at every request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from backcare.accounts.models import Clinic, Therapist
from backcare.api.models import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS, ApiToken
from backcare.audit.log import record
from backcare.clinic import access
from backcare.lib.rows import columns, joined_instances


@transaction.atomic
def create_token(
    *, by: Any, name: str, can_write: bool, days: int = DEFAULT_EXPIRY_DAYS, **detail: Any
) -> tuple[ApiToken, str]:
    """A token for the therapist `by`, working for `days` (one of EXPIRY_DAYS), audited in the
    same transaction. Only its hash is kept: the token itself is returned once, here. `detail`
    goes into the audit row."""
    therapist = access.therapist_of(by)
    if days not in EXPIRY_DAYS:
        raise ValueError(f"a token works for one of {EXPIRY_DAYS} days, not {days}")
    token = ApiToken.new_token()
    made = ApiToken.objects.create(
        user=by,
        name=name,
        prefix=token[:10],
        token_hash=ApiToken.hash(token),
        can_write=can_write,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        actor=by,
        action="api_token.create",
        clinic=therapist.clinic,
        obj=made,
        expires_at=made.expires_at.isoformat(),
        **detail,
    )
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


def revoke_all(user: Any) -> int:
    """Revoke every token of `user` that is not revoked yet (expired ones too); how many. Called
    inside the action that deactivates the account, whose audit row counts them: the tokens stay
    revoked if the account is made active again (the safer choice: new tokens are made then)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("revoke_all runs inside the transaction of the deactivation")
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_in_force(presented: str, *, writing: bool) -> ApiToken | None:
    """The token presented with a request, if it may be used for it now: not revoked, not
    expired, its account active and still a therapist of a clinic, and, for a change, a
    read-write token. Checked at every request, so a deactivated account or a revoked or
    expired token stops at once; what the account may reach is then checked by `access`
    (a demoted admin's token can no longer erase a client, for example)."""
    found = _in_force(ApiToken.hash(presented), timezone.now())
    if found is None:  # none such, or its account is not a therapist's any more
        return None
    if writing and not found.can_write:
        return None  # a read-only token cannot change anything
    return found


def _in_force(token_hash: str, now: Any) -> ApiToken | None:
    """The token with `token_hash`, not revoked, not expired, of an active account that is a
    therapist of a clinic, with its user, therapist and clinic: what
    `ApiToken.objects.select_related("user__therapist__clinic").filter(...)` gives, in one
    plain query (it runs at every API request; tests/api/test_tokens.py compares the two)."""
    user_model = get_user_model()
    made = joined_instances(
        f"SELECT {columns(ApiToken, 't')}, {columns(user_model, 'u')}, "
        f"{columns(Therapist, 'th')}, {columns(Clinic, 'c')} "
        f"FROM {ApiToken._meta.db_table} t "
        f"JOIN {user_model._meta.db_table} u ON u.id = t.user_id "
        f"JOIN {Therapist._meta.db_table} th ON th.user_id = u.id "
        f"JOIN {Clinic._meta.db_table} c ON c.id = th.clinic_id "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s "
        "AND u.is_active",
        [token_hash, now],
        [ApiToken, user_model, Therapist, Clinic],
    )
    if made is None:
        return None
    token, user, therapist, clinic = made
    therapist.clinic = clinic
    user.therapist = therapist
    token.user = user
    return cast(ApiToken, token)
