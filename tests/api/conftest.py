"""Fixtures of the API tests: the shared world (support/world.py) plus tokens."""

from support.world import world  # noqa: F401 - a fixture
