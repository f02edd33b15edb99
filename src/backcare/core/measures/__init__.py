"""Questionnaire scoring, one module per instrument."""
