"""The commands over the pure clinical core: assess, progress, rules, schema and demo.

Start-up matters (`backcare assess FILE` is run once per intake by scripts): each command imports
the core, and the module that renders its answer (text.py, rulesdoc.py, demo.py, batch.py), only
when it runs. `backcare assess` uses the core's fast path, which imports no pydantic unless the
intake needs the exact path (see core/accelerator/).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from backcare.cli.common import (
    EXIT_OK,
    UsageError,
    read_document,
    report_invalid,
    use_colour,
)


def cmd_assess(args: argparse.Namespace) -> int:
    # No pydantic unless the intake needs the exact path (see core/accelerator).
    from backcare.core.accelerator import assess_text
    from backcare.core.jsontext import InvalidInput

    if args.batch is not None:
        if args.file is not None:
            raise UsageError("give either FILE or --batch FILE.jsonl, not both")
        if args.format not in (None, "jsonl"):
            raise UsageError("--batch writes JSON Lines: use --format jsonl (or leave it out)")
        from backcare.cli.batch import assess_batch

        return assess_batch(args.batch)
    if args.file is None:
        raise UsageError("which intake? give FILE, or - for standard input")
    if args.format == "jsonl":
        raise UsageError("--format jsonl is for --batch; use text or json")
    where = "standard input" if args.file == "-" else args.file
    try:
        result = assess_text(read_document(args.file))
    except InvalidInput as exc:
        return report_invalid(where, exc.problems)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from backcare.cli.text import assessment_text

        sys.stdout.write(assessment_text(result, colour=use_colour(sys.stdout)))
    return EXIT_OK


def cmd_progress(args: argparse.Namespace) -> int:
    from backcare.core.progress import progress
    from backcare.core.validation import InvalidInput, course_from_text

    where = "standard input" if args.file == "-" else args.file
    try:
        course = course_from_text(read_document(args.file))
    except InvalidInput as exc:
        return report_invalid(where, exc.problems)
    result = progress(course)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from backcare.cli.text import progress_text

        sys.stdout.write(progress_text(result, colour=use_colour(sys.stdout)))
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from backcare.cli.rulesdoc import rules_json, rules_markdown, rules_text

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


def cmd_demo(args: argparse.Namespace) -> int:
    from backcare.cli.demo import run_demo

    return run_demo(sys.stdout, colour=use_colour(sys.stdout))
