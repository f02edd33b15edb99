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


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (database ids repeat between tests)."""
    from django.conf import settings as django_settings

    if django_settings.configured:
        from django.core.cache import cache

        cache.clear()
