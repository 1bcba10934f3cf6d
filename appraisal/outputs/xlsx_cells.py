"""Writing workbook cells safely with openpyxl, and saving with cached formula values.

openpyxl turns any string that starts with ``=`` into a formula and ``'#N/A'``
into an error cell, writes NaN and infinities as blank cells, truncates text at
32,767 characters and writes formulas with an empty cached value, so viewers
that do not calculate (previews, pandas, ``data_only=True``) see nothing. The
helpers here close those gaps:

- :func:`write_text` always stores user text as a text cell (``=cmd|...`` stays
  inert) and refuses over-long text or characters Excel rejects;
- :func:`write_number` refuses NaN, infinities and non-numbers, naming the cell;
- :func:`write_formula` writes a formula and records its cached value;
  :func:`save_workbook` then inserts that value as the cell's ``<v>`` element.

The code lives in modules named for what they do, re-exported here unchanged:
:mod:`appraisal.outputs.xlsx_write` (safe cell writers and checks),
:mod:`appraisal.outputs.xlsx_render` (rendering and saving with cached values),
:mod:`appraisal.outputs.xlsx_furniture` (styles, names, drop-downs, panes, protection) and
:mod:`appraisal.outputs.xlsx_meta` (the ``_meta`` sheet and the content fingerprint).

How cached values are written and verified before the file is saved atomically is
explained in :mod:`appraisal.outputs.xlsx_render`.
"""

from __future__ import annotations

from appraisal.outputs.xlsx_furniture import (
    CALCULATION_STYLE,
    INPUT_STYLE,
    add_dropdown,
    define_name,
    freeze_header,
    protect_sheet,
    style_calculation,
    style_input,
)
from appraisal.outputs.xlsx_meta import META_SHEET, content_hash, read_meta, write_meta
from appraisal.outputs.xlsx_render import render_workbook, save_workbook, sheet_parts
from appraisal.outputs.xlsx_write import (
    MAX_CELL_CHARS,
    MAX_EXCEL_NUMBER,
    MAX_FORMULA_CHARS,
    cell_ref,
    check_number,
    check_text,
    write_formula,
    write_number,
    write_text,
)

__all__ = [
    "CALCULATION_STYLE",
    "INPUT_STYLE",
    "MAX_CELL_CHARS",
    "MAX_EXCEL_NUMBER",
    "MAX_FORMULA_CHARS",
    "META_SHEET",
    "add_dropdown",
    "cell_ref",
    "check_number",
    "check_text",
    "content_hash",
    "define_name",
    "freeze_header",
    "protect_sheet",
    "read_meta",
    "render_workbook",
    "save_workbook",
    "sheet_parts",
    "style_calculation",
    "style_input",
    "write_formula",
    "write_meta",
    "write_number",
    "write_text",
]
