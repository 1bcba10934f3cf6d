"""``appraisal uncertainty CASE --out DIR``: every uncertainty analysis of a case, to files.

Listed in :data:`appraisal.cli.commands.COMMANDS`, which imports this module when the command runs::

    appraisal uncertainty CASE --out DIR [--draws N] [--seed S] [--sobol N]
                          [--morris [TRAJECTORIES]]
                          [--threads K | --workers K | --dask [ADDRESS]]
                          [--dask-timeout S] [--force]

Writes, atomically (all files or none; existing files are kept unless ``--force``):
``uncertainty.json`` (everything, see
:meth:`~appraisal.lenses.uncertainty.lens.UncertaintyResult.to_dict`) and the CSV tables
``uncertainty_draws_summary.csv``, ``uncertainty_tornado.csv``,
``uncertainty_switching_values.csv``, ``uncertainty_scenarios.csv`` and, when run,
``uncertainty_sobol.csv`` / ``uncertainty_morris.csv``; then prints a summary. Exit codes:
0 success, 1 invalid input or a refused output (every problem printed, nothing written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from appraisal.cli.arguments import uncertainty_arguments as add_arguments
from appraisal.cli.failure import LATER_CHECKS, CaseNotRead, fail, nothing_written, read_case
from appraisal.engine.kernel import check_memory
from appraisal.errors import AppraisalError, AppraisalValidationError, Issues
from appraisal.limits import RUN_MAXIMA, run_size_issue
from appraisal.outputs.csv_safe import raw_csv, write_csv

__all__ = ["add_arguments", "handle"]

def _argument_issues(args: argparse.Namespace) -> Issues:
    found = Issues()
    if args.draws is not None and args.draws <= 1:
        found.error("invalid-value", f"must be at least 2 (got {args.draws}): a spread needs "
                    "two draws",
                    location="--draws", field="draws", fix="give the number of draws, e.g. "
                    "--draws 10000 (leave it out to use the case's)")
    if args.seed is not None and args.seed < 0:
        found.error("invalid-value", f"must be a non-negative integer (got {args.seed})",
                    location="--seed", field="seed", fix="e.g. --seed 20261122")
    if args.sobol is not None and (args.sobol < 2 or args.sobol & (args.sobol - 1)):
        found.error("invalid-value", f"must be a power of 2, at least 2 (got {args.sobol})",
                    location="--sobol", field="sobol", fix="e.g. --sobol 1024")
    try:
        check_memory(args.memory, "--memory")
    except AppraisalValidationError as exc:
        for issue in exc.issues:
            found.error(issue.code, issue.message, location="--memory", field="memory",
                        fix=issue.fix)
    if args.morris is not None and args.morris < 2:
        found.error("invalid-value", f"must be at least 2 (got {args.morris})",
                    location="--morris", field="morris", fix="e.g. --morris 20")
    for what in ("threads", "workers"):
        value = getattr(args, what, None)
        if value is not None and value < 1:
            found.error("invalid-value", f"must be at least 1 (got {value})",
                        location=f"--{what}", field=what, fix=f"e.g. --{what} 2")
    if args.dask_timeout is not None and not (0 < args.dask_timeout < 86400):
        found.error("invalid-value", f"must be a positive number of seconds (got "
                    f"{args.dask_timeout:g})", location="--dask-timeout", field="dask_timeout",
                    fix="e.g. --dask-timeout 30")
    if args.dask is not None and args.dask != "dask" and "://" not in args.dask:
        found.error("invalid-value", f"a scheduler address needs a scheme (got {args.dask!r})",
                    location="--dask", field="dask", fix="e.g. --dask tcp://127.0.0.1:8786")
    for what in ("draws", "sobol", "morris", "workers", "threads", "seed"):
        value = getattr(args, what, None)
        problem = run_size_issue(what, value) if isinstance(value, int) and value > 0 else None
        if problem:
            found.error("too-many" if what != "seed" else "invalid-value", problem,
                        location=f"--{what}", field=what, fix=f"give --{what} of at most "
                        f"{RUN_MAXIMA[what]:,}")
    return found


def _backend(args: argparse.Namespace) -> Any:
    from appraisal.lenses.uncertainty.backends import DASK_TIMEOUT, DaskBackend, ThreadBackend

    threads = getattr(args, "threads", None)
    if threads is not None:
        return ThreadBackend(threads) if threads > 1 else "serial"
    if args.dask is not None and args.dask != "dask":
        timeout = DASK_TIMEOUT if args.dask_timeout is None else args.dask_timeout
        return DaskBackend(address=args.dask, timeout=timeout)
    if args.dask is not None:
        return args.dask
    return args.workers


def _write(result: Any, out: Path, *, force: bool, protect: list[str]) -> list[str]:
    from appraisal.outputs.atomic import atomic_output_dir

    names = []
    with atomic_output_dir(out, force=force, protect=protect,
                           manifest="uncertainty_manifest.json") as stage:
        text = json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"
        (stage / "uncertainty.json").write_text(text, encoding="utf-8")
        names.append("uncertainty.json")
        for name, frame in result.to_frames().items():
            write_csv(frame, stage / name)
            names.append(name)
    return [*names, "uncertainty_manifest.json"]


def handle(args: argparse.Namespace) -> int:
    """Run ``appraisal uncertainty``; returns the exit code."""
    from appraisal.inputs.load import in_input_words
    from appraisal.lenses.uncertainty.lens import analyse_uncertainty

    found = _argument_issues(args)
    case = None
    later = ""  # what is checked once the case's own problems are fixed
    try:
        case = read_case(args.case)
    except AppraisalValidationError as exc:
        found.extend(exc.issues)
        later = f"\n{LATER_CHECKS}" if isinstance(exc, CaseNotRead) else ""
    except AppraisalError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if case is not None and "uncertainty" not in case.sections:
        workbook = Path(args.case).suffix.lower() in (".xlsx", ".xlsm")
        found.error("no-uncertainty-section", "the case declares no uncertain inputs",
                    location="Uncertainty!A3" if workbook else str(args.case),
                    field="Uncertainty" if workbook else "uncertainty",
                    fix="fill in the Uncertainty sheet: one row per uncertain input"
                    if workbook else "add an 'uncertainty:' section with 'inputs'")
    if found.has_errors:
        return nothing_written(str(AppraisalValidationError(found.items,
                                                            source=str(args.case))) + later)
    out = Path(args.out)
    try:
        with in_input_words(args.case):
            result = analyse_uncertainty(case, draws=args.draws, seed=args.seed,  # type: ignore[arg-type]
                                         sobol=args.sobol, morris=args.morris,
                                         backend=_backend(args), memory=args.memory)
        with raw_csv(getattr(args, "csv_raw", False)):
            written = _write(result, out, force=args.force, protect=[args.case])
    except AppraisalError as exc:
        return fail(exc)
    print(case.title)  # type: ignore[union-attr]
    print("\n".join(result.summary_lines()))
    print(f"\nOutputs written to {out}: " + ", ".join(written))
    return 0
