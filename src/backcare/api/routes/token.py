"""The token a request is made with: its name, access, expiry and last use (issue 12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from backcare.api.common import AUTH

router = Router(tags=["token"])


class TokenOut(Schema):
    name: str
    prefix: str  # the token's first characters, as the API tokens page shows them
    can_write: bool
    created_at: datetime
    expires_at: datetime  # it answers 401 from then on; make a new one on the API tokens page
    last_used_at: datetime | None  # this request's use included


@router.get(
    "/token",
    response={200: TokenOut, **AUTH},
    summary="The token you are using: its access, when it expires and when it was last used",
)
def token(request: HttpRequest) -> Any:
    used = request.auth  # type: ignore[attr-defined]  # TokenAuth's ApiToken
    used.refresh_from_db(fields=["last_used_at"])
    return used
