"""The client's network address: one answer for the sign-in lockout (django-axes'
`AXES_CLIENT_IP_CALLABLE`), the sign-in audit rows and the self-check's rate limit.

Behind reverse proxies the connection comes from the nearest proxy, and each proxy appends the
address it saw to `X-Forwarded-For`. Only the last `BACKCARE_TRUSTED_PROXIES` entries were
written by proxies we trust; anything left of them came from the client and may be made up. So
with N trusted proxies the client is the N-th entry from the right, and with none the header is
ignored: a client could otherwise send a new address with every guess at a password.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def client_address(request: HttpRequest) -> str:
    """The address of the client who sent `request`, as the nearest trusted proxy saw it; the
    connection's own address when no proxy is trusted, or when the header is shorter than the
    proxies configured or names no valid address (a misconfiguration: fail towards the proxy's
    address, which locks more, not towards one the client chose)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or UNKNOWN
    proxies = getattr(settings, "BACKCARE_TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote


def _valid(text: str) -> str | None:
    """The address in its usual written form, or None if `text` is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
