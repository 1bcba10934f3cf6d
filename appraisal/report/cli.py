"""The ``appraisal report`` command, and ``report.html`` in every run's outputs.

- ``appraisal report CASE -o report.html [--force] [--template-dir DIR]`` (listed in
  :data:`appraisal.cli.COMMANDS`, which imports this module when the command runs):
  appraise the case and write its business-case report. Invalid input exits with
  status 1, every problem printed and nothing written; an existing file is refused
  without ``--force``.
- Importing this module registers :func:`write_report_output` in
  :data:`appraisal.io.outputs.OUTPUT_WRITERS`, so ``appraisal run`` and ``appraisal demo``
  (which import it) also write ``report.html`` beside ``results.json``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

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
        from appraisal.io.atomic import check_destination

        check_destination(out, force=args.force, protect=[args.case])  # before the work
        result = evaluate(load_case(args.case), lenses="all")
        command = _command_line() or shlex.join(
            ["appraisal", "report", str(args.case), "-o", str(out)]
            + (["--force"] if args.force else [])
            + (["--template-dir", str(args.template_dir)] if args.template_dir else []))
        context = report_context(result, command=command)
        write_report(context, out, template_dir=args.template_dir, force=args.force,
                     protect=[args.case])
    except AppraisalError as exc:
        print(str(exc), file=sys.stderr)
        if isinstance(exc, AppraisalValidationError):
            print("Nothing was written.", file=sys.stderr)
        return 1
    print(f"Report written to {out} (preferred option: {result.preferred_option})")
    return 0


if write_report_output not in OUTPUT_WRITERS:
    OUTPUT_WRITERS.append(write_report_output)
