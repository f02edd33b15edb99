"""Test configuration shared by every test folder."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Bounded, repeatable property runs in CI; a longer local run with HYPOTHESIS_PROFILE=thorough.
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure() -> None:
    """With a shared Redis (scripts/with-redis) and pytest-xdist, each worker gets a Redis
    database of its own (gw0 the 1st, gw1 the 2nd, ...): ids repeat between the workers' test
    databases, so a fragment one worker cached must not answer another, and one worker's
    cache.clear() must not empty another's counters."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("BACKCARE_CACHE_URL", "")
    if not (url and worker.startswith("gw") and worker[2:].isdigit()):
        return
    from urllib.parse import urlsplit, urlunsplit

    own = urlunsplit(urlsplit(url)._replace(path=f"/{int(worker[2:]) + 1}"))
    os.environ["BACKCARE_CACHE_URL"] = own  # for the servers a test starts
    from django.conf import settings as django_settings

    if django_settings.configured:
        from django.core.cache import caches

        django_settings.CACHES["default"]["LOCATION"] = own
        caches.__dict__.pop("settings", None)  # read again on first use


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (database ids repeat between tests)."""
    from django.conf import settings as django_settings

    if django_settings.configured:
        from django.core.cache import cache

        cache.clear()
