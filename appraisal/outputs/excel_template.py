"""The input workbook (``appraisal template``): generated from the case schema, never drawn.

:func:`write_template` writes a blank workbook, or one filled from a case. Its sheets are
laid out by :mod:`appraisal.case.sheets`; :func:`add_input_sheets` writes them and is
shared with the results workbook, which carries the same input sheets so that it can be
edited and run again. Conventions: inputs blue on a light fill, calculations black; units
on every row; drop-downs for options, kinds, categories, agencies, schedules and other
choices; named ranges; frozen headers; ``Parameters`` (shipped values and their sources)
protected; a hidden ``_meta`` sheet with the schema and tool versions, the inputs as
written (for change reports) and the digests of the protected cells.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from appraisal.case import sheets as S
from appraisal.case.case_data import case_to_data
from appraisal.case.lens_sheets import TableRow
from appraisal.case.lens_sheets_pairwise import (
    FIRST_ITEM_COL,
    GRID_HELP,
    PAIRWISE,
    PairwiseGrid,
    split_grids,
)
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.case.model import Case, Profile
from appraisal.case.schema import SCHEMA_VERSION
from appraisal.case.sheets import generator_formula
from appraisal.cells import column_letter, no_gc
from appraisal.greenbook.valuation import MEASURES
from appraisal.inputs.excel_changes import normalise
from appraisal.outputs.atomic import PathLike
from appraisal.outputs.excel_book import WORKBOOK_FORMAT, BookBuilder, tool_version
from appraisal.outputs.excel_reference import cover_sheet, parameters_sheet
from appraisal.outputs.excel_stream import SheetData
from appraisal.outputs.xlsx_cells import add_dropdown

__all__ = ["DEFAULT_YEARS", "InputLayout", "add_input_sheets", "flatten", "print_pages",
           "write_template"]

#: Year columns of a blank template (a case's template has one per year of its horizon).
DEFAULT_YEARS = 60
_CATEGORIES = ("capital", "operating", "fiscal saving", "economic", "social")
_AGENCIES = ("Council", "NHS", "Police", "DWP", "Households", "Businesses")
_YES_NO = ("yes", "no")


@dataclass
class InputLayout:
    """Where the input sheets put things, for formulas that refer to them."""

    case_cells: dict[str, str] = field(default_factory=dict)
    profile_rows: list[int] = field(default_factory=list)
    first_year_col: int = 0
    n_years: int = 0


def _text_width(texts: Iterable[str]) -> float:
    """Width of a column that shows the longest of *texts* whole (to 60; 0 for none).

    Examples
    --------
    >>> round(_text_width(["Refurbish", "New"]), 2), _text_width([]), _text_width(["x" * 90])
    (11.45, 0.0, 60.0)
    """
    return min(60.0, max((len(text) * 1.05 + 2 for text in texts), default=0.0))


def flatten(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Leaves of nested plain data as ``(path, value)``; empty maps and lists as ``{}``/``[]``.

    Examples
    --------
    >>> flatten({"shares": {"a": 0.7, "b": 0.3}, "bound": "upper", "x": []})
    [(('shares', 'a'), 0.7), (('shares', 'b'), 0.3), (('bound',), 'upper'), (('x',), '[]')]
    """
    if isinstance(value, Mapping):
        items = [(("int", k) if isinstance(k, int) and not isinstance(k, bool) else k, v)
                 for k, v in value.items()]
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    else:
        return [(path, value)]
    if not items:
        return [(path, "{}" if isinstance(value, Mapping) else "[]")]
    return [leaf for part, item in items for leaf in flatten(item, (*path, part))]


_FORMATS = {"fraction": "0.00%", "int": "0", "float": "#,##0.00", "str": "@", "list": "@"}


def _quantity_unit(valued: Mapping[str, Any], outcome: Any) -> str:
    """The Profiles sheet's Unit of a line valued as quantity × unit value.

    Examples
    --------
    >>> _quantity_unit({"measure": "wellby"}, None)
    'WELLBYs (valued on Valuation)'
    >>> _quantity_unit({"code": "ILL-CSC-01"}, {"success": 0.1})
    'cohort (number; outcome chain on Valuation)'
    """
    if outcome:
        return "cohort (number; outcome chain on Valuation)"
    measure = MEASURES.get(str(valued.get("measure")))
    if measure is not None:
        return f"{measure.unit}s (valued on Valuation)"
    unit = valued.get("unit")
    if isinstance(unit, str) and unit.strip():
        return f"quantity: {unit} (valued on Valuation)"
    code = valued.get("code")
    return (f"units of {code} (valued on Valuation)" if code
            else "quantity (valued on Valuation)")


