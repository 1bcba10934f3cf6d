"""Write a run's outputs into a folder: all or nothing, never over an input.

The formats are chosen by argument (:data:`FORMATS`, all by default): ``results.json``
(versioned); the CSV tables (options, lines, cash flows, switching values, parameters
used, and the tables of every lens payload that has them); ``results.xlsx``; and
``report.html``. Each file is built in a staging folder, moved into place only when all
succeeded (:mod:`appraisal.outputs.atomic`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from appraisal.engine.results import AppraisalResult
from appraisal.errors import OutputError
from appraisal.lenses.catalogue import LENSES
from appraisal.outputs.atomic import atomic_output_dir
from appraisal.outputs.csv_safe import write_csv, write_records_csv

__all__ = ["FORMATS", "MANIFEST", "REPORT_NAME", "RESULTS_WORKBOOK", "RUN_FILE_NAMES",
           "write_outputs"]

#: Every output format, in the order the files are written.
FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "html")
#: File names of the workbook and the report in a run's output folder.
RESULTS_WORKBOOK = "results.xlsx"
REPORT_NAME = "report.html"
#: The file listing what a run wrote (name, bytes, SHA-256); ``force`` over an earlier run
#: removes the files its manifest lists and this run does not write.
MANIFEST = "manifest.json"
#: Every file name a run can write: ``results.json``, the core tables, every lens table
#: (the lenses whose tables go to a run's folder), the workbook and the report.
#: ``force`` over a folder written before manifests existed (no ``manifest.json``) removes
#: those of them the new run does not write, so the folder does not mix two runs; any other
#: file there is the user's and is kept. tests/hostile/test_force_without_manifest.py
#: checks the list against the payloads' ``to_frames``.
RUN_FILE_NAMES: frozenset[str] = frozenset({
    "results.json", "options.csv", "lines.csv", "cashflows.csv", "switching_values.csv",
    "parameters_used.csv", RESULTS_WORKBOOK, REPORT_NAME,
    # lens tables
    "valuation.csv", "agency_matrix.csv", "agency_positions.csv", "cash_position.csv",
    "pooled_budget.csv", "incidence.csv", "distributional_npsv.csv", "eta_sweep.csv",
    "non_monetised.csv", "mca_scores.csv", "long_list.csv", "cost_effectiveness.csv",
    "ce_frontier.csv", "ce_acceptability.csv", "ce_acceptability_frontier.csv",
    "ce_plane_sample.csv",
    "affordability_cash.csv", "affordability_funding.csv", "affordability_pooled_cash.csv",
    "financial_measures.csv",
})
_CORE_TABLES = (("options", "options.csv"), ("lines", "lines.csv"),
                ("cashflows", "cashflows.csv"), ("switching", "switching_values.csv"),
                ("parameters", "parameters_used.csv"))


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def results_json(result: AppraisalResult) -> str:
    """The ``results.json`` text of a result."""
    return json.dumps(_clean(result.to_dict()), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def _lens_tables(result: AppraisalResult, stage: Path) -> list[str]:
    """The CSV tables of every lens payload that has them (``to_frames()``), lens by lens."""
    names = []
    for lens in LENSES:
        if not lens.tables:
            continue
        for key in lens.payloads:
            payload = result.lenses.get(key)
            if not hasattr(payload, "to_frames"):
                continue
            frames = (payload.to_frames(_ce_acceptability(result))
                      if key == "cost_effectiveness" else payload.to_frames())
            for name, frame in frames.items():
                write_csv(frame, stage / name)
                names.append(name)
    return names


def _ce_acceptability(result: AppraisalResult) -> Any:
    """The uncertainty lens's cost-effectiveness curves (CEAC, CEAF, the plane's sample),
    when the run had both lenses: written with the cost-effectiveness tables."""
    acceptability = getattr(result.lenses.get("uncertainty"), "acceptability", None) or {}
    return acceptability.get("cost_effectiveness")


def _report(result: AppraisalResult, stage: Path, command: str | None) -> list[str]:
    from appraisal.outputs.report.context import report_context
    from appraisal.outputs.report.render import render_report

    html = render_report(report_context(result, command=command))
    (stage / REPORT_NAME).write_text(html, encoding="utf-8")
    return [REPORT_NAME]


def write_outputs(
    result: AppraisalResult,
    out_dir: str | Path,
    *,
    formats: Collection[str] = FORMATS,
    force: bool = False,
    protect: Sequence[str | Path] = (),
    command: str | None = None,
) -> list[Path]:
    """Write a result's files into ``out_dir``, all or nothing.

    Parameters
    ----------
    result : AppraisalResult
        What :func:`appraisal.evaluate` returned.
    out_dir : str or Path
        The folder (created if missing).
    formats : collection of str
        Any of :data:`FORMATS`: ``"json"`` (``results.json``), ``"csv"`` (the tables),
        ``"xlsx"`` (``results.xlsx``), ``"html"`` (``report.html``). All by default.
    force : bool
        Replace files that exist already, and the whole earlier run: the files its
        ``manifest.json`` lists that this run does not write are removed (in a folder
        written before manifests existed, those named in :data:`RUN_FILE_NAMES`); any
        other file in the folder is the user's and is kept.
    protect : sequence of paths
        Inputs that must never be overwritten (the case file).
    command : str, optional
        The command line that made the run, recorded in the report.

    Returns
    -------
    list of Path
        The files written, in order, and last the manifest listing them.

    Raises
    ------
    OutputError
        If ``formats`` names an unknown format, or the folder cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from appraisal import evaluate, example_path, load_case
    >>> result = evaluate(load_case(example_path("minimal")))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_outputs(result, tmp, formats=("json", "html"), force=True)]
    ['results.json', 'report.html', 'manifest.json']
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        msg = (f"unknown output format(s) {', '.join(map(repr, unknown))}; choose from "
               f"{', '.join(FORMATS)}")
        raise OutputError(msg)
    target = Path(out_dir)
    names: list[str] = []
    with atomic_output_dir(target, force=force, protect=protect, manifest=MANIFEST,
                           known=RUN_FILE_NAMES) as stage:
        if "json" in formats:
            (stage / "results.json").write_text(results_json(result), encoding="utf-8")
            names.append("results.json")
        if "csv" in formats:
            for view, name in _CORE_TABLES:  # from plain rows: no pandas for these
                records, columns = result.core_records(view)
                write_records_csv(records, stage / name, columns=columns,
                                  index="name" if view == "options" else None)
                names.append(name)
            names += _lens_tables(result, stage)
        if "xlsx" in formats:
            from appraisal.outputs.excel_results import write_results_workbook

            write_results_workbook(result, stage / RESULTS_WORKBOOK)
            names.append(RESULTS_WORKBOOK)
        if "html" in formats:
            names += _report(result, stage, command)
    return [target / n for n in [*names, MANIFEST]]
