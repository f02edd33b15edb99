"""The public self-check and learn pages: no account, nothing stored."""
