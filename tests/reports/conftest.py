"""Fixtures of the report tests: the shared world lives in support/world.py."""

from support.world import world  # noqa: F401 - a fixture
