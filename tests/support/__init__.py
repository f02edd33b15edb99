"""Shared test helpers: example cases, intake builders and Hypothesis strategies."""