#: Column-width units (characters) that print across one landscape page at 100%.
_PAGE_WIDTH = 95.0
#: The smallest print scale a sheet is fitted to (below it, it prints on more pages).
_MIN_SCALE = 0.6


def print_pages(widths: Sequence[float], keys: int) -> tuple[int, int]:
    """Pages wide to print a table on, and how many key columns to repeat on each.

    One page when the whole width prints at :data:`_MIN_SCALE` or more; otherwise the
    fewest pages that keep that scale, each repeating the first ``keys`` columns (unless
    they would fill most of a page).

    Examples
    --------
    >>> print_pages([30, 40, 10, 70], 1)  # the Case sheet: 150 wide
    (1, 0)
    >>> print_pages([24, 34] + [14] * 15, 2)  # Lines: 58 wide keys, 268 in all
    (3, 2)
    """
    total, page = sum(widths), _PAGE_WIDTH / _MIN_SCALE
    if total <= page:
        return 1, 0
    key_width = sum(widths[:keys])
    if keys and page - key_width >= page / 3:
        return math.ceil((total - key_width) / (page - key_width)), keys
    return math.ceil(total / page), 0


def _fit_height(sheet: SheetData, row: int, texts: Sequence[tuple[Any, float]]) -> None:
    """Make a row tall enough for its wrapped text, ``(value, column width)`` pairs (a
    spreadsheet does not grow the rows of a file it opens)."""
    lines = max((math.ceil(len(value) * 1.1 / max(width - 1.0, 1.0)) for value, width in texts
                 if isinstance(value, str)), default=1)
    if lines > 1:
        sheet.height(row, 15.0 * min(lines, 12))


def _yes_no(value: Any) -> Any:
    return ("yes" if value else "no") if isinstance(value, bool) else value


