"""What every `backcare` command shares: the exit statuses, the usage error, reading an input
file, reporting an invalid document, and whether to colour the output.

Standard library only: the `backcare` command imports this module on every run.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2


class UsageError(Exception):
    """Bad command-line use or an unreadable file: exit 2 with a message."""


def use_colour(stream: IO[str]) -> bool:
    """Colour only for a terminal, and never with NO_COLOR set or TERM=dumb."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def read_document(path: str) -> str:
    """The text of the file at `path` (`-` for standard input); UsageError when unreadable."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def report_invalid(where: str, problems: list[Any]) -> int:
    """One stderr line per problem (with its path), then a summary; returns EXIT_INVALID."""
    for p in problems:
        sys.stderr.write(f"backcare: {where}: {p.path or '(document)'}: {p.message}\n")
    sys.stderr.write(f"backcare: {where}: invalid ({len(problems)} problem(s)); nothing assessed\n")
    return EXIT_INVALID
