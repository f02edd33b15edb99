"""Fixtures of the security tests: the shared world (support/world.py)."""

from support.world import world  # noqa: F401 - a fixture
