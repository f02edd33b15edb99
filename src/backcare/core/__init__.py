"""The clinical core: pure Python, no framework, no I/O beyond its own shipped data files.

Everything else in backcare (CLI, web app, API, FHIR, reports) calls this package and never
re-implements a rule.
"""
