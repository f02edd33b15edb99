"""The JSON API (/api/v1): the same core, the same access rules, personal API tokens."""
