"""Excel front end: the input template, the case reader, the results workbook, conversion.

Public functions (re-exported here from their modules):

- :func:`write_template` -- the input workbook, blank or from a case
  (:mod:`appraisal.io.excel_template`);
- :func:`read_case_workbook` -- a validated :class:`~appraisal.model.Case` from a workbook,
  every problem at its ``Sheet!Cell`` (:mod:`appraisal.io.excel_read`);
- :func:`write_results_workbook` -- ``results.xlsx`` with live formulas and cached values
  (:mod:`appraisal.io.excel_results`); importing this module registers it as an output of
  every run (:data:`appraisal.io.outputs.OUTPUT_WRITERS`);
- :func:`convert_case` -- YAML to workbook and back (:mod:`appraisal.io.convert`);
- :func:`workbook_changes` -- which inputs changed since the workbook was written, or
  against a previous file (:mod:`appraisal.io.excel_diff`).

Only :mod:`appraisal.io` imports openpyxl.
"""

from __future__ import annotations

from appraisal.io.convert import case_to_yaml, convert_case
from appraisal.io.excel_diff import WorkbookChange, workbook_changes
from appraisal.io.excel_read import read_case_workbook
from appraisal.io.excel_results import results_writer, write_results_workbook
from appraisal.io.excel_template import write_template
from appraisal.io.outputs import OUTPUT_WRITERS

__all__ = [
    "WorkbookChange",
    "case_to_yaml",
    "convert_case",
    "read_case_workbook",
    "workbook_changes",
    "write_results_workbook",
    "write_template",
]

if results_writer not in OUTPUT_WRITERS:
    OUTPUT_WRITERS.append(results_writer)
