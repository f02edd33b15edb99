"""The `backcare` command.

    backcare assess FILE|- [--format text|json]
    backcare assess --batch FILE.jsonl|- [--format jsonl]
    backcare progress FILE|- [--format text|json]
    backcare rules [--format text|markdown|json]
    backcare schema intake|assessment|course|progress
    backcare demo
    backcare manage COMMAND ...
    backcare serve [--bind ADDRESS:PORT] [--workers N] [--no-migrate] [--insecure-dev]
    backcare fhir questionnaire|intake|export|import ...
    backcare backup FILE | backcare restore FILE [--replace]

Exit status: 0 success, 2 invalid input (or usage), 1 internal error. Errors go to stderr, one
line per problem with its path; no tracebacks (set BACKCARE_DEBUG=1 to see one).

This package is the whole command line. Here: `main` and `build_parser` (every command and its
options; `fhir`'s subcommands are registered by fhir.py's `add_parser`). The commands:

    commands.py  assess, progress, rules, schema, demo: the pure clinical core
    batch.py     assess --batch: JSON Lines in, JSON Lines out, in constant memory
    web.py       manage, serve: the Django web app
    fhir.py      fhir questionnaire|intake|export|import
    backup.py    backup, restore: the web app's database (SQLite or PostgreSQL)

What they print: text.py (an assessment or progress as text), rulesdoc.py (the rule tables for
clinical review), demo.py (the walk-through of the public example cases). What they share (exit
statuses, UsageError, reading a file, reporting invalid input, colour): common.py. No module
imports this package's __init__, and none imports another's private names.

Start-up matters: everything heavier than the standard library (the core, Django, pydantic) is
imported inside the command that needs it, so `backcare assess FILE` imports neither Django nor
pydantic (benchmarks/assess_batch.py --startup-only measures it).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from backcare import __version__
from backcare.cli.backup import add_parsers as add_backup_parsers
from backcare.cli.commands import cmd_assess, cmd_demo, cmd_progress, cmd_rules, cmd_schema
from backcare.cli.common import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, UsageError
from backcare.cli.fhir import add_parser as add_fhir_parser
from backcare.cli.web import cmd_manage, cmd_serve


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
        "environment variables (see backcare.web.settings); development settings are refused "
        "unless --insecure-dev is given.",
    )
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default %(default)s)")
    p.add_argument("--no-migrate", dest="migrate", action="store_false", help="skip migrations")
    p.add_argument(
        "--insecure-dev",
        action="store_true",
        help="serve with development settings (debug pages, a published secret key): only on "
        "a machine of your own, never with real records",
    )
    p.set_defaults(func=cmd_serve)

    add_fhir_parser(sub)
    add_backup_parsers(sub)

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
