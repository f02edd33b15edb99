"""Rule tables (data/*.toml), their loader and the safe condition language."""
