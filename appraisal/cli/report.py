"""The ``appraisal report`` command.

``appraisal report CASE -o report.html [--force] [--template-dir DIR]`` (listed in
:data:`appraisal.cli.commands.COMMANDS`, which imports this module when the command runs):
appraise the case and write its business-case report. Invalid input exits with status 1,
every problem printed and nothing written; an existing file is refused without
``--force``. ``appraisal run`` writes the same report into its output folder
(:func:`appraisal.outputs.files.write_outputs`), with the command line from
:func:`command_line`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from appraisal.cli.failure import fail, read_case
from appraisal.errors import AppraisalError, OutputError

__all__ = ["command_line"]


def command_line() -> str | None:
    """The ``appraisal`` command being run (program name without its folder), if any."""
    argv = list(sys.argv)
    program = Path(argv[0]) if argv else Path()
    if program.name != "appraisal" and program.parts[-2:] != ("appraisal", "__main__.py"):
        return None  # called from Python (a notebook, a test): there is no command line
    return shlex.join(["appraisal", *argv[1:]])


def _report(args: argparse.Namespace) -> int:
    from appraisal.inputs.load import in_input_words
    from appraisal.lenses.pipeline import evaluate
    from appraisal.outputs.report.context import report_context
    from appraisal.outputs.report.render import write_report

    out = Path(args.out)
    try:
        if out.exists() and not args.force:
            msg = f"{str(out)!r} already exists; pass --force to replace it"
            raise OutputError(msg)
        if Path(args.case).resolve() == out.resolve():
            msg = f"refusing to write the report over the case file {args.case!r}"
            raise OutputError(msg)
        from appraisal.outputs.atomic import check_destination

        check_destination(out, force=args.force, protect=[args.case])  # before the work
        case = read_case(args.case)
        with in_input_words(args.case):
            result = evaluate(case, lenses="all")
        command = command_line() or shlex.join(
            ["appraisal", "report", str(args.case), "-o", str(out)]
            + (["--force"] if args.force else [])
            + (["--template-dir", str(args.template_dir)] if args.template_dir else []))
        context = report_context(result, command=command)
        write_report(context, out, template_dir=args.template_dir, force=args.force,
                     protect=[args.case])
    except AppraisalError as exc:
        return fail(exc)
    print(f"Report written to {out} (preferred option: {result.preferred_option})")
    return 0

