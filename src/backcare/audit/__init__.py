"""The audit log. `record(...)` is the only way a row is written."""
