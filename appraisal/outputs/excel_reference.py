"""Reference sheets of the input workbook: the cover (instructions, conventions) and the
shipped parameters with their sources (protected; edits are refused on reading)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraisal.case import sheets as S
from appraisal.case.schema import SCHEMA_VERSION
from appraisal.inputs.excel_changes import cell_token, row_digest
from appraisal.outputs.excel_book import WORKBOOK_FORMAT, BookBuilder, tool_version
from appraisal.outputs.excel_layout import fit_row_height
from appraisal.outputs.xlsx_cells import protect_sheet
from appraisal.outputs.xlsx_furniture import page_fit

__all__ = ["cover_sheet", "parameters_sheet"]


def cover_sheet(book: BookBuilder, data: Mapping[str, Any]) -> None:
    """The first sheet: what the workbook is, how to fill it in and run it, conventions."""
    ws, sheet = book.sheet("Cover", index=0)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    ws.sheet_view.showGridLines = False
    page_fit(ws)
    title = data.get("title")
    sheet.text(1, 1, "Appraisal input workbook", book.title)
    sheet.text(2, 1, f"Case: {title}" if title else "A new case: fill in the sheets below",
               book.style(italic=True))
    rows: list[tuple[str, str, int | None]] = [
        ("How to use it", "", None),
        ("1. Case", "Title, base year (year 0), horizon and conventions.", None),
        ("2. Options", "The short list; mark exactly one option as the counterfactual.", None),
        ("3. Lines", "One row per cost or benefit of an option (positive amounts).", None),
        ("4. Profiles", "Amounts by year for each line: type them ('explicit') or choose a "
         "generator and its parameters.", None),
        ("5. Valuation", "Lines valued as quantity × unit value: the unit value and the "
         "outcome chain (engagement, success, deadweight ...), one row per line.", None),
        ("6. Optimism bias", "Cost lines' optimism bias: a project type of the guidance and "
         "its bound, or your own uplift with its source, one row per line (a row per project "
         "type, with its share, for a mix of types).", None),
        ("7. Risk areas", "The optimism-bias risk areas of a cost line: each one's "
         "contribution and mitigation, one row per area.", None),
        ("8. Incidence", "Who the value of a line falls on: its share in each "
         "distributional group, one row per line, a column per group.", None),
        ("9. Line details", "Further details of lines, one key per row.", None),
        ("10. Check and run", "appraisal validate case.xlsx   then   appraisal run case.xlsx "
         "--out results", None),
        ("", "", None),
        ("Conventions", "", None),
        ("Input", "Cells like this are inputs: type here.", book.style("input")),
        ("Calculated", "Cells like this are calculated: do not edit them.", book.style("calc")),
        ("Money", "£, real prices of the case's price year unless a line says nominal; costs "
         "and benefits are positive, the kind gives the sign.", None),
        ("Percentages", "Rates and shares are percentages (type 3.5% or 0.035).", None),
        ("Years", "Year 0 is the base year and is not discounted.", None),
        ("", "", None),
        ("Sheets", "", None),
        *_sheet_rows(book),
        ("", "", None),
        ("Format", f"{WORKBOOK_FORMAT} version {SCHEMA_VERSION}; appraisal {tool_version()}",
         None),
    ]
    heading = book.style(bold=True, wrap=True)  # top-aligned, beside its wrapped text
    for i, (head, text, style) in enumerate(rows, start=4):
        if head:
            sheet.text(i, 1, head, style if style is not None else heading)
        if text:
            sheet.text(i, 2, text, book.text)
            fit_row_height(ws, sheet, i, {2: text})


#: The sheets the steps above already explain.
_STEP_SHEETS = frozenset({"Case", "Options", "Lines", "Profiles", "Valuation", "Optimism bias",
                          "Risk areas", "Incidence", "Line details"})


def _sheet_rows(book: BookBuilder) -> list[tuple[str, str, int | None]]:
    """A row for each further sheet of the workbook, in order, with what it holds.

    Generated from the sheets written so far (their specs' descriptions), so the cover
    lists exactly the workbook's sheets.
    """
    return [(title, text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."), None)
            for title, text in book.descriptions.items()
            if title not in _STEP_SHEETS and text]


def parameters_sheet(book: BookBuilder, vintage: str) -> None:
    """The shipped parameter values with their sources, protected, for reference."""
    from appraisal.params.packs import ParameterPack

    spec = S.TableSheet("Parameters", tuple(
        S.Column(key, label, "str", help=text, role="calc", width=width)
        for key, label, text, width in (
            ("table", "Table", "parameter table", 20), ("key", "Key", "which value", 36),
            ("value", "Value", "value", 12), ("unit", "Unit", "unit", 14),
            ("price_year", "Price year", "prices of", 10), ("source", "Source", "source", 50),
            ("edition", "Edition", "edition", 18), ("ref", "Table in source", "where", 22),
            ("confidence", "Confidence", "C confirmed; C2 secondary; U unconfirmed", 12))),
        "shipped parameter values with their sources")
    ws, sheet = book.table(spec, freeze_cols=1)
    pack = ParameterPack.green_book(vintage)
    text, number = book.style("calc"), book.style("calc", "General")
    digests, r = [], S.FIRST_ROW
    for name in pack.table_names():
        for row in pack.rows(name):
            values = (name, ", ".join(f"{k}={v}" for k, v in row.key), row.value, row.unit,
                      row.price_year, row.source, row.edition, row.table, row.confidence)
            for col, value in enumerate(values, start=1):
                sheet.any(r, col, value, number if isinstance(value, int | float) else text)
            digests.append(row_digest(cell_token("x", v) for v in values))
            r += 1
    book.protect_range("Parameters", (S.FIRST_ROW, r - 1), (1, 9), "values", digests)
    protect_sheet(ws)
