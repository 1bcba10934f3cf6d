"""The cell reader of the case workbook: typed values of its cells, each problem at its cell.

:class:`CellReader` walks a :class:`~appraisal.inputs.excel_grid.WorkbookGrid` and turns
cells into plain case data (numbers, text, percentages, booleans), recording every problem
at its ``Sheet!Cell`` and the cell of every field path, so the case's checks report
workbook locations. Used by :mod:`appraisal.inputs.excel_read` (the workbook) and
:mod:`appraisal.inputs.excel_sheets_read` (its sheets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appraisal.case import sheets as S
from appraisal.case.schema import SCHEMA_VERSION
from appraisal.case.sheets import META_SHEET
from appraisal.cells import cell_ref, column_letter
from appraisal.errors import AppraisalValidationError, Expected, Issue, Issues, Severity
from appraisal.fields import did_you_mean, field_path
from appraisal.inputs.excel_changes import cell_token, formula_row_digest, row_digest
from appraisal.inputs.excel_grid import Cell, SheetGrid, WorkbookGrid
from appraisal.inputs.excel_messages import path_words

__all__ = ["CellReader", "alternate_path"]

_NUMBER_TEXT = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?%?")
_HIDDEN_OK = {META_SHEET}
_REQUIRED_SHEETS = ("Case", S.OPTIONS.title, S.LINES.title, S.PROFILES.title)


def alternate_path(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """The same path with digit strings as ints and ints as strings (years as keys)."""
    out = []
    for part in path:
        if isinstance(part, str) and part.isdigit():
            out.append(int(part))
        elif isinstance(part, int) and not isinstance(part, bool):
            out.append(str(part))
        else:
            out.append(part)
    return tuple(out)


class CellReader:
    def __init__(self, grid: WorkbookGrid, allow_macros: bool) -> None:
        self.grid = grid
        self.issues = Issues()
        self.warnings: list[Issue] = []
        self.loc: dict[tuple[Any, ...], str] = {(): "Case!B3", ("options",): "Options!A3",
                                                ("lines",): "Lines!A3"}
        self.allow_macros = allow_macros
        self.meta: dict[str, Any] = {}
        self._prefixes: dict[tuple[str, int], str] = {}
        #: Profiles sheet, first year column and base year; the Profiles row of each line.
        self.year_cells: tuple[str, int, int | None] | None = None
        self.line_rows: dict[int, int] = {}
        #: What each data row is (option / line ...) and each column's header, for messages.
        self.row_names: dict[tuple[str, int], str] = {}
        self.column_names: dict[tuple[str, int], str] = {}

    # --- cell values --------------------------------------------------------------------

    def error(self, where: str, path: tuple[Any, ...] | str, code: str, message: str,
              fix: str = "", *, expected: str = "") -> None:
        name = path if isinstance(path, str) else field_path(path)
        self.issues.error(code, message, location=where, field=name, fix=fix,
                          expected=expected)

    def value(self, sheet: SheetGrid, row: int, col: int, kind: str,
              path: tuple[Any, ...], fraction: bool = False) -> Any:
        """The typed value of one input cell, or None (blank or refused, with an error)."""
        prefix = self._prefixes.get((sheet.title, col))
        if prefix is None:  # "Sheet!C", "'Line details'!C"
            prefix = self._prefixes[(sheet.title, col)] = cell_ref(sheet.title, 1, col)[:-1]
        where = f"{prefix}{row}"
        self.loc[path] = where
        cell = sheet.get(row, col)
        if cell is None:
            return None
        if cell.formula is not None and cell.kind is None:
            shown = f"={cell.formula}" if cell.formula else "a shared formula"
            self.error(where, path, "formula-without-value", f"the cell holds {shown} but no "
                       "calculated value (it was saved by a program that does not calculate)",
                       "open the workbook in Excel or LibreOffice so it calculates, save it, "
                       "and run again; or type the value")
            return None
        if cell.kind == "e":
            self.error(where, path, "excel-error", f"the cell holds the error value "
                       f"{cell.value}", "correct the formula or type the value")
            return None
        return self._typed(cell, kind, where, path, fraction)

    def _typed(self, cell: Cell, kind: str, where: str, path: tuple[Any, ...],
               fraction: bool) -> Any:
        value = cell.value
        if cell.kind == "s" and value == "":
            return None
        if kind == "str":
            if cell.kind == "n":
                return str(int(value)) if float(value).is_integer() else repr(value)
            return value
        if kind == "list":
            return [x.strip() for x in str(value).split(";") if x.strip()]
        if kind == "bool":
            if cell.kind == "b":
                return value
            text = str(value).strip().lower()
            if text in ("yes", "true"):
                return True
            if text in ("no", "false"):
                return False
            self.error(where, path, "wrong-type", f"'{path[-1]}' must be yes or no "
                       f"(got {value!r})", "choose yes or no from the drop-down",
                       expected=Expected.YES_NO)
            return None
        if kind == "any":
            if cell.kind == "s" and value in ("[]", "{}"):
                return [] if value == "[]" else {}
            if cell.kind == "n":
                return self._number(cell, where, path, fraction, kind)
            return value
        if cell.kind == "n":
            return self._number(cell, where, path, fraction or kind == "fraction", kind)
        if cell.kind == "s" and _NUMBER_TEXT.fullmatch(str(value).strip().replace(
                "\u00a0", "").replace("£", "")) and any(ch.isdigit() for ch in str(value)):
            self.error(where, path, "number-as-text", f"{value!r} is a number stored as text",
                       "retype it as a number (in Excel: select the cell, click the warning "
                       "sign and choose 'Convert to Number')")
            return None
        return value

    def _number(self, cell: Cell, where: str, path: tuple[Any, ...], fraction: bool,
                kind: str) -> Any:
        value = cell.value
        if cell.style in self.grid.date_styles:
            self.error(where, path, "date-format", f"the cell is formatted as a date, so "
                       f"its value {value} is not what it shows", "format the cell as a "
                       "number (Home > Number format > General) and retype the value")
            return None
        if fraction and abs(value) > 1 and cell.style not in self.grid.percent_styles:
            self.error(where, path, "percent-as-number", f"'{path[-1]}' is {value:g}, which "
                       f"means {value * 100:g}%; rates and shares are fractions",
                       f"type {value:g}% (or {value / 100:g}) if you meant {value:g}%")
            return None
        if kind == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    # --- structure ----------------------------------------------------------------------

    def check_book(self) -> None:
        report, grid = self.grid.report, self.grid
        where = grid.path.name
        if report.has_macros:
            message = ("this macro-enabled workbook was read without its macros (VBA SHA-256 "
                       f"{str(report.vba_sha256)[:16]}…); they were never run")
            if self.allow_macros:
                self.warnings.append(Issue("macros", message, where, severity=Severity.WARNING))
            else:
                self.issues.error("macros", message, location=where, fix="save it as 'Excel "
                                  "Workbook (*.xlsx)' (macros are never used) and run again")
        self.warnings += report.issues()[1 if report.has_macros else 0:]
        for title, state in grid.states.items():
            if state != "visible" and title not in _HIDDEN_OK:
                self.error(cell_ref(title, 1, 1), "", "hidden-sheet", f"sheet '{title}' is "
                           f"{state}; inputs must be visible", "unhide it (right-click a sheet "
                           "tab > Unhide) or delete it")
        names = grid.sheet_names
        for title in _REQUIRED_SHEETS:
            if title not in names:
                close = did_you_mean(title, names)
                hint = f"{close} " if close else ""
                self.error(where, title, "missing-sheet", f"the sheet '{title}' is missing "
                           f"(sheets: {', '.join(names)})", f"{hint}use the sheet names of "
                           "`appraisal template`")
        for title in [*S.INPUT_SHEETS, META_SHEET]:
            if title in names:
                for ref in grid.sheet(title).merged:
                    self.error(f"{_quote(title)}!{ref}", "", "merged-cells", f"cells {ref} are "
                               "merged; a data sheet needs one value per cell",
                               "unmerge them (Home > Merge & Center > Unmerge Cells)")

    def read_meta(self) -> None:
        if META_SHEET not in self.grid.sheet_names:
            self.error(f"{self.grid.path.name}", "_meta", "not-a-case-workbook", "the workbook "
                       "has no _meta sheet, so it was not made by `appraisal template`",
                       "generate one with `appraisal template -o case.xlsx` and copy your "
                       "inputs into it")
            return
        sheet = self.grid.sheet(META_SHEET)
        for (row, col), cell in sheet.cells.items():
            if col == 1 and row > 1 and cell.kind == "s":
                value = sheet.get(row, 2)
                self.meta[cell.value] = value.value if value is not None else None
                self.loc[("_meta", cell.value)] = cell_ref(META_SHEET, row, 2)
        version = self.meta.get("schema_version")
        if version != SCHEMA_VERSION and str(version) != str(SCHEMA_VERSION):
            where = self.loc.get(("_meta", "schema_version"), f"{META_SHEET}!A1")
            raise AppraisalValidationError([Issue(
                "schema-version", f"the workbook's format version is {version!r}; this tool "
                f"reads version {SCHEMA_VERSION}", where, "schema_version",
                "make a new template with this version of the tool and copy the inputs")],
                source=self.grid.path.name)

    def headers(self, spec: S.TableSheet, sheet: SheetGrid, *, stop: int | None = None
                ) -> dict[str, int]:
        """Column number of each known header; errors for unknown or missing ones."""
        found: dict[str, int] = {}
        known = spec.headers
        last = stop if stop is not None else sheet.max_col
        for col in range(1, last + 1):
            cell = sheet.get(S.HEADER_ROW, col)
            text = cell.value if cell is not None and cell.kind == "s" else None
            if text is None or not str(text).strip():
                continue
            self.column_names[(sheet.title, col)] = str(text)
            if text in known:
                found[known[text].key] = col
                continue
            close = did_you_mean(str(text), list(known))
            self.error(cell_ref(sheet.title, S.HEADER_ROW, col), f"{sheet.title}.{text}",
                       "unknown-column", f"unknown column header {text!r}",
                       close or "use the headers of "
                       "`appraisal template` (add notes in the Notes column)")
        for column in spec.columns:
            if column.key not in found and (column.required or column.role == "key"):
                self.error(cell_ref(sheet.title, S.HEADER_ROW, 1), f"{sheet.title}.{column.key}",
                           "missing-column", f"the column '{column.header}' is missing from "
                           f"sheet {sheet.title}", "restore the header (row 1) as in "
                           "`appraisal template`")
        return found

    def rows(self, spec: S.TableSheet, sheet: SheetGrid, cols: Mapping[str, int]
             ) -> list[int]:
        """Data rows with at least one read cell filled."""
        read = frozenset(cols[c.key] for c in spec.columns
                         if c.key in cols and c.role in ("key", "input"))
        # filled: a formula, or a value that is not empty text; the column tested first (on
        # Profiles most cells are year cells, never read here), the test inline (a call
        # per cell cost more than the rest: 0.09 -> 0.03 s on the benchmark's Profiles)
        first = S.FIRST_ROW
        rows = sorted({r for (r, c), cell in sheet.cells.items()
                       if c in read and r >= first and (cell.formula is not None or (
                           cell.kind is not None and cell.value != ""))})
        named = [cols[c.key] for c in spec.columns if c.key in cols and (
            c.role == "key" or (spec is S.SECTIONS and c.key in ("section", "path"))
            or (spec is S.DEFLATOR and c.key == "year"))]
        for r in rows:
            said = [str(cell.value) for cell in (sheet.get(r, c) for c in named)
                    if cell is not None and cell.kind in ("s", "n") and str(cell.value).strip()]
            if said and spec is S.SECTIONS:
                self.row_names[(sheet.title, r)] = path_words(said[0], " ".join(said[1:]))
            elif said:
                self.row_names[(sheet.title, r)] = " / ".join(said)
        return rows

    def protected(self, spec: list[dict[str, Any]]) -> None:
        for item in spec or []:
            title, (r0, r1), (c0, c1) = item["sheet"], item["rows"], item["cols"]
            if title not in self.grid.sheet_names:
                self.error(self.grid.path.name, title, "protected-sheet-missing", f"the sheet "
                           f"'{title}' written by the tool was deleted", "restore the workbook "
                           "the tool wrote, or run again from the case")
                continue
            sheet = self.grid.sheet(title)
            typed: list[str] = []
            for i, r in enumerate(range(r0, r1 + 1)):
                cells = [sheet.get(r, c) for c in range(c0, c1 + 1)]
                if item["kind"] == "formulas":
                    typed += [cell_ref(title, r, c0 + k) for k, cell in enumerate(cells)
                              if cell is None or cell.formula is None]
                    digest = formula_row_digest(cell.formula if cell else None for cell in cells)
                else:
                    digest = row_digest(cell_token(c.kind, c.value) if c else "" for c in cells)
                digests = item["digests"]
                if i < len(digests) and digest != digests[i] and not any(
                        t.startswith(f"{_quote(title)}!") and t.endswith(str(r)) for t in typed):
                    ref = f"{column_letter(c0)}{r}:{column_letter(c1)}{r}"
                    what = "formulas" if item["kind"] == "formulas" else "reference values"
                    self.error(f"{_quote(title)}!{ref}", title, "protected-edited", f"{what} in "
                               f"{ref} were changed", "undo the edit: these cells are written "
                               "by the tool (change the inputs instead)")
            if typed:
                shown = ", ".join(typed[:8]) + (f" and {len(typed) - 8} more" if len(typed) > 8
                                                else "")
                self.error(typed[0], title, "formula-edited", f"{len(typed)} formula cell(s) "
                           f"were overwritten or cleared: {shown}", "undo the edit: these cells "
                           "are calculated (change the inputs they refer to instead)")


def _quote(title: str) -> str:
    return cell_ref(title, 1, 1).rsplit("!", 1)[0]
