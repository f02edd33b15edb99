"""`backcare assess --batch FILE.jsonl`: one answer per input line, in order, in constant memory.

A bad line becomes an error record (`backcare.error/1`) on its own output line and the command
exits 2 at the end; a progress bar is drawn on stderr only when stderr is a terminal.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

from backcare.cli.common import EXIT_INVALID, EXIT_OK, UsageError

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _lines(path: str) -> tuple[Iterator[bytes], int | None]:
    if path == "-":
        return iter(sys.stdin.buffer), None
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed when the process ends; streamed line by line
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    return iter(f), os.fstat(f.fileno()).st_size


class _ProgressBar:
    """A one-line progress indicator on stderr, only when stderr is a terminal."""

    def __init__(self, total_bytes: int | None) -> None:
        self.enabled = sys.stderr.isatty()
        self.total = total_bytes
        self.next_draw = 0.0

    def update(self, lines: int, done_bytes: int, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now < self.next_draw:
            return
        self.next_draw = now + 0.2
        if self.total:
            share = min(done_bytes / self.total, 1.0)
            bar = "#" * int(share * 30)
            text = f"\r[{bar:<30}] {share:6.1%}  {lines:,} intakes"
        else:
            text = f"\r{lines:,} intakes"
        sys.stderr.write(text + ("\n" if final else ""))
        sys.stderr.flush()


_CHUNK = 32  # answers written at a time (about 0.7 MB): one join and one write per chunk


def assess_batch(path: str) -> int:
    """One answer per input line, in order, in constant memory; bad lines become error records."""
    from functools import partial

    from pydantic_core import from_json

    from backcare.core.accelerator import batch_answerer
    from backcare.core.jsontext import InvalidInput
    from backcare.core.vocabulary import ERROR_SCHEMA

    # The parser `intake_from_text` uses for text without escapes (pydantic's), NaN refused.
    answer = batch_answerer(partial(from_json, allow_inf_nan=False))
    lines, size = _lines(path)
    bar = _ProgressBar(size)
    write = sys.stdout.buffer.write
    invalid = 0
    done_bytes = 0
    number = 0
    pending: list[bytes] = []
    add = pending.append
    try:
        for number, raw in enumerate(lines, 1):
            done_bytes += len(raw)
            try:
                if raw.isspace():  # a file's lines are never empty
                    raise InvalidInput([_blank_line()])
                add(answer(raw))
            except InvalidInput as exc:
                invalid += 1
                add(
                    _encode(
                        {
                            "schema": ERROR_SCHEMA,
                            "line": number,
                            "errors": [p.to_json() for p in exc.problems],
                        }
                    ).encode()
                )
            if number % _CHUNK == 0:
                pending.append(b"")  # for the last line's newline
                write(b"\n".join(pending))
                pending.clear()
                if number % 1024 == 0:
                    bar.update(number, done_bytes)
    finally:
        # Every answer made so far is written, even if a later line failed.
        if pending:
            pending.append(b"")
            write(b"\n".join(pending))
    bar.update(number, done_bytes, final=True)
    sys.stdout.flush()
    if invalid:
        sys.stderr.write(f"backcare: {invalid} of {number} lines were invalid\n")
        return EXIT_INVALID
    return EXIT_OK


def _blank_line() -> Any:
    from backcare.core.jsontext import Problem

    return Problem("", "is an empty line; each line must be one intake JSON object")
