"""The `backcare` command.

    backcare assess FILE|- [--format text|json]
    backcare assess --batch FILE.jsonl|- [--format jsonl]
    backcare progress FILE|- [--format text|json]
    backcare rules [--format text|markdown|json]
    backcare schema intake|assessment|course|progress
    backcare demo
    backcare fhir questionnaire|intake|export|import ...

Exit status: 0 success, 2 invalid input (or usage), 1 internal error. Errors go to stderr, one
line per problem with its path; no tracebacks (set BACKCARE_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any, NoReturn

from backcare import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class UsageError(Exception):
    """Bad command-line use or an unreadable file: exit 2 with a message."""


def _colour(stream: IO[str]) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _read_document(path: str) -> str:
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


def _report_invalid(where: str, problems: list[Any]) -> int:
    for p in problems:
        sys.stderr.write(f"backcare: {where}: {p.path or '(document)'}: {p.message}\n")
    sys.stderr.write(f"backcare: {where}: invalid ({len(problems)} problem(s)); nothing assessed\n")
    return EXIT_INVALID


def cmd_assess(args: argparse.Namespace) -> int:
    # The fast path imports no pydantic unless the intake needs the exact path (see fastintake).
    from backcare.core.fastintake import assess_text
    from backcare.core.jsontext import InvalidInput

    if args.batch is not None:
        if args.file is not None:
            raise UsageError("give either FILE or --batch FILE.jsonl, not both")
        if args.format not in (None, "jsonl"):
            raise UsageError("--batch writes JSON Lines: use --format jsonl (or leave it out)")
        return _assess_batch(args.batch)
    if args.file is None:
        raise UsageError("which intake? give FILE, or - for standard input")
    if args.format == "jsonl":
        raise UsageError("--format jsonl is for --batch; use text or json")
    where = "standard input" if args.file == "-" else args.file
    try:
        result = assess_text(_read_document(args.file))
    except InvalidInput as exc:
        return _report_invalid(where, exc.problems)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from backcare.textreport import assessment_text

        sys.stdout.write(assessment_text(result, colour=_colour(sys.stdout)))
    return EXIT_OK


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


def _assess_batch(path: str) -> int:
    """One answer per input line, in order, in constant memory; bad lines become error records."""
    from functools import partial

    from pydantic_core import from_json

    from backcare.core.fastintake import answer_line
    from backcare.core.jsontext import InvalidInput
    from backcare.core.vocabulary import ERROR_SCHEMA

    # The parser `intake_from_text` uses for text without escapes (pydantic's), NaN refused.
    parse = partial(from_json, allow_inf_nan=False)
    lines, size = _lines(path)
    bar = _ProgressBar(size)
    write = sys.stdout.buffer.write
    invalid = 0
    done_bytes = 0
    number = 0
    pending: list[str] = []
    add = pending.append
    try:
        for number, raw in enumerate(lines, 1):
            done_bytes += len(raw)
            try:
                if not raw.strip():
                    raise InvalidInput([_blank_line()])
                add(answer_line(raw, parse))
            except InvalidInput as exc:
                invalid += 1
                add(
                    _encode(
                        {
                            "schema": ERROR_SCHEMA,
                            "line": number,
                            "errors": [p.to_json() for p in exc.problems],
                        }
                    )
                )
            if number % _CHUNK == 0:
                pending.append("")  # for the last line's newline
                write("\n".join(pending).encode("utf-8"))
                pending.clear()
                if number % 1024 == 0:
                    bar.update(number, done_bytes)
    finally:
        # Every answer made so far is written, even if a later line failed.
        if pending:
            pending.append("")
            write("\n".join(pending).encode("utf-8"))
    bar.update(number, done_bytes, final=True)
    sys.stdout.flush()
    if invalid:
        sys.stderr.write(f"backcare: {invalid} of {number} lines were invalid\n")
        return EXIT_INVALID
    return EXIT_OK


def _blank_line() -> Any:
    from backcare.core.jsontext import Problem

    return Problem("", "is an empty line; each line must be one intake JSON object")


def cmd_progress(args: argparse.Namespace) -> int:
    from backcare.core.progress import progress
    from backcare.core.validation import InvalidInput, course_from_text

    where = "standard input" if args.file == "-" else args.file
    try:
        course = course_from_text(_read_document(args.file))
    except InvalidInput as exc:
        return _report_invalid(where, exc.problems)
    result = progress(course)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from backcare.textreport import progress_text

        sys.stdout.write(progress_text(result, colour=_colour(sys.stdout)))
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from backcare.rulesdoc import rules_json, rules_markdown, rules_text

    render: dict[str, Callable[[], str]] = {
        "text": rules_text,
        "markdown": rules_markdown,
        "json": lambda: json.dumps(rules_json(), ensure_ascii=False, indent=2) + "\n",
    }
    sys.stdout.write(render[args.format]())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from backcare.core.schemas import json_schema

    sys.stdout.write(json.dumps(json_schema(args.document), indent=2) + "\n")
    return EXIT_OK


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["backcare manage", *argv])
    return EXIT_OK


def cmd_manage(args: argparse.Namespace) -> int:
    return _django(args.args)


def cmd_serve(args: argparse.Namespace) -> int:
    """A production server: migrate, collect static files, then gunicorn."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.web.settings")
    if args.migrate:
        _django(["migrate", "--no-input"])
        # After a rules upgrade, no client's summary stays as the older rules left it.
        _django(["recompute_states"])
    _django(["collectstatic", "--no-input", "--verbosity", "0"])
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [
        gunicorn,
        "backcare.web.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
    ]
    os.execv(gunicorn, argv)
    return EXIT_INTERNAL  # not reached


