"""Exports and reports built from a client's stored record (CSV, JSON; FHIR and PDF to come)."""
