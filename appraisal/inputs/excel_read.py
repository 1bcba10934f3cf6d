"""Read a case workbook: the same plain data as YAML, every problem at its ``Sheet!Cell``.

:func:`read_case_workbook` is what ``appraisal run case.xlsx`` and ``appraisal validate``
call (through :func:`appraisal.load_case`). The workbook's cells are turned into the YAML
layout and checked by :func:`appraisal.case.schema.build_case` with a locator that maps each
field path to its cell, so the checks are the YAML checks. Before that, the workbook
itself is checked, and each problem is reported at its cell, never passed silently:

- numbers stored as text, percentages typed as whole numbers (3.5 for 3.5%), dates in
  number fields, Excel error values;
- formulas in input cells without a calculated value (a formula *with* one is read as
  its value); generated profile amounts typed over, and any edited formula or protected
  reference value the workbook recorded (``_meta``);
- merged cells in a data sheet; hidden sheets; missing sheets; renamed, missing or
  unknown column headers; values outside the year columns;
- macros: the workbook is read without them, and refused unless ``allow_macros=True``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appraisal.case import sheets as S
from appraisal.case.model import Case
from appraisal.case.schema import SCHEMA_VERSION, build_case
from appraisal.case.sheets import META_SHEET
from appraisal.cells import cell_ref, column_letter
from appraisal.errors import AppraisalValidationError, Issue, Issues, Severity
from appraisal.inputs.excel_changes import cell_token, formula_row_digest, row_digest
from appraisal.inputs.excel_grid import Cell, SheetGrid, WorkbookGrid, no_gc, open_grid
from appraisal.inputs.excel_sheets_read import read_sheets
from appraisal.lenses.catalogue import section_parsers

__all__ = ["WorkbookInput", "read_case_workbook", "read_workbook_data"]

_REQUIRED_SHEETS = ("Case", S.OPTIONS.title, S.LINES.title, S.PROFILES.title)
_NUMBER_TEXT = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?%?")
_HIDDEN_OK = {META_SHEET}
#: The last workbook read, by (path, size, mtime): (allow_macros, what was read). A run reads
#: its workbook, then the change report reads it again; the second read reuses the first.
_CACHE: dict[tuple[Any, ...], tuple[bool, WorkbookInput]] = {}


@dataclass
class WorkbookInput:
    """What was read from a workbook: plain case data, where each field came from, problems."""

    path: Path
    data: dict[str, Any]
    locations: dict[tuple[Any, ...], str]
    issues: Issues
    meta: dict[str, Any]
    sha256: str
    warnings: list[Issue] = field(default_factory=list)
    year_cells: tuple[str, int, int | None] | None = None
    line_rows: dict[int, int] = field(default_factory=dict)
    has_macros: bool = False
    _memo: dict[tuple[Any, ...], str] = field(default_factory=dict, repr=False, compare=False)
    _memo_size: int = field(default=-1, repr=False, compare=False)

    def locate(self, path: tuple[Any, ...]) -> str:
        """``Sheet!Cell`` of a field path (or of its nearest located parent)."""
        probe = tuple(path)
        if (len(probe) == 4 and probe[0] == "lines" and probe[2] == "values"
                and probe not in self.locations and self.year_cells is not None):
            title, first, base = self.year_cells
            row = self.line_rows.get(probe[1]) if isinstance(probe[1], int) else None
            try:
                year = int(probe[3])
            except (TypeError, ValueError):
                year = None
            if row is not None and year is not None and base is not None and year >= base:
                return cell_ref(title, row, first + year - base)
        if len(self._memo) > 200_000 or self._memo_size != len(self.locations):
            self._memo.clear()
            self._memo_size = len(self.locations)
        return self._nearest(probe)

    def _nearest(self, probe: tuple[Any, ...]) -> str:
        """Location of *probe* or of its nearest located parent (memoised by prefix)."""
        found = self._memo.get(probe)
        if found is not None:
            return found
        found = self.locations.get(probe)
        if found is None:
            found = self.locations.get(_alt(probe))
        if found is None:
            found = self._nearest(probe[:-1]) if probe else "Case!A1"
        self._memo[probe] = found
        return found

    def meta_json(self, key: str) -> Any:
        """A JSON item stored in ``_meta`` over several cells (None when absent)."""
        parts = self.meta.get(f"{key}.parts")
        if not isinstance(parts, int | float):
            return None
        text = "".join(str(self.meta.get(f"{key}.{i}", "")) for i in range(1, int(parts) + 1))
        try:
            return json.loads(text)
        except ValueError:
            return None


def _alt(path: tuple[Any, ...]) -> tuple[Any, ...]:
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


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Reader:
    def __init__(self, grid: WorkbookGrid, allow_macros: bool) -> None:
        self.grid = grid
        self.issues = Issues()
        self.warnings: list[Issue] = []
        self.loc: dict[tuple[Any, ...], str] = {(): "Case!B3", ("options",): "Options!A3",
                                                ("lines",): "Lines!A3"}
        self.allow_macros = allow_macros
        self.meta: dict[str, Any] = {}
        self._prefixes: dict[str, str] = {}
        #: Profiles sheet, first year column and base year; the Profiles row of each line.
        self.year_cells: tuple[str, int, int | None] | None = None
        self.line_rows: dict[int, int] = {}

    # --- cell values --------------------------------------------------------------------

    def error(self, where: str, path: tuple[Any, ...] | str, code: str, message: str,
              fix: str = "") -> None:
        name = path if isinstance(path, str) else _dotted(path)
        self.issues.error(code, message, location=where, field=name, fix=fix)

    def value(self, sheet: SheetGrid, row: int, col: int, kind: str,
              path: tuple[Any, ...], fraction: bool = False) -> Any:
        """The typed value of one input cell, or None (blank or refused, with an error)."""
        prefix = self._prefixes.get(sheet.title)
        if prefix is None:
            prefix = self._prefixes[sheet.title] = cell_ref(sheet.title, 1, 1)[:-3]
        where = f"{prefix}!{column_letter(col)}{row}"
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
                       f"(got {value!r})", "choose yes or no from the drop-down")
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
                close = difflib.get_close_matches(title, names, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
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
            if text in known:
                found[known[text].key] = col
                continue
            close = difflib.get_close_matches(str(text), list(known), n=1, cutoff=0.6)
            self.error(cell_ref(sheet.title, S.HEADER_ROW, col), f"{sheet.title}.{text}",
                       "unknown-column", f"unknown column header {text!r}",
                       f"did you mean '{close[0]}'?" if close else "use the headers of "
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
        read = [cols[c.key] for c in spec.columns if c.key in cols and c.role in ("key", "input")]
        rows = sorted({r for (r, c) in sheet.cells if r >= S.FIRST_ROW and c in read
                       and _filled(sheet.cells[(r, c)])})
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


def _filled(cell: Cell) -> bool:
    return cell.formula is not None or (cell.kind is not None and cell.value != "")


def read_workbook_data(path: str | Path, *, allow_macros: bool = False) -> WorkbookInput:
    """Read a case workbook into plain data (the YAML layout) and cell locations.

    Raises
    ------
    UnsafeInputError, AppraisalValidationError
        For files refused by the safety checks (located at the file).
    """

    p = Path(path)
    try:
        stat = p.stat()
        key = (str(p.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        allowed, found = _CACHE[key]
        # allow_macros changes what is read only for a workbook that has macros
        if allowed == allow_macros or not found.has_macros:
            return found
    with no_gc():
        found = _read(p, allow_macros)
    _CACHE.clear()  # one entry: the CLI's change report reuses what the run just read
    if key is not None:
        _CACHE[key] = (allow_macros, found)
    return found


def _read(p: Path, allow_macros: bool) -> WorkbookInput:
    grid = open_grid(p)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        reader = _Reader(grid, allow_macros)
        reader.check_book()
        reader.read_meta()
        data = read_sheets(reader)
        if reader.meta.get("inputs_complete") is False or reader.meta.get(
                "inputs_complete") == "no":
            reader.error(reader.loc.get(("_meta", "inputs_complete"), "_meta!A1"), "_meta",
                         "inputs-incomplete", "this results workbook does not hold every input "
                         f"of its case ({reader.meta.get('inputs_omitted', '')})",
                         "run again from the original case file")
        found = WorkbookInput(p, data, reader.loc, reader.issues, reader.meta, digest,
                              reader.warnings, reader.year_cells, reader.line_rows,
                              has_macros=grid.report.has_macros)
        reader.protected(found.meta_json("protected") or [])
    finally:
        grid.close()
    return found


def read_case_workbook(path: str | Path, *, allow_macros: bool = False) -> Case:
    """Load and validate a case from an ``.xlsx`` workbook made by ``appraisal template``.

    Parameters
    ----------
    path : str or os.PathLike
        The workbook. It is only read, never written.
    allow_macros : bool, default False
        Accept a macro-enabled workbook (its macros are ignored and never run either way).

    Raises
    ------
    AppraisalValidationError
        With every problem found, each at its ``Sheet!Cell`` with its field.
    UnsafeInputError
        For files refused for safety (XML or zip bomb, defusedxml switched off).

    Examples
    --------
    >>> import tempfile
    >>> from appraisal import example_path, load_case
    >>> from appraisal.outputs.excel_template import write_template
    >>> case = load_case(example_path("minimal"))
    >>> book = write_template(Path(tempfile.mkdtemp()) / "case.xlsx", case)
    >>> read_case_workbook(book).lines == case.lines
    True
    """
    found = read_workbook_data(path, allow_macros=allow_macros)
    name = found.path.name
    located = {i.location for i in found.issues.errors}
    try:
        case = build_case(found.data, locate=found.locate, source=name,
                          source_sha256=found.sha256, base_dir=found.path.parent,
                          sections=section_parsers())
    except AppraisalValidationError as exc:
        extra = [i for i in exc.issues if i.location not in located]
        raise AppraisalValidationError([*found.issues.items, *extra], source=name) from None
    found.issues.raise_if_errors(name)
    return case
