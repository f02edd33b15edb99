"""One-time links (a client's intake or check-in link, a colleague's invitation): the link
carries a random token, and only its hash is stored, so a copy of the database opens no link."""

from __future__ import annotations

import hashlib
import secrets


class OneTimeToken:
    """Mixed into the model of a one-time link."""

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
