"""Django's SQLite backend with writers queued on an OS file lock (see base.py)."""