class _Writer:
    """Writes the input sheets of one case (or a blank template) into a builder."""

    def __init__(self, book: BookBuilder, data: Mapping[str, Any], case: Case | None,
                 years: int) -> None:
        self.book, self.case, self.years = book, case, years
        self._styles: dict[tuple[str, str, bool], int] = {}
        self.layout = InputLayout(n_years=years)
        self.leftover: list[tuple[str, tuple[Any, ...], Any]] = []
        #: The rows of each lens table, by title; what a table does not hold stays in ``data`` and
        #: goes to the Case sheet or the Sections sheet.
        self.lens_rows: dict[str, list[TableRow]] = {}
        options = [o.get("name") for o in data.get("options") or []
                   if isinstance(o, Mapping) and isinstance(o.get("name"), str)]
        #: The headers of each lens table's repeated columns, by title.
        self.lens_names = {table.title: table.names(data, options) for table in LENS_TABLES}
        rest = dict(data)
        #: The sections as the case holds them (a table may name columns after their contents).
        self.sections = {table.section: data.get(table.section) for table in LENS_TABLES}
        for table in LENS_TABLES:  # a section may have several tables: each takes its part
            if rest.get(table.section) is not None:
                rows, left = table.split(rest[table.section], self.lens_names[table.title])
                if rows:
                    self.lens_rows[table.title] = rows
                    if left is None:
                        del rest[table.section]
                    else:
                        rest[table.section] = left
        #: The AHP pairwise grids (MCA pairwise sheet); the weight sets' other keys are
        #: on the MCA sheets already.
        self.grids: list[PairwiseGrid] = []
        if rest.get("mca") is not None:
            self.grids, left = split_grids(rest["mca"])
            if self.grids and left is None:
                del rest["mca"]
            elif self.grids:
                rest["mca"] = left
        self.data = rest
        lines = data.get("lines") or []
        self.line_rows = max(len(lines) + 30, 100)
        #: The Valuation sheet's cells of each valued line, by line index (what they hold
        #: is not repeated on Line details).
        fields = {name for name, _ in S.VALUATION_KEYS}  # a line with none has no row
        self.valued = {i: row for i, line in enumerate(lines)
                       if isinstance(line, dict) and not fields.isdisjoint(line)
                       and (row := S.valuation_row(line))}
        #: The same for the Optimism bias sheet: the rows of each line with optimism bias
        #: (one per project type of a line of several), their cells by column key.
        self.biased = {i: rows for i, line in enumerate(lines)
                       if (rows := S.optimism_bias_rows(line))}
        #: The Incidence sheet's groups (its columns) and the cells of each line's row.
        self.groups = S.incidence_groups(data)
        self.incidence = {i: {S.INCIDENCE_KEY + g: v for g, v in line["incidence"].items()}
                          for i, line in enumerate(lines) if isinstance(line, dict)
                          and S.is_number_map(line.get("incidence"))}
        #: The Risk areas sheet's rows of each line: (area, cells by column key).
        self.risk_areas = {i: rows for i, line in enumerate(lines)
                           if (rows := S.risk_area_rows(line))}
        self.option_rows = max(len(data.get("options") or []) + 5, 10)
        #: Widths of the option and line name columns: the longest name, whole (to 60).
        self.name_widths = {
            key: _text_width(str(item.get("name") or "") for item in items
                             if isinstance(item, Mapping))
            for key, items in (("option", data.get("options") or []), ("line", lines))}

    def cell(self, sheet: SheetData, row: int, col: int, value: Any, kind: str, *,
             role: str = "input", where: str = "", wrap: bool = False) -> None:
        """A typed input cell; blank (styled) when value is None; ``wrap``: text wraps in
        its column (top-aligned) instead of running over the next ones."""
        style = self._styles.get((role, kind, wrap))
        if style is None:
            fmt = _FORMATS.get(kind, "General")
            style = self._styles[(role, kind, wrap)] = (
                self.book.style(role, fmt, wrap=True) if wrap else self.book.style(role, fmt))
        if value is None:
            sheet.blank(row, col, style)
        elif type(value) is str:
            sheet.text(row, col, value, style, field=where)
        else:
            sheet.any(row, col, value, style, field=where)

    def _table(self, spec: S.TableSheet, *, freeze_cols: int = 0,
               extra_headers: Sequence[tuple[str | None, str, float]] = ()
               ) -> tuple[Any, SheetData]:
        """A table sheet (see :meth:`BookBuilder.table`), printed readable: one page wide
        when that keeps the print at :data:`_MIN_SCALE` or more; otherwise as few pages
        wide as keep it so, with the frozen key columns (option, line, input) repeated on
        every page as the header rows are."""
        names = ({"option": "option", "name": "line"} if spec.title in (
            S.LINES.title, S.PROFILES.title, S.VALUATION.title, S.OPTIMISM_BIAS.title,
            S.RISK_AREAS.title, S.INCIDENCE_TITLE, S.LINE_DETAILS.title)
            else {"name": "option"} if spec.title == S.OPTIONS.title else {})
        spec = dataclasses.replace(spec, columns=tuple(
            dataclasses.replace(c, width=max(c.width, self.name_widths[names[c.key]]))
            if c.key in names else c for c in spec.columns))
        ws, sheet = self.book.table(spec, freeze_cols=freeze_cols, extra_headers=extra_headers)
        widths = [c.width for c in spec.columns] + [w for _, _, w in extra_headers]
        pages, keys = print_pages(widths, freeze_cols)
        setup = ws.page_setup
        setup.fitToWidth, setup.fitToHeight = pages, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if keys:
            ws.print_title_cols = f"A:{column_letter(keys)}"
        return ws, sheet

    def _dropdowns(self, ws: Any, columns: Sequence[S.Column], last: int, *,
                   loose: Collection[str] = (),
                   more: Mapping[str, Sequence[str]] | None = None) -> None:
        """The drop-downs of a table's columns, rows :data:`FIRST_ROW` to ``last``: the named
        list of a column with a source, yes or no for a bool, else the column's choices (and
        ``more`` of them by key); in the ``loose`` columns other values may be typed."""
        for col, column in enumerate(columns, start=1):
            choices = (*column.choices, *(more or {}).get(column.key, ()))
            if column.source:
                self.book.dropdown(ws, col, last, source=column.source,
                                   strict=column.key not in loose)
            elif column.type == "bool":
                self.book.dropdown(ws, col, last, choices=_YES_NO)
            elif choices:
                self.book.dropdown(ws, col, last, choices=choices,
                                   strict=column.key not in loose)

    # --- Case ---------------------------------------------------------------------------

    def case_sheet(self) -> None:
        ws, sheet = self._table(S.TableSheet("Case", (
            S.Column("field", "Field", "str", help="case field", role="key", width=38),
            S.Column("value", "Value", "any", help="type the value here", width=38),
            S.Column("unit", "Unit", "str", help="unit", role="calc", width=10),
            S.Column("help", "What it is", "str", help="", role="calc", width=70),
        ), "the case's details"), freeze_cols=1)
        used: set[tuple[str, ...]] = set()
        label = self.book.style("calc", bold=True, wrap=True)  # top-aligned, as the help
        note = self.book.style("calc", wrap=True)
        for i, row in enumerate(S.CASE_ROWS):
            r = S.FIRST_ROW + i
            value: Any = self.data
            for part in row.path:
                value = value.get(part) if isinstance(value, Mapping) else None
            used.add(row.path)
            if row.type == "list" and isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            sheet.text(r, 1, row.label, label)
            self.cell(sheet, r, 2, _yes_no(value), row.type, where=row.name, wrap=True)
            sheet.any(r, 3, row.unit or None, note)
            text = row.help + (" (required)" if row.required else "")
            sheet.text(r, 4, text, note)
            _fit_height(sheet, r, [(text, 70.0), (value, 38.0)])  # wrapped: the row fits
            ref = f"$B${r}"
            self.layout.case_cells[row.name] = f"Case!{ref}"
            if row.choices:
                add_dropdown(ws, f"B{r}", list(row.choices))
            if len(row.path) == 1:
                self.book.name(row.name, ws, ref)
        for key, value in self.data.items():
            if key in ("schema_version", "options", "lines", "discount_schedules"):
                continue  # their own sheets
            if isinstance(value, Mapping) and key in S.MAP_EXPANSIONS:
                for sub, item in value.items():  # what no Case row (a prefix of it) holds
                    if key == "prices" and sub == "deflator":
                        continue
                    self.leftover += [(key, (sub, *p), v) for p, v in flatten(item)
                                      if not any((key, sub, *p[:k]) in used
                                                 for k in range(len(p) + 1))]
            elif (key,) not in used:
                self.leftover += [(key, p, v) for p, v in flatten(value)]

    # --- tables -------------------------------------------------------------------------

    def options_sheet(self) -> None:
        spec = S.OPTIONS
        ws, sheet = self._table(spec, freeze_cols=1)
        options = self.data.get("options") or []
        last = S.FIRST_ROW + self.option_rows - 1
        for i in range(self.option_rows):
            record = options[i] if i < len(options) else {}
            for col, column in enumerate(spec.columns, start=1):
                value = _yes_no(record.get(column.key))
                self.cell(sheet, S.FIRST_ROW + i, col, value, column.type,
                          role="input", where=column.key, wrap=True)
            _fit_height(sheet, S.FIRST_ROW + i, [(record.get(c.key), c.width)
                                                 for c in spec.columns])
            for key in record:
                if key not in {c.key for c in spec.columns}:
                    self.leftover += [("options", (i, key, *p), v)
                                      for p, v in flatten(record[key])]
        self.book.name("option_names", ws, f"$A${S.FIRST_ROW}:$A${last}")
        self._dropdowns(ws, spec.columns, last)

    def lines_sheet(self) -> None:
        spec = S.LINES
        ws, sheet = self._table(spec, freeze_cols=2)
        lines = self.data.get("lines") or []
        last = S.FIRST_ROW + self.line_rows - 1
        columns = {c.key for c in spec.columns}
        for i in range(self.line_rows):
            record = lines[i] if i < len(lines) else {}
            r = S.FIRST_ROW + i
            for col, column in enumerate(spec.columns, start=1):
                self.cell(sheet, r, col, _yes_no(record.get(column.key)), column.type,
                          where=column.key, wrap=True)
            _fit_height(sheet, r, [(record.get(c.key), c.width) for c in spec.columns])
        # a line's category and agency, and its schedule (the shipped ones, the case's own)
        # may be typed
        self._dropdowns(ws, spec.columns, last, loose=("category", "agency", "schedule"),
                        more={"schedule": tuple(self.data.get("discount_schedules") or ())})
        del columns

    def profiles_sheet(self) -> None:
        spec = S.PROFILES
        base = self.data.get("base_year")
        extra = [(None, f"t = {k}", 11) for k in range(self.years)]
        ws, sheet = self._table(spec, freeze_cols=2, extra_headers=extra)
        first = len(spec.columns) + 1
        self.layout.first_year_col = first
        head = self.book.header
        for k in range(self.years):
            cached: Any = base + k if isinstance(base, int) else ""
            sheet.formula(S.HEADER_ROW, first + k, f'IF(ISNUMBER(base_year),base_year+{k},"")',
                          cached, head)
        lines = self.data.get("lines") or []
        cols = {c.key: i for i, c in enumerate(spec.columns, start=1)}
        amount_in, amount_calc = self.book.style("input", "#,##0.00"), self.book.style(
            "calc", "#,##0.00")
        unit_style = self.book.style("calc", wrap=False)
        total_style = self.book.style("calc", '#,##0.00;-#,##0.00;""')
        last_col = column_letter(first + self.years - 1)
        years = range(base, base + self.years) if isinstance(base, int) else None
        for i in range(self.line_rows):
            r = S.FIRST_ROW + i
            record = lines[i] if i < len(lines) else {}
            self.layout.profile_rows.append(r)
            profile = record.get("profile") or {}
            kind = profile.get("type") or ("explicit" if "values" in record else None)
            for key in ("option", "name"):
                self.cell(sheet, r, cols[key], record.get(key), "str", where=key)
            self.cell(sheet, r, cols["profile.type"], kind, "str", where="profile.type")
            for name in S.PROFILE_PARAMS:
                column = spec.columns[cols[f"profile.{name}"] - 1]
                self.cell(sheet, r, cols[f"profile.{name}"], profile.get(name), column.type,
                          where=f"profile.{name}")
            sheet.any(r, cols["unit"], self._unit(record) if record else None, unit_style)
            if kind in (None, "explicit"):
                values = record.get("values") or {}
                row = list(map(values.get, years)) if years else [None] * self.years
                if None not in row:  # every year given: the amounts are the row itself
                    amounts = np.asarray(row, dtype=np.float64)
                    sheet.numbers(r, first, amounts, amount_in, field="values")
                else:
                    amounts = self._amounts(record, kind)
                    for k, value in enumerate(row):
                        if value is None:
                            sheet.blank(r, first + k, amount_in)
                        else:
                            sheet.number(r, first + k, value, amount_in, field="values")
            else:
                amounts = self._amounts(record, kind)
                # each year's formula: its column letter joined with the same pieces
                sheet.formula_pieces(r, first, generator_formula(kind, "\x00", r).split(
                    "\x00"), amounts, amount_calc)
            total = sum(amounts.tolist() if isinstance(amounts, np.ndarray) else amounts)
            sheet.formula(r, cols["total"], f"SUM({column_letter(first)}{r}:{last_col}{r})",
                          float(total), total_style)
        last = S.FIRST_ROW + self.line_rows - 1
        self.book.dropdown(ws, cols["option"], last, source="option_names")
        self.book.dropdown(ws, cols["profile.type"], last,
                           choices=spec.columns[cols["profile.type"] - 1].choices)

    def _unit(self, record: Mapping[str, Any]) -> str:
        valued = record.get("unit_value")
        if isinstance(valued, Mapping) and valued:
            return _quantity_unit(valued, record.get("outcome"))
        if record.get("price_basis") == "nominal":
            return "£ cash (nominal)"
        year = record.get("price_year") or self.data.get("price_year") or self.data.get(
            "base_year")
        return f"£ real, {year} prices" if year else "£ real"

    def _amounts(self, record: Mapping[str, Any], kind: str | None) -> list[float]:
        base = self.data.get("base_year")
        if not isinstance(base, int) or not record:
            return [0.0] * self.years
        if kind in (None, "explicit"):
            values = record.get("values") or {}
            return [float(values.get(base + k, 0.0)) for k in range(self.years)]
        profile = record.get("profile") or {}
        resolved = Profile(**profile).resolve()
        return [float(resolved.get(base + k, 0.0)) for k in range(self.years)]

    def valuation_sheet(self) -> None:
        """One row per valued line: its unit value and outcome chain as columns."""
        self._columns_sheet(S.VALUATION, {i: [row] for i, row in self.valued.items()})

    def optimism_bias_sheet(self) -> None:
        """One row per line with optimism bias: its project type, bound ... as columns."""
        # a pack of the case's own may add project types: others may be typed
        self._columns_sheet(S.OPTIMISM_BIAS, self.biased, loose=("optimism_bias.project_type",))

    def risk_areas_sheet(self) -> None:
        """One row per line and risk area: contributions and mitigation as columns."""
        lines = self.data.get("lines") or []
        rows = [(lines[i], area, cells) for i, areas in sorted(self.risk_areas.items())
                for area, cells in areas]
        wide = _text_width(area for _, area, _ in rows)  # as the name columns are
        ws, sheet = self._table(dataclasses.replace(S.RISK_AREAS, columns=tuple(
            dataclasses.replace(c, width=max(c.width, wide)) if c.key == "area" else c
            for c in S.RISK_AREAS.columns)), freeze_cols=3)
        for k in range(len(rows) + 20):
            record, area, cells = rows[k] if k < len(rows) else ({}, None, {})
            r = S.FIRST_ROW + k
            for col, column in enumerate(S.RISK_AREAS.columns, start=1):
                value = (area if column.key == "area" else record.get(column.key)
                         if column.role == "key" else cells.get(column.key))
                self.cell(sheet, r, col, value, column.type, where=column.key)
        self._dropdowns(ws, S.RISK_AREAS.columns, S.FIRST_ROW + len(rows) + 19)

    def incidence_sheet(self) -> None:
        """One row per line with incidence: its share in each group, a column per group."""
        self._columns_sheet(S.incidence_sheet(self.groups),
                            {i: [cells] for i, cells in self.incidence.items()})

    def _columns_sheet(self, spec: S.TableSheet,
                       held: Mapping[int, Sequence[Mapping[str, Any]]], *,
                       loose: Collection[str] = ()) -> None:
        """A sheet of line fields as columns: the rows of each line in *held* (their cells
        by column key), then 20 spare rows; ``loose``: as :meth:`_dropdowns`."""
        ws, sheet = self._table(spec, freeze_cols=2)
        lines = self.data.get("lines") or []
        rows = [(lines[i], cells) for i, many in sorted(held.items()) for cells in many]
        total = len(rows) + 20
        for i in range(total):
            record, cells = rows[i] if i < len(rows) else ({}, {})
            r = S.FIRST_ROW + i
            for col, column in enumerate(spec.columns, start=1):
                value = record.get(column.key) if column.role == "key" else cells.get(
                    column.key)
                self.cell(sheet, r, col, _yes_no(value), column.type, where=column.key)
        self._dropdowns(ws, spec.columns, S.FIRST_ROW + total - 1, loose=loose)

    def details_sheet(self) -> None:
        scalar = {c.key for c in S.LINES.columns}
        rows: list[tuple[str, str, str, str, Any]] = []
        for i, record in enumerate(self.data.get("lines") or []):
            biased = self.biased.get(i, ())
            shares = (record["optimism_bias"]["shares"] if any(
                "optimism_bias.shares" in row for row in biased) else {})  # rows there
            held = {**self.valued.get(i, {}), **{k: True for row in biased for k in row},
                    **{f"optimism_bias.shares.{kind}": True for kind in shares},
                    **dict.fromkeys(self.incidence.get(i, ()), True),
                    **{f"{key}.{area}": True for area, cells in self.risk_areas.get(i, ())
                       for key in cells}}
            for key, value in record.items():
                if key in scalar or key in ("values", "profile"):
                    continue
                for path, leaf in flatten(value):
                    if held and f"{key}.{'.'.join(map(str, path))}" in held:
                        continue  # on the Valuation, Optimism bias or Risk areas sheet
                    rows.append((record.get("option"), record.get("name"), key,
                                 S.path_text(path), leaf))
        wide = _text_width(str(row[3]) for row in rows)  # as the name columns are
        spec = dataclasses.replace(S.LINE_DETAILS, columns=tuple(
            dataclasses.replace(c, width=max(c.width, wide)) if c.key == "key" else c
            for c in S.LINE_DETAILS.columns))
        ws, sheet = self._table(spec, freeze_cols=2)
        total = len(rows) + 20
        for i in range(total):
            r = S.FIRST_ROW + i
            option, name, key, path, leaf = rows[i] if i < len(rows) else (None,) * 5
            where = f"{key}.{path}" if key else ""
            shown = S.label(key, "") if key else None  # the field in words
            for col, value in enumerate((option, name, shown, path), start=1):
                self.cell(sheet, r, col, value, "str", where=where)
            kind = "fraction" if where and S.is_fraction(where) else "any"
            self.cell(sheet, r, 5, leaf, kind, where=where)
            self.cell(sheet, r, 6, None, "str")
        last = S.FIRST_ROW + total - 1
        self.book.dropdown(ws, 1, last, source="option_names")
        self.book.dropdown(ws, 3, last, choices=spec.columns[2].choices)

    def _rows_sheet(self, spec: S.TableSheet, rows: list[tuple[Any, ...]]) -> None:
        """A table sheet of plain rows (one value per column before Notes), with 10 spare."""
        _, sheet = self._table(spec, freeze_cols=1)
        kinds = [c.type for c in spec.columns]
        for i in range(len(rows) + 10):
            r = S.FIRST_ROW + i
            values = rows[i] if i < len(rows) else (None,) * (len(kinds) - 1)
            for col, (value, kind) in enumerate(zip((*values, None), kinds, strict=True),
                                                start=1):
                self.cell(sheet, r, col, value, kind)

    def deflator_sheet(self) -> None:
        table = ((self.data.get("prices") or {}).get("deflator")) or {}
        self._rows_sheet(S.DEFLATOR, sorted(table.items()))

    def discount_schedules_sheet(self) -> None:
        own = self.data.get("discount_schedules") or {}
        self._rows_sheet(S.DISCOUNT_SCHEDULES, [(name, t, rate) for name, rates in own.items()
                                                for t, rate in enumerate(rates, start=1)])

    def lens_sheets(self) -> None:
        """One sheet per lens table (:data:`~appraisal.case.lens_sheets.LENS_TABLES`), with
        spare rows to add to, and a drop-down on every column with closed choices."""
        for table in LENS_TABLES:
            spec = table.sheet(self.lens_names[table.title], self.sections.get(table.section))
            ws, sheet = self._table(spec, freeze_cols=1)
            rows = self.lens_rows.get(table.title, [])
            total = len(rows) + 10
            for i in range(total):
                row = rows[i] if i < len(rows) else TableRow()
                r = S.FIRST_ROW + i
                for col, column in enumerate(spec.columns, start=1):
                    key = column.key
                    value = (row.per_option.get(column.header) if key.startswith("option:")
                             else row.values.get(key))
                    where = f"{table.section}.{key}"
                    self.cell(sheet, r, col, _yes_no(value), row.types.get(key, column.type),
                              where=where, wrap=True)
                _fit_height(sheet, r, [(row.values.get(c.key), c.width) for c in spec.columns])
            self._dropdowns(ws, spec.columns, S.FIRST_ROW + total - 1,
                            loose=[c.key for c in spec.columns if c.source])
            if table.title == "MCA":
                self.pairwise_sheet()

    def pairwise_sheet(self) -> None:
        """``MCA pairwise``: one square grid per AHP comparison, a blank row between two
        (see :mod:`appraisal.case.lens_sheets_pairwise`); judgements typed right of the
        diagonal, their reciprocals left of it as live formulas."""
        widest = max((len(str(x)) for g in self.grids for x in g.items), default=0)
        n_cols = max((len(g.items) for g in self.grids), default=0)
        width = max(PAIRWISE.columns[-1].width, widest + 3.0)
        extra = [(None, GRID_HELP[k] if k < len(GRID_HELP) else "", width)
                 for k in range(max(n_cols, len(GRID_HELP) + 1) - 1)]
        spec = S.TableSheet(PAIRWISE.title, (*PAIRWISE.columns[:-1], dataclasses.replace(
            PAIRWISE.columns[-1], width=width)), PAIRWISE.description)
        _, sheet = self._table(spec, freeze_cols=3, extra_headers=extra)
        for k in range(len(extra)):  # the item columns' headers: blank, styled as headers
            sheet.blank(S.HEADER_ROW, FIRST_ITEM_COL + 1 + k, self.book.header)
        judgement = self.book.style("input", "0.00##")
        calc = self.book.style("calc", "0.00##")
        name = self.book.style("input", "@", bold=True)
        label = self.book.style("calc", "@", bold=True)
        r = S.FIRST_ROW
        for grid in self.grids:
            n = len(grid.items)
            self.cell(sheet, r, 1, grid.weight_set, "str", where="mca.weights")
            self.cell(sheet, r, 2, grid.node, "str", where="mca.weights")
            sheet.text(r, 3, "↓ compared with →", label)
            for j, item in enumerate(grid.items):
                sheet.text(r, FIRST_ITEM_COL + j, item, name, field="mca.weights")
            for i, item in enumerate(grid.items):
                row = r + 1 + i
                sheet.formula(row, 3, f"{column_letter(FIRST_ITEM_COL + i)}{r}", item, label,
                              field="mca.weights")
                for j in range(n):
                    col = FIRST_ITEM_COL + j
                    if i == j:
                        sheet.number(row, col, 1, calc)
                    elif i < j:
                        sheet.any(row, col, grid.judgements[(i, j)], judgement,
                                  field="mca.weights")
                    else:
                        mirror = f"{column_letter(FIRST_ITEM_COL + i)}{r + 1 + j}"
                        sheet.formula(row, col, f"1/{mirror}", 1 / grid.judgements[(j, i)],
                                      calc)
            r += n + 2

    def sections_sheet(self) -> None:
        _, sheet = self._table(S.SECTIONS, freeze_cols=1)
        rows = self.leftover
        for i in range(len(rows) + 10):
            section, path, leaf = rows[i] if i < len(rows) else (None, None, None)
            r = S.FIRST_ROW + i
            self.cell(sheet, r, 1, section, "str")
            self.cell(sheet, r, 2, S.path_text(path) if path else None, "str")
            where = f"{section}.{S.path_text(path)}" if section and path else ""
            kind = "fraction" if where and S.is_fraction(where) else "any"
            self.cell(sheet, r, 3, leaf, kind, where=where)
            self.cell(sheet, r, 4, None, "str")

    def lists_sheet(self) -> None:
        spec = S.TableSheet("Lists", (
            S.Column("categories", "Categories", "str", help="drop-down list of categories "
                     "(add your own)", width=24),
            S.Column("agencies", "Agencies", "str", help="drop-down list of agencies (add "
                     "your own)", width=24),
        ), "lists behind the drop-downs")
        ws, sheet = self._table(spec)
        lines = self.data.get("lines") or []
        lists = [list(dict.fromkeys([*shipped, *(ln.get(key) for ln in lines if ln.get(key))]))
                 for key, shipped in (("category", _CATEGORIES), ("agency", _AGENCIES))]
        size = max(len(lists[0]), len(lists[1])) + 30
        for col, items in enumerate(lists, start=1):
            for i in range(size):
                self.cell(sheet, S.FIRST_ROW + i, col, items[i] if i < len(items) else None,
                          "str")
        last = S.FIRST_ROW + size - 1
        self.book.name("categories", ws, f"$A${S.FIRST_ROW}:$A${last}")
        self.book.name("agencies", ws, f"$B${S.FIRST_ROW}:$B${last}")