def cmd_demo(args: argparse.Namespace) -> int:
    from backcare.demo import run_demo

    return run_demo(sys.stdout, colour=_colour(sys.stdout))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"backcare: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="backcare",
        description="Evidence-based decision support for massage therapy for back pain.",
        epilog="Exit status: 0 success, 2 invalid input, 1 internal error. "
        "Decision support for trained therapists, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"backcare {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "assess",
        help="assess an intake (backcare.intake/1)",
        description="Assess one intake, or a JSON Lines file of intakes with --batch.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="intake JSON file, or - for stdin")
    p.add_argument("--batch", metavar="FILE.jsonl", help="one intake per line (- for stdin)")
    p.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default=None,
        help="text (default) or json for one intake; jsonl for --batch",
    )
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser(
        "progress",
        help="evaluate a course of treatment (backcare.course/1)",
        description="Evaluate progress over a course of treatment.",
    )
    p.add_argument("file", metavar="FILE", help="course JSON file, or - for stdin")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser(
        "rules",
        help="print the rule tables for clinical review",
        description="Print every rule with its condition, effect, texts and sources.",
    )
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of a contract document",
        description="Print JSON Schema generated from the models.",
    )
    p.add_argument("document", choices=("intake", "assessment", "course", "progress"))
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "manage",
        help="run a Django management command for the web app (migrate, demo_clinic, ...)",
        description="Run a Django management command with backcare's settings.",
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="the command and its options")
    p.set_defaults(func=cmd_manage)

    p = sub.add_parser(
        "serve",
        help="run the web app on a production server (gunicorn)",
        description="Migrate, collect static files and serve with gunicorn. Configure with "
        "environment variables (see backcare.web.settings).",
    )
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default %(default)s)")
    p.add_argument("--no-migrate", dest="migrate", action="store_false", help="skip migrations")
    p.set_defaults(func=cmd_serve)

    from backcare.fhir.cli import add_parser as add_fhir_parser

    add_fhir_parser(sub)

    p = sub.add_parser(
        "demo",
        help="walk through the public example cases",
        description="Assess every public example case and show what backcare answers.",
    )
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "assess" and args.format is None and args.batch is None:
        args.format = "text"
    try:
        code: int = args.func(args)
        return code
    except UsageError as exc:
        sys.stderr.write(f"backcare: {exc}\n")
        return EXIT_INVALID
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("backcare: interrupted\n")
        return 130
    except Exception as exc:
        if type(exc).__name__ != "ImproperlyConfigured":
            return _internal_error(exc)
        # A setting is wrong (an environment variable): the user can fix it; not a bug.
        sys.stderr.write(f"backcare: configuration error: {exc}\n")
        return EXIT_INVALID


def _internal_error(exc: Exception) -> int:
    """The last line of defence: no tracebacks for users (BACKCARE_DEBUG=1 shows one)."""
    if os.environ.get("BACKCARE_DEBUG"):
        raise exc
    sys.stderr.write(
        f"backcare: internal error: {type(exc).__name__}: {exc}\n"
        "backcare: this is a bug; please report it (set BACKCARE_DEBUG=1 for details)\n"
    )
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
