"""Helpers of the API tests: a personal token for a user, and one call to /api/v1."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client as Browser

from backcare.api.models import ApiToken


def token_for(user: Any, *, write: bool = True, revoked: bool = False) -> str:
    from django.utils import timezone

    token = ApiToken.new_token()
    ApiToken.objects.create(
        user=user,
        name="test",
        prefix=token[:10],
        token_hash=ApiToken.hash(token),
        can_write=write,
        revoked_at=timezone.now() if revoked else None,
    )
    return token


def call(method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    browser = Browser()
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    return getattr(browser, method)(
        f"/api/v1{path}", data=data, content_type="application/json", **headers
    )
