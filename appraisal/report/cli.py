"""The ``appraisal report`` command, and ``report.html`` in every run's outputs.

Importing this module (``appraisal.cli`` does, through its front-end list) registers:

- ``appraisal report CASE -o report.html [--force] [--template-dir DIR]`` in
  :data:`appraisal.cli.COMMANDS`: appraise the case and write its business-case
  report. Invalid input exits with status 1, every problem printed and nothing
  written; an existing file is refused without ``--force``.
- :func:`write_report_output` in :data:`appraisal.io.outputs.OUTPUT_WRITERS`, so
  ``appraisal run`` and ``appraisal demo`` also write ``report.html`` beside
  ``results.json``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from appraisal.cli import COMMANDS
from appraisal.errors import AppraisalError, AppraisalValidationError
from appraisal.io.outputs import OUTPUT_WRITERS

__all__ = ["REPORT_NAME", "write_report_output"]

#: File name of the report in a run's output folder.
REPORT_NAME = "report.html"


def _command_line() -> str | None:
    """The ``appraisal`` command being run (program name without its folder), if any."""
    argv = list(sys.argv)
    program = Path(argv[0]) if argv else Path()
    if program.name != "appraisal" and program.parts[-2:] != ("appraisal", "__main__.py"):
        return None  # called from Python (a notebook, a test): there is no command line
    return shlex.join(["appraisal", *argv[1:]])


def write_report_output(result: Any, stage: Path) -> list[str]:
    """Write ``report.html`` for ``result`` into the staging folder of a run.

    Registered in :data:`appraisal.io.outputs.OUTPUT_WRITERS`; the folder is moved into
    place only when every output succeeded.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from appraisal import evaluate, example_path, load_case
    >>> result = evaluate(load_case(example_path("minimal")))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     names = write_report_output(result, Path(tmp))
    ...     size = (Path(tmp) / names[0]).stat().st_size
    >>> names, size > 10_000
    (['report.html'], True)
    """
    from appraisal.report.context import report_context
    from appraisal.report.render import render_report

    html = render_report(report_context(result, command=_command_line()))
    (Path(stage) / REPORT_NAME).write_text(html, encoding="utf-8")
    return [REPORT_NAME]


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case file (.yaml or .xlsx)")
    parser.add_argument("--out", "-o", required=True, help="the HTML file to write")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--template-dir", help="folder of templates that override the "
                        "bundled ones, file by file (e.g. only report.css)")


def _report(args: argparse.Namespace) -> int:
    from appraisal.io.load import load_case
    from appraisal.pipeline import evaluate
    from appraisal.report.context import report_context
    from appraisal.report.render import write_report

    out = Path(args.out)
    try:
        if out.exists() and not args.force:
            from appraisal.errors import OutputError

            msg = f"{str(out)!r} already exists; pass --force to replace it"
            raise OutputError(msg)
        if Path(args.case).resolve() == out.resolve():
            from appraisal.errors import OutputError

            msg = f"refusing to write the report over the case file {args.case!r}"
            raise OutputError(msg)
        result = evaluate(load_case(args.case), lenses="all")
        command = _command_line() or shlex.join(
            ["appraisal", "report", str(args.case), "-o", str(out)]
            + (["--force"] if args.force else [])
            + (["--template-dir", str(args.template_dir)] if args.template_dir else []))
        context = report_context(result, command=command)
        write_report(context, out, template_dir=args.template_dir, force=args.force)
    except AppraisalError as exc:
        print(str(exc), file=sys.stderr)
        if isinstance(exc, AppraisalValidationError):
            print("Nothing was written.", file=sys.stderr)
        return 1
    print(f"Report written to {out} (preferred option: {result.preferred_option})")
    return 0


COMMANDS["report"] = ("appraise a case and write its HTML business-case report",
                      _add_arguments, _report)
if write_report_output not in OUTPUT_WRITERS:
    OUTPUT_WRITERS.append(write_report_output)