def add_input_sheets(book: BookBuilder, data: Mapping[str, Any], case: Case | None, *,
                     years: int) -> InputLayout:
    """Write the input sheets for *data* (plain case data) and record the snapshot."""
    writer = _Writer(book, data, case, years)
    for write in (writer.case_sheet, writer.options_sheet, writer.lines_sheet,
                  writer.profiles_sheet, writer.valuation_sheet, writer.optimism_bias_sheet,
                  writer.risk_areas_sheet, writer.incidence_sheet, writer.details_sheet,
                  writer.deflator_sheet, writer.discount_schedules_sheet, writer.lens_sheets,
                  writer.sections_sheet, writer.lists_sheet):
        write()
    book.put_json("snapshot", normalise(data))
    book.meta.update({"format": WORKBOOK_FORMAT, "schema_version": SCHEMA_VERSION,
                      "tool_version": tool_version(),
                      "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "year_columns": years, "first_year_column": writer.layout.first_year_col})
    return writer.layout


def write_template(
    path: PathLike,
    case: Case | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    years: int | None = None,
    force: bool = False,
    protect: Sequence[PathLike] = (),
) -> Path:
    """Write an input workbook: blank, or filled from a case.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xlsx`` file to write (atomically; never over an input).
    case : Case, optional
        Fill the workbook from this case.
    data : mapping, optional
        The case as plain data (as read from its file), when known; it is written exactly,
        so case sections keep their own layout. By default built from *case*.
    years : int, optional
        Year columns of a blank template (default :data:`DEFAULT_YEARS`); a case's
        workbook has one per year of its horizon.
    force : bool, default False
        Replace an existing file.
    protect : sequence of paths
        Inputs that must never be overwritten.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from appraisal import example_path, load_case
    >>> out = write_template(Path(tempfile.mkdtemp()) / "case.xlsx",
    ...                      load_case(example_path("minimal")))
    >>> out.suffix
    '.xlsx'
    """
    if data is None:
        data = case_to_data(case) if case is not None else {"schema_version": SCHEMA_VERSION}
    n_years = case.horizon_years if case is not None else int(years or DEFAULT_YEARS)
    with no_gc():
        book = BookBuilder()
        add_input_sheets(book, data, case, years=n_years)
        parameters_sheet(book, str(data.get("vintage") or "GB2026"))
        cover_sheet(book, data)  # after every other sheet: it lists them
        book.meta["workbook_kind"] = "case" if case is not None else "template"
        book.workbook.active = 0
        return book.save(path, force=force, protect=protect)
