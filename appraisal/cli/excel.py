"""Command-line commands of the Excel front end (listed in :data:`appraisal.cli.commands.COMMANDS`).

``appraisal template -o case.xlsx [--from CASE] [--years N] [--force]``
    write the input workbook, blank or filled from a case.
``appraisal convert IN OUT [--force]``
    YAML to workbook or back (``.yaml``, ``.yml``, ``.xlsx``).

For ``run`` and ``validate`` (whose ``--against PREVIOUS`` is
:func:`appraisal.cli.arguments.change_arguments`), :func:`change_notes` lists the inputs that
changed since the workbook was written (or against the previous file);
``appraisal.cli.commands`` imports this module only when a command needs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appraisal.cli.failure import fail
from appraisal.errors import AppraisalError

__all__ = ["change_notes"]

_MAX_LISTED = 50


def _template(args: argparse.Namespace) -> int:
    from appraisal.outputs.convert import read_case_data
    from appraisal.outputs.excel_template import write_template

    if Path(args.out).suffix.lower() != ".xlsx":
        print(f"appraisal template: the output must end in .xlsx (got {args.out})",
              file=sys.stderr)
        return 2
    if args.years is not None and not 1 <= args.years <= 500:
        print("appraisal template: --years must be between 1 and 500", file=sys.stderr)
        return 2
    try:
        if args.source:
            case, data = read_case_data(args.source)
            written = write_template(args.out, case, data=data, force=args.force,
                                     protect=[args.source])
        else:
            written = write_template(args.out, years=args.years, force=args.force)
    except AppraisalError as exc:
        return fail(exc)
    print(f"Wrote {written}" + (f" from {args.source}" if args.source else " (blank template)"))
    print(f"Fill it in, then: appraisal validate {written.name}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from appraisal.outputs.convert import convert_case

    try:
        written = convert_case(args.source, args.target, force=args.force)
    except AppraisalError as exc:
        return fail(exc)
    print(f"Converted {args.source} to {written}")
    return 0


def change_notes(args: argparse.Namespace) -> list[str]:
    """Lines to print before a run: workbook warnings and the inputs that changed.

    Raises
    ------
    AppraisalError
        If the previous file given with ``--against`` cannot be read.
    """
    case_path = Path(args.case)
    against = getattr(args, "against", None)
    if case_path.suffix.lower() not in (".xlsx", ".xlsm"):
        if against:
            return [f"note: --against compares workbooks; {case_path.name} is not one"]
        return []
    # Imported only for a workbook: a YAML case never loads the workbook reader (openpyxl).
    from appraisal.inputs.excel_diff import workbook_changes
    from appraisal.inputs.excel_read import read_workbook_data

    lines = [f"warning: {w}" for w in read_workbook_data(case_path, allow_macros=True).warnings]
    changes = workbook_changes(case_path, against)
    if not changes:
        if against:
            lines.append(f"No inputs changed against {Path(against).name}.")
        return lines
    what = f"against {Path(against).name}" if against else "since this workbook was written"
    lines.append(f"{len(changes)} input(s) changed {what}:")
    lines += [f"  {c}" for c in changes[:_MAX_LISTED]]
    if len(changes) > _MAX_LISTED:
        lines.append(f"  ... and {len(changes) - _MAX_LISTED} more")
    return lines
