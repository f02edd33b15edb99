"""Small helpers shared by every app (one layer above the clinical core, below every app): no
model, no view, no import of any backcare app."""
