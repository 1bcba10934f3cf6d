"""The sheet-by-sheet part of the workbook reader (see :mod:`appraisal.inputs.excel_read`).

Each function reads one sheet of the layout in :mod:`appraisal.case.sheets` into the
YAML layout, registering the cell of every field it reads so that schema errors are
located at ``Sheet!Cell``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from fractions import Fraction
from itertools import repeat
from typing import Any

from appraisal.case import sheets as S
from appraisal.case.lens_sheets import TableRow
from appraisal.case.lens_sheets_pairwise import (
    ALL_CRITERIA,
    FIRST_ITEM_COL,
    PAIRWISE,
    PairwiseGrid,
    join_grids,
)
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.case.schema import LINE_FIELDS, SCHEMA_VERSION
from appraisal.case.sheets import generator_formulas
from appraisal.cells import cell_ref, column_letter
from appraisal.fields import closest, did_you_mean
from appraisal.inputs.excel_changes import normalise_formula
from appraisal.inputs.workbook_cells import CellReader

__all__ = ["read_sheets"]


def _case(rd: CellReader, data: dict[str, Any]) -> None:
    if "Case" not in rd.grid.sheet_names:
        return
    sheet = rd.grid.sheet("Case")
    for col, text in ((1, "Field"), (2, "Value")):
        cell = sheet.get(S.HEADER_ROW, col)
        if cell is None or cell.value != text:
            rd.error(cell_ref("Case", S.HEADER_ROW, col), "Case", "renamed-header",
                     f"expected the header {text!r} (got {getattr(cell, 'value', None)!r})",
                     "restore the header as in `appraisal template`")
    # a row is named by its words (what the template writes) or by its field path (what
    # workbooks written before wrote), in any case
    rows = {key.casefold(): row for row in S.CASE_ROWS for key in (row.name, row.label)}
    rd.column_names.update({("Case", 1): "Field", ("Case", 2): "Value"})
    seen: dict[str, int] = {}
    for r in range(S.FIRST_ROW, sheet.max_row + 1):
        cell = sheet.get(r, 1)
        name = cell.value if cell is not None and cell.kind == "s" else None
        value_cell = sheet.get(r, 2)
        if not name:
            if value_cell is not None and value_cell.kind is not None:
                rd.error(cell_ref("Case", r, 2), "Case", "value-without-field", "a value with no "
                         "field name in column A", "put the field name back, or clear the value")
            continue
        spec = rows.get(name.strip().casefold())
        if spec is None:
            # suggested by its words, its words without the bracket, or its field path
            words = {key: row.label for row in S.CASE_ROWS
                     for key in (row.label, row.label.split(" (")[0], row.name)}
            close = closest(name, words)
            rd.error(cell_ref("Case", r, 1), name, "unknown-field", f"unknown field {name!r}",
                     f"did you mean {words[close[0]]!r}?" if close
                     else "use the field names of `appraisal template`")
            continue
        if spec.name in seen:
            rd.error(cell_ref("Case", r, 1), spec.name, "duplicate-field", f"field "
                     f"{spec.label!r} appears twice (also row {seen[spec.name]})",
                     "delete one of the rows")
            continue
        seen[spec.name] = r
        rd.row_names[("Case", r)] = spec.label
        value = rd.value(sheet, r, 2, spec.type, spec.path)
        if value is not None and value != []:
            node = data
            for part in spec.path[:-1]:
                node = node.setdefault(part, {})
            node[spec.path[-1]] = value


def _table(rd: CellReader, spec: S.TableSheet) -> list[tuple[int, dict[str, Any], dict[str, int]]]:
    """(row, record, columns) of each filled data row of a table sheet."""
    if spec.title not in rd.grid.sheet_names:
        return []
    rows, _ = _table_cols(rd, spec)
    return rows


def _table_cols(rd: CellReader, spec: S.TableSheet
                ) -> tuple[list[tuple[int, dict[str, Any], dict[str, int]]], dict[str, int]]:
    """The filled rows of a table sheet and the column of each header found."""
    sheet = rd.grid.sheet(spec.title)
    stop = len(spec.columns) if spec is S.PROFILES else None
    cols = rd.headers(spec, sheet, stop=stop)
    out = []
    read = [(column.key, cols[column.key], column.type, S.is_fraction(column.key))
            for column in spec.columns
            if column.key in cols and column.role in ("key", "input")]
    value, title = rd.value, spec.title
    for r in rd.rows(spec, sheet, cols):
        record: dict[str, Any] = {}
        for key, col, kind, fraction in read:
            found = value(sheet, r, col, kind, (title, r, key), fraction)
            if found is not None:
                record[key] = found
        out.append((r, record, cols))
    return out, cols


def _relocate(rd: CellReader, spec: S.TableSheet, r: int, new: tuple[Any, ...],
              keys: dict[str, tuple[Any, ...]]) -> None:
    for key, target in keys.items():
        where = rd.loc.pop((spec.title, r, key), None)
        if where is not None:
            rd.loc[(*new, *target)] = where


def _options(rd: CellReader, data: dict[str, Any]) -> None:
    options = []
    for r, record, _ in _table(rd, S.OPTIONS):
        i = len(options)
        rd.loc[("options", i)] = cell_ref(S.OPTIONS.title, r, 1)
        _relocate(rd, S.OPTIONS, r, ("options", i), {c.key: (c.key,) for c in
                                                       S.OPTIONS.columns})
        options.append(record)
    data["options"] = options


def _year_columns(rd: CellReader, sheet: Any, first: int, base: int | None) -> int:
    """Number of year columns (those with a header), checking numeric headers."""
    n = 0
    while sheet.get(S.HEADER_ROW, first + n) is not None:
        cell = sheet.get(S.HEADER_ROW, first + n)
        if cell.kind == "n" and base is not None and cell.value != base + n:
            rd.error(cell_ref(sheet.title, S.HEADER_ROW, first + n), "year", "year-header",
                     f"the header says {cell.value} but this column is year {base + n} "
                     f"(base year {base} plus {n})", "year columns run from the base year, one "
                     "year per column: restore the header formula")
        n += 1
    return n


def _profiles(rd: CellReader, base: int | None, index: dict[tuple[Any, Any], int]
              ) -> dict[tuple[Any, Any], dict[str, Any]]:
    spec = S.PROFILES
    if spec.title not in rd.grid.sheet_names:
        return {}
    sheet = rd.grid.sheet(spec.title)
    table, cols = _table_cols(rd, spec)
    first = max(cols.values(), default=len(spec.columns)) + 1
    n_years = _year_columns(rd, sheet, first, base)
    total_col = cols.get("total")
    out: dict[tuple[Any, Any], dict[str, Any]] = {}
    date_styles = rd.grid.date_styles
    rd.year_cells = (spec.title, first, base)
    filled: set[int] = set()
    beyond_by_row: dict[int, int] = {}
    for (r, c), cell in sheet.cells.items():
        if r >= S.FIRST_ROW and c >= first and (cell.formula is not None or
                                                  cell.kind is not None):
            filled.add(r)
            if c >= first + n_years and cell.kind is not None and cell.value not in ("", 0):
                beyond_by_row[r] = min(c, beyond_by_row.get(r, c))
    rows = {r for r, _, _ in table} | filled
    records = {r: rec for r, rec, _ in table}
    letters = [column_letter(first + k) for k in range(n_years)]
    year_cols = range(first, first + n_years)
    years = [base + k if base is not None else k for k in range(n_years)]
    get = sheet.cells.get
    for r in sorted(rows):
        record = records.get(r, {})
        if r in beyond_by_row:
            rd.error(cell_ref(spec.title, r, beyond_by_row[r]), "values", "outside-year-columns",
                     "amounts to the right of the last year column are not read",
                     "move them into the year columns, or extend the year headers")
        kind = record.get("profile.type") or "explicit"
        item: dict[str, Any] = {"row": r, "type": kind, "values": {}, "params": {}}
        for name in S.PROFILE_PARAMS:
            if f"profile.{name}" in record:
                item["params"][name] = record[f"profile.{name}"]
        typed, edited = [], []
        expected_row: list[str] | None = None
        row_cells = list(map(get, zip(repeat(r, n_years), year_cols, strict=True)))
        if not _plain_row(item, kind, row_cells, years, date_styles, letters, r):
            # cell by cell: what the row holds is not the plain case (or is wrong)
            for k in range(n_years):
                c = first + k
                cell = row_cells[k]
                if cell is None:
                    continue
                if kind == "explicit":
                    year = base + k if base is not None else k
                    if (cell.kind == "n" and cell.formula is None
                            and type(cell.value) in _NUMBER_TYPES
                            and cell.style not in date_styles):
                        item["values"][year] = cell.value  # the common case; located lazily
                        continue
                    key = (record.get("option"), record.get("name"))
                    path = ("lines", index[key], "values", year) if key in index else (
                        spec.title, r, "values", year)
                    value = rd.value(sheet, r, c, "float", path)
                    if value is not None:
                        item["values"][year] = value
                elif cell.formula is None:
                    if cell.kind is not None and cell.value != "":
                        typed.append(cell_ref(spec.title, r, c))
                elif cell.formula and kind in ("one_off", "constant", "growth", "ramp_up"):
                    if expected_row is None:
                        expected_row = generator_formulas(kind, letters, r)
                    expected = expected_row[k]
                    if cell.formula != expected and normalise_formula(
                            cell.formula) != normalise_formula(expected):
                        edited.append(cell_ref(spec.title, r, c))
        if typed:
            rd.error(typed[0], "values", "generated-amount-typed", f"this line's amounts come "
                     f"from its '{kind}' profile, but {len(typed)} year cell(s) hold typed "
                     f"values ({', '.join(typed[:5])})", "set 'Profile type' to 'explicit' to "
                     "type amounts year by year, or clear the typed cells")
        if edited:
            rd.error(edited[0], "values", "formula-edited", f"{len(edited)} calculated year "
                     f"cell(s) of this '{kind}' profile were changed ({', '.join(edited[:5])})",
                     "undo the edit: change the profile's parameters instead")
        if total_col is not None and record:
            cell = sheet.get(r, total_col)
            if cell is not None and cell.formula is None and cell.kind is not None:
                rd.error(cell_ref(spec.title, r, total_col), "total", "formula-edited",
                         "the Total is calculated and was overwritten", "undo the edit")
        key = (record.get("option"), record.get("name"))
        if not record.get("option") and not record.get("name"):
            if item["values"] or item["params"]:
                rd.error(cell_ref(spec.title, r, 1), "option", "profile-without-line",
                         "amounts with no option and line name", "fill in Option and Line")
            continue
        if key in out:
            rd.error(cell_ref(spec.title, r, 2), "name", "duplicate-profile", f"line "
                     f"'{key[1]}' of '{key[0]}' has two rows (also row {out[key]['row']})",
                     "keep one row per line")
            continue
        out[key] = item
    return out


def _plain_row(item: dict[str, Any], kind: str, cells: list[Any], years: list[int],
               date_styles: Any, letters: list[str], r: int) -> bool:
    """Read a whole ``Profiles`` row of year cells at once if it is the plain case: every
    cell an explicit amount (a number, no formula, not formatted as a date), or every cell
    the unchanged formula of a generated profile. False (nothing read) otherwise, and the
    row is read cell by cell, which reports each problem at its cell."""
    if not cells or None in cells:
        return False
    kinds, values, formulas, styles = zip(*cells, strict=True)
    if kind == "explicit":
        if (kinds.count("n") == len(kinds) and formulas.count(None) == len(formulas)
                and _NUMBER_TYPES.issuperset(map(type, values))
                and date_styles.isdisjoint(styles)):
            item["values"].update(zip(years, values, strict=True))  # located lazily
            item["plain"] = True  # (no cell of the row was located: nothing to move)
            return True
        return False
    if kind in ("one_off", "constant", "growth", "ramp_up"):
        return list(formulas) == generator_formulas(kind, letters, r)
    return False


#: The types of a number cell's value read as an amount as it is.
_NUMBER_TYPES = frozenset({int, float})


def _lines(rd: CellReader, data: dict[str, Any]) -> None:
    base = data.get("base_year") if isinstance(data.get("base_year"), int) else None
    table = _table(rd, S.LINES)
    index: dict[tuple[Any, Any], int] = {}
    for i, (_, record, _) in enumerate(table):
        index.setdefault((record.get("option"), record.get("name")), i)
    profiles = _profiles(rd, base, index)
    lines, used = [], set()
    for r, record, _ in table:
        i = len(lines)
        rd.loc[("lines", i)] = cell_ref(S.LINES.title, r, 1)
        _relocate(rd, S.LINES, r, ("lines", i), {c.key: (c.key,) for c in S.LINES.columns})
        key = (record.get("option"), record.get("name"))
        item = profiles.get(key)
        if item is not None:
            used.add(key)
            pr = item["row"]
            if item["type"] == "explicit":
                record["values"] = item["values"]
                rd.loc[("lines", i, "values")] = cell_ref(S.PROFILES.title, pr, 3)
                rd.line_rows[i] = pr
                for year in () if item.get("plain") else item["values"]:
                    where = rd.loc.pop((S.PROFILES.title, pr, "values", year), None)
                    if where and index.get(key) != i:  # a duplicate line: keep the first's cells
                        rd.loc[("lines", i, "values", year)] = where
            else:
                record["profile"] = {"type": item["type"], **item["params"]}
                rd.loc[("lines", i, "profile")] = cell_ref(S.PROFILES.title, pr, 3)
                _relocate(rd, S.PROFILES, pr, ("lines", i, "profile"),
                          {f"profile.{n}": (n,) for n in ("type", *S.PROFILE_PARAMS)})
        lines.append(record)
    for key, item in profiles.items():
        if key not in used:
            rd.error(cell_ref(S.PROFILES.title, item["row"], 1), "option", "profile-without-line",
                     f"no line '{key[1]}' of option '{key[0]}' on the Lines sheet",
                     "add the line on Lines, or correct the option and line names")
    data["lines"] = lines


#: What a row of each sheet of line fields as columns holds, and its reason codes.
_COLUMN_SHEETS = {
    S.VALUATION.title: ("a unit value or outcome chain", "valuation-without-line",
                        "duplicate-valuation"),
    S.OPTIMISM_BIAS.title: ("an optimism bias", "optimism-bias-without-line",
                            "duplicate-optimism-bias"),
}


def _columns(rd: CellReader, spec: S.TableSheet, data: dict[str, Any]) -> None:
    """``Valuation`` or ``Optimism bias``: each row's values into its line (matched by option
    and line name, as ``Profiles``), each value located at its cell; a project type typed in
    words is read as its key; a line's rows with a Share (%) each are its project-type
    shares (:func:`_shares`)."""
    what, orphan, twice = _COLUMN_SHEETS[spec.title]
    lines = data.get("lines", [])
    index = _line_index(lines)
    by_line: dict[tuple[Any, Any], list[tuple[int, dict[str, Any], dict[str, int]]]] = {}
    for r, record, cols in _table(rd, spec):
        key = (record.get("option"), record.get("name"))
        for column in spec.columns:
            if column.role == "key":
                rd.loc.pop((spec.title, r, column.key), None)
        if key not in index:
            _no_line(rd, spec, r, cols, key, orphan, what)
            continue
        if _KIND in record:
            record[_KIND] = S.project_type_key(record[_KIND])
        by_line.setdefault(key, []).append((r, record, cols))
    for key, rows in by_line.items():
        i = index[key]
        if any(_SHARE in record for _, record, _ in rows):
            rows = _shares(rd, rows, key, i, lines[i])
        for r, _record, cols in rows[1:]:
            rd.error(cell_ref(spec.title, r, cols.get("name", 2)), "name", twice,
                     f"line '{key[1]}' of '{key[0]}' has two rows (also row {rows[0][0]})",
                     "keep one row per line")
        for r, record, cols in rows[:1]:
            _into_line(rd, spec, r, record, cols, lines[i], i)


def _into_line(rd: CellReader, spec: S.TableSheet, r: int, record: dict[str, Any],
               cols: dict[str, int], line: dict[str, Any], i: int) -> None:
    """One row's values of a sheet of line fields as columns into line *i*."""
    for column in spec.columns:
        if column.role != "input" or column.key not in record:
            continue
        field_name, *path = column.key.split(".")
        node = line.setdefault(field_name, {})
        if not isinstance(node, dict):
            continue
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = record[column.key]
        where = rd.loc.pop((spec.title, r, column.key), None) or cell_ref(
            spec.title, r, cols[column.key])
        rd.loc[("lines", i, field_name, *path)] = where
        for k in range(len(path)):  # the maps themselves at their first cell
            rd.loc.setdefault(("lines", i, field_name, *path[:k]), where)


_KIND, _SHARE = "optimism_bias.project_type", "optimism_bias.shares"


def _shown(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else repr(value)


def _shares(rd: CellReader, rows: list[tuple[int, dict[str, Any], dict[str, int]]],
            key: tuple[Any, Any], i: int, line: dict[str, Any]
            ) -> list[tuple[int, dict[str, Any], dict[str, int]]]:
    """The ``Optimism bias`` rows of a line of several project types: each row's Project type
    and Share (%) into the line's ``shares`` (located at the share's cell); the other columns
    given on one row, or alike on each. Returns one row of those other columns."""
    spec, title = S.OPTIMISM_BIAS, S.OPTIMISM_BIAS.title
    headers = {c.key: c.header for c in spec.columns}
    line_words = f"line '{key[1]}' of '{key[0]}'"
    shares: dict[str, Any] = {}
    share_rows: dict[str, int] = {}
    given: dict[str, tuple[Any, int, str]] = {}
    for r, record, cols in rows:
        kind, share = record.pop(_KIND, None), record.pop(_SHARE, None)
        at = {k: rd.loc.pop((title, r, k), None) or cell_ref(title, r, cols.get(k, col))
              for k, col in ((_KIND, 3), (_SHARE, 4))}
        if share is None:
            rd.error(at[_SHARE], _SHARE, "optimism-bias", f"{line_words} has {len(rows)} rows "
                     "here and some have a Share (%), but this one has none", "a line of "
                     "several project types has one row per type with its share of the cost "
                     "(they add up to 100%): fill in Share (%), or keep one row for the line")
        elif kind is None:
            rd.error(at[_KIND], _KIND, "optimism-bias", f"{line_words} has a Share (%) with no "
                     "Project type", "choose the project type this share of the cost is, or "
                     "clear the share")
        elif kind in shares:
            rd.error(at[_KIND], _KIND, "duplicate-optimism-bias", f"project type "
                     f"'{S.project_types().get(kind, kind)}' appears twice for {line_words} "
                     f"(also row {share_rows[kind]})", "keep one row per project type, with "
                     "its whole share")
        else:
            shares[kind], share_rows[kind] = share, r
            full = ("lines", i, "optimism_bias", "shares")
            rd.loc[(*full, kind)] = at[_SHARE]
            for k in range(3, len(full) + 1):  # the maps themselves at their first share
                rd.loc.setdefault(full[:k], at[_SHARE])
        for field in [k for k in record if k not in ("option", "name")]:
            value = record.pop(field)
            where = rd.loc.pop((title, r, field), None) or cell_ref(title, r, cols[field])
            if field not in given:
                given[field] = (value, r, where)
            elif given[field][0] != value:
                rd.error(where, field, "optimism-bias", f"{headers[field]} of {line_words} is "
                         f"{_shown(value)} here but {_shown(given[field][0])} on row "
                         f"{given[field][1]}; a line has one", "give it on one of the line's "
                         "rows (or the same on each)")
    if shares:
        ob = line.setdefault("optimism_bias", {})
        if isinstance(ob, dict):
            ob["shares"] = shares
    r, _, cols = rows[0]
    record = {field: value for field, (value, _, _) in given.items()}
    for field, (_, _, where) in given.items():
        rd.loc[(title, r, field)] = where
    return [(r, record, cols)]


def _line_index(lines: list[dict[str, Any]]) -> dict[tuple[Any, Any], int]:
    """Each line's index by (option, name), the first of any two alike."""
    index: dict[tuple[Any, Any], int] = {}
    for i, ln in enumerate(lines):
        index.setdefault((ln.get("option"), ln.get("name")), i)
    return index


def _no_line(rd: CellReader, spec: S.TableSheet, r: int, cols: dict[str, int],
             key: tuple[Any, Any], code: str, what: str) -> None:
    """A row of a sheet of line fields whose option and line name no line has."""
    where = cell_ref(spec.title, r, cols.get("option", 1))
    if not key[0] and not key[1]:
        rd.error(where, "option", code, f"{what} with no option and line name",
                 "fill in Option and Line, or clear the row")
    else:
        rd.error(where, "option", code, f"no line '{key[1]}' of option '{key[0]}' on the "
                 "Lines sheet", "add the line on Lines, or correct the option and line names "
                 "(as on Lines)")


def _duration_as_map(ob: Any) -> None:
    """'Works duration too: yes' (Optimism bias sheet) with risk areas or an uplift of its
    own on another sheet: the map they go into (a map means on)."""
    if isinstance(ob, dict) and ob.get("duration") is True:
        ob["duration"] = {}


def _risk_areas(rd: CellReader, data: dict[str, Any]) -> None:
    """``Risk areas``: each row's contribution and mitigation into its line's optimism bias
    (``contributions``, ``mitigation`` and the works duration's), by risk area, each value
    located at its cell."""
    spec = S.RISK_AREAS
    lines = data.get("lines", [])
    index = _line_index(lines)
    seen: dict[tuple[Any, Any, Any], int] = {}
    for r, record, cols in _table(rd, spec):
        key = (record.get("option"), record.get("name"))
        area = record.get("area")
        for column in spec.columns:
            if column.role == "key":
                rd.loc.pop((spec.title, r, column.key), None)
        if key not in index:
            _no_line(rd, spec, r, cols, key, "risk-area-without-line", "a risk area")
            continue
        if not isinstance(area, str) or not area.strip():
            rd.error(cell_ref(spec.title, r, cols.get("area", 3)), "area", "missing",
                     "the row has no risk area", "fill in Risk area, or clear the row")
            continue
        if (*key, area) in seen:
            rd.error(cell_ref(spec.title, r, cols.get("area", 3)), "area", "duplicate-risk-area",
                     f"risk area '{area}' of line '{key[1]}' of '{key[0]}' has two rows (also "
                     f"row {seen[(*key, area)]})", "keep one row per line and risk area")
            continue
        seen[(*key, area)] = r
        i = index[key]
        ob = lines[i].setdefault("optimism_bias", {})
        if not isinstance(ob, dict):
            continue
        for column in spec.columns:
            if column.role != "input" or column.key not in record:
                continue
            where = rd.loc.pop((spec.title, r, column.key), None) or cell_ref(
                spec.title, r, cols[column.key])
            path = tuple(column.key.split(".")[1:])  # e.g. ("duration", "mitigation")
            if path[0] == "duration":
                _duration_as_map(ob)
                if ob.get("duration") is False:
                    rd.error(where, column.key, "optimism-bias", "the works duration has risk "
                             "areas, but Works duration too is no on the Optimism bias sheet",
                             "choose yes under Works duration too, or clear this cell")
                    continue
            node = ob
            for part in path:
                node = node.setdefault(part, {})
            node[area] = record[column.key]
            full = ("lines", i, "optimism_bias", *path)
            rd.loc[(*full, area)] = where
            for k in range(3, len(full) + 1):  # the maps themselves at their first cell
                rd.loc.setdefault(full[:k], where)


def _incidence(rd: CellReader, data: dict[str, Any]) -> None:
    """``Incidence``: each row's shares into its line's ``incidence``, by the group heading
    each column, each share located at its cell (a sheet of workbooks written before it
    may be missing: their incidence is on Line details)."""
    title = S.INCIDENCE_TITLE
    if title not in rd.grid.sheet_names:
        return
    sheet = rd.grid.sheet(title)
    named: dict[str, int] = {}
    headers: list[str] = []
    twice: list[S.Column] = []  # said here, not read (nor called unknown)
    keys = {c.header for c in S.incidence_sheet(()).columns}
    for col in range(1, sheet.max_col + 1):
        cell = sheet.get(S.HEADER_ROW, col)
        header = cell.value if cell is not None and cell.kind == "s" else ""
        group = S.incidence_group(header)
        if not group or header.strip() in keys:
            continue
        if group in named:
            rd.error(cell_ref(title, S.HEADER_ROW, col), group, "duplicate-group", f"group "
                     f"'{group}' heads two columns (also column {column_letter(named[group])})",
                     "keep one column per group")
            twice.append(S.Column(f"duplicate.{col}", header, "str", role="note"))
            continue
        named[group] = col
        headers.append(header)
    lines = data.get("lines", [])
    index = _line_index(lines)
    seen: dict[tuple[Any, Any], int] = {}
    spec = S.incidence_sheet(tuple(named), headers)
    spec = dataclasses.replace(spec, columns=(*spec.columns, *twice))
    for r, record, cols in _table(rd, spec):
        key = (record.get("option"), record.get("name"))
        rd.loc.pop((title, r, "option"), None)
        rd.loc.pop((title, r, "name"), None)
        if key not in index:
            _no_line(rd, spec, r, cols, key, "incidence-without-line", "an incidence")
            continue
        if key in seen:
            rd.error(cell_ref(title, r, cols.get("name", 2)), "name", "duplicate-incidence",
                     f"line '{key[1]}' of '{key[0]}' has two rows (also row {seen[key]})",
                     "keep one row per line")
            continue
        seen[key] = r
        i = index[key]
        for group, col in named.items():
            where = rd.loc.pop((title, r, S.INCIDENCE_KEY + group), None)
            if S.INCIDENCE_KEY + group not in record:
                continue
            shares = lines[i].setdefault("incidence", {})
            if isinstance(shares, dict):
                shares[group] = record[S.INCIDENCE_KEY + group]
                at = where or cell_ref(title, r, col)
                rd.loc[("lines", i, "incidence", group)] = at
                rd.loc.setdefault(("lines", i, "incidence"), at)


def _long(rd: CellReader, spec: S.TableSheet, data: dict[str, Any]) -> None:
    """Line details and Sections: one value per row, at a path."""
    sections = spec is S.SECTIONS
    lines = data.get("lines", [])
    index = {(ln.get("option"), ln.get("name")): i for i, ln in enumerate(lines)}
    allowed = line_map_names()
    # a Line details field in words (what the template writes) or by name, in any case
    fields = {k.casefold(): n for n in allowed for k in (n, S.label(n, ""))}
    value_col = spec.index("value")
    for r, record, cols in _table(rd, spec):
        sheet = rd.grid.sheet(spec.title)
        vcol = cols.get("value", value_col)
        where = cell_ref(spec.title, r, vcol)
        text = record.get("path" if sections else "key", "")
        path = S.parse_path(text)
        if sections:
            name = record.get("section")
            if not name:
                rd.error(cell_ref(spec.title, r, 1), "section", "missing", "the row has no "
                         "section name", "fill in Section")
                continue
            target, prefix, located = data, (name,), ()
        else:
            key = (record.get("option"), record.get("name"))
            given = record.get("field")
            field_name = fields.get(str(given).strip().casefold(), given)
            if key not in index:
                rd.error(cell_ref(spec.title, r, 1), "option", "detail-without-line",
                         f"no line '{key[1]}' of option '{key[0]}' on the Lines sheet",
                         "correct the option and line names")
                continue
            if field_name not in allowed:
                words = [S.label(n, "") for n in allowed]
                close = did_you_mean(str(field_name), words)
                rd.error(cell_ref(spec.title, r, 3), "field", "unknown-field", f"unknown line "
                         f"field {field_name!r}", close or f"use one of {', '.join(words)}")
                continue
            target, prefix, located = lines[index[key]], (field_name,), ("lines", index[key])
        if path is None:
            rd.error(cell_ref(spec.title, r, cols.get("path" if sections else "key", 2)),
                     "path", "bad-path", f"{text!r} is not a valid path", "write keys "
                     "separated by dots and list positions as [0], e.g. shares.standard_buildings")
            continue
        full = (*prefix, *path)
        dotted = S.path_text(full)
        if full[:2] == ("optimism_bias", "duration") and len(full) > 2:
            _duration_as_map(target.get("optimism_bias"))
        value = rd.value(sheet, r, vcol, "any", ("_long", spec.title, r), S.is_fraction(dotted))
        rd.loc.pop(("_long", spec.title, r), None)
        cell = sheet.get(r, vcol)
        if value is None and cell is not None and (cell.kind is not None
                                                   or cell.formula is not None):
            continue  # refused, with an error already
        if not _set_path(target, full, value):
            rd.error(where, dotted, "duplicate-key", f"{dotted} is given twice or clashes with "
                     "another row", "keep one row per key")
            continue
        plain_path = tuple(p[1] if isinstance(p, tuple) else p for p in full)
        rd.loc[(*located, *plain_path)] = where
        for k in range(1, len(plain_path)):  # a section's parts at their first row
            rd.loc.setdefault((*located, *plain_path[:k]), where)


def _deflator(rd: CellReader, data: dict[str, Any]) -> None:
    table = {}
    for r, record, _ in _table(rd, S.DEFLATOR):
        year = record.get("year")
        where = rd.loc.pop((S.DEFLATOR.title, r, "index"), cell_ref(S.DEFLATOR.title, r, 2))
        if year is None or "index" not in record:
            rd.error(cell_ref(S.DEFLATOR.title, r, 1), "prices.deflator", "missing", "give both "
                     "the year and the index", "fill in Year and Index, or clear the row")
            continue
        if year in table:
            rd.error(where, ("prices", "deflator", year), "duplicate-key", f"year {year} "
                     "appears twice", "keep one row per year")
            continue
        table[year] = record["index"]
        rd.loc[("prices", "deflator", year)] = where
    if table:
        data.setdefault("prices", {})["deflator"] = table


def _discount_schedules(rd: CellReader, data: dict[str, Any]) -> None:
    """``Discount schedules``: rows ``Schedule | Year (t) | Rate`` into
    ``discount_schedules: {name: [r(1), r(2), ...]}``; each schedule's years must run
    1, 2, ... without a gap."""
    spec = S.DISCOUNT_SCHEDULES
    found: dict[Any, dict[int, tuple[Any, str]]] = {}
    for r, record, _ in _table(rd, spec):
        name, t = record.get("schedule"), record.get("t")
        where = rd.loc.pop((spec.title, r, "rate"), cell_ref(spec.title, r, 3))
        if name is None or t is None or "rate" not in record:
            rd.error(cell_ref(spec.title, r, 1), "discount_schedules", "missing", "a discount "
                     "schedule row needs its Schedule, Year (t) and Rate",
                     "fill in all three, or clear the row")
            continue
        if t < 1:
            rd.error(cell_ref(spec.title, r, 2), ("discount_schedules", name), "out-of-range",
                     f"Year (t) must be 1 or more (got {t}); year 0 is never discounted",
                     "number the years 1, 2, ...")
            continue
        years = found.setdefault(name, {})
        if t in years:
            rd.error(where, ("discount_schedules", name), "duplicate-key", f"schedule "
                     f"'{name}' gives year {t} twice", "keep one row per schedule and year")
            continue
        years[t] = (record["rate"], where)
    out: dict[Any, list[Any]] = {}
    for name, years in found.items():
        gap = next((t for t in range(1, len(years) + 1) if t not in years), None)
        if gap is not None:
            rd.error(years[min(years)][1], ("discount_schedules", name), "schedule-gap",
                     f"schedule '{name}' has no rate for year {gap}", f"add a row for "
                     f"'{name}', year {gap} (years run 1, 2, ... without a gap)")
        # kept when refused above, so that the lines naming it are not refused again
        out[name] = [years[t][0] for t in sorted(years)]
        rd.loc[("discount_schedules", name)] = years[min(years)][1]
        for k, t in enumerate(sorted(years)):
            rd.loc[("discount_schedules", name, k)] = years[t][1]
    if out:
        data["discount_schedules"] = out


def _lens_tables(rd: CellReader, data: dict[str, Any]) -> None:
    """The lens tables (``Non-monetised``, ``Distribution`` ...) into their sections, merged
    with what the Case sheet gave; each value's cell is registered for the schema."""
    names_of_options = [o.get("name") for o in data.get("options", [])
                        if isinstance(o.get("name"), str)]
    for table in LENS_TABLES:
        names = list(table.names(data, names_of_options))
        if table.across_pattern and table.title in rd.grid.sheet_names:
            sheet = rd.grid.sheet(table.title)
            heads = (sheet.get(S.HEADER_ROW, c) for c in range(1, sheet.max_col + 1))
            names += [h.value for h in heads if h is not None and h.kind == "s"
                      and re.fullmatch(table.across_pattern, str(h.value))
                      and h.value not in names]
        spec = table.sheet(names, data.get(table.section))
        found = _table(rd, spec)
        if not found:
            continue
        rows, at = [], []
        for r, record, cols in found:
            row = TableRow()
            for key, value in record.items():
                if key.startswith("option:"):
                    row.per_option[key.removeprefix("option:")] = value
                else:
                    row.values[key] = value
            rows.append(row)
            at.append((r, cols))
        rows, at = _unique(rd, table, spec, rows, at)
        rows, at = _refused(rd, table, spec, rows, at, names, data)
        for i, key, code, message, fix in table.problems(rows):
            r, cols = at[i]
            rd.error(cell_ref(spec.title, r, cols.get(key, 1)), (table.section, key), code,
                     message, fix)
        section, placed = table.join(rows, data.get(table.section), names)
        data[table.section] = section
        for path, i, key in placed:
            r, cols = at[i]
            col = cols.get(key, cols.get(f"option:{key}", 1))
            where = rd.loc.pop((spec.title, r, key), None) or rd.loc.get(
                (spec.title, r, f"option:{key}")) or cell_ref(spec.title, r, col)
            rd.loc[(table.section, *path)] = where
        rd.loc.setdefault((table.section,), cell_ref(spec.title, S.FIRST_ROW, 1))


def _unique(rd: CellReader, table: Any, spec: S.TableSheet, rows: list[TableRow],
            at: list[tuple[int, dict[str, int]]]
            ) -> tuple[list[TableRow], list[tuple[int, dict[str, int]]]]:
    """The rows without the repeats of a name (:attr:`LensTable.unique`: the later row is
    reported and not read) or of a list entry (:attr:`LensTable.unique_entries`: the entry
    is reported and not read)."""
    headers = {c.key: c.header for c in spec.columns}
    drop: set[int] = set()
    entries = {group[0]: group for group in table.unique_entries}
    for key in (*table.unique, *entries):
        first: dict[Any, int] = {}
        for i, row in enumerate(rows):
            value = row.values.get(key)
            if value is None or i in drop:
                continue
            if value not in first:
                first[value] = at[i][0]
                continue
            r, cols = at[i]
            where = cell_ref(spec.title, r, cols.get(key, 1))
            header = headers.get(key, key)
            if key in table.unique:
                drop.add(i)
                rd.error(where, (table.section, key), "duplicate-name", f"{header} "
                         f"'{value}' appears twice (also row {first[value]})", f"give each row "
                         f"its own {header}, or delete one of the two rows")
            else:
                for gone in entries[key]:
                    row.values.pop(gone, None)
                rd.error(where, (table.section, key), "duplicate-name", f"'{value}' is listed "
                         f"twice under {header} (also row {first[value]})", "delete one of "
                         "the two")
    if not drop:
        return rows, at
    keep = [i for i in range(len(rows)) if i not in drop]
    return [rows[i] for i in keep], [at[i] for i in keep]


def _refused(rd: CellReader, table: Any, spec: S.TableSheet, rows: list[TableRow],
             at: list[tuple[int, dict[str, int]]], names: Sequence[str],
             data: dict[str, Any]) -> tuple[list[TableRow], list[tuple[int, dict[str, int]]]]:
    """The rows without those naming what the case does not have
    (:attr:`LensTable.refuse`), each reported at its cell."""
    if table.refuse is None:
        return rows, at
    entries = {group[0]: group for group in table.unique_entries}
    drop: set[int] = set()
    for i, key, code, message, fix in table.refuse(rows, names, data):
        r, cols = at[i]
        rd.error(cell_ref(spec.title, r, cols.get(key, 1)), (table.section, key), code,
                 message, fix)
        if key in entries:
            for gone in entries[key]:
                rows[i].values.pop(gone, None)
        else:
            drop.add(i)
    keep = [i for i in range(len(rows)) if i not in drop]
    return [rows[i] for i in keep], [at[i] for i in keep]


def _filled(cell: Any) -> bool:
    return cell is not None and (cell.formula is not None or (
        cell.kind is not None and cell.value != ""))


def _pairwise(rd: CellReader, data: dict[str, Any]) -> None:
    """``MCA pairwise``: each square grid into its AHP weight set's matrices (see
    :mod:`appraisal.case.lens_sheets_pairwise`). Judgements are read right of the diagonal;
    left of it each cell must still be 1 / its mirror, and is read as that."""
    title = PAIRWISE.title
    if title not in rd.grid.sheet_names:
        return
    sheet = rd.grid.sheet(title)
    rd.headers(PAIRWISE, sheet, stop=FIRST_ITEM_COL)
    rows = sorted({r for (r, c), cell in sheet.cells.items()
                   if r >= S.FIRST_ROW and _filled(cell)})
    if not rows:
        return
    section = data.get("mca")
    declared = section.get("weights") if isinstance(section, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    grids: list[PairwiseGrid] = []
    at: list[tuple[int, int]] = []  # first row and size of each grid
    seen: dict[tuple[Any, Any], int] = {}
    forms: dict[Any, tuple[bool, int]] = {}  # weight set -> (over all criteria, first row)
    k = 0
    while k < len(rows):
        r = rows[k]
        if not (_filled(sheet.get(r, 1)) or _filled(sheet.get(r, 2))):
            col = min(c for c in range(1, sheet.max_col + 1) if _filled(sheet.get(r, c)))
            rd.error(cell_ref(title, r, col), ("mca", "weights"), "outside-grid", "a value "
                     "outside any grid (a grid starts with its Weight set and Compared under "
                     "in columns A and B, and has one row per item below)", "clear the cell, "
                     "or start a grid above it (a blank row between two grids)")
            k += 1
            continue
        grid, size = _grid_at(rd, sheet, r, declared, seen, forms)
        if grid is not None:
            grids.append(grid)
            at.append((r, len(grid.items)))
        k += 1
        while k < len(rows) and rows[k] <= r + size:
            k += 1
    if not grids:
        return
    data["mca"], placed = join_grids(grids, section)
    for path, g, part in placed:
        r, _ = at[g]
        if part[0] == "set":
            where = cell_ref(title, r, 1)
        elif part[0] == "node":
            where = cell_ref(title, r, 2)
        elif part[0] == "items":
            where = cell_ref(title, r, FIRST_ITEM_COL)
        elif part[0] == "item":
            where = cell_ref(title, r, FIRST_ITEM_COL + part[1])
        else:
            where = cell_ref(title, r + 1 + part[1], FIRST_ITEM_COL + part[2])
        rd.loc[("mca", *path)] = where
    rd.loc.setdefault(("mca",), cell_ref(title, S.FIRST_ROW, 1))


def _grid_at(rd: CellReader, sheet: Any, r: int, declared: dict[Any, Any],
             seen: dict[tuple[Any, Any], int], forms: dict[Any, tuple[bool, int]]
             ) -> tuple[PairwiseGrid | None, int]:
    """The grid whose first row is ``r`` (None when it cannot be read), and its rows."""
    title = PAIRWISE.title
    name = rd.value(sheet, r, 1, "str", ("_pairwise", r, "set"))
    node = rd.value(sheet, r, 2, "str", ("_pairwise", r, "node"))
    rd.loc.pop(("_pairwise", r, "set"), None)
    rd.loc.pop(("_pairwise", r, "node"), None)
    items: list[Any] = []
    c = FIRST_ITEM_COL
    while _filled(sheet.get(r, c)):
        items.append(rd.value(sheet, r, c, "str", ("_pairwise", r, "item", c)))
        rd.loc.pop(("_pairwise", r, "item", c), None)
        c += 1
    n = len(items)
    rd.row_names[(title, r)] = " / ".join(str(x) for x in (name, node) if x)
    path = ("mca", "weights", name)
    for col, what, header in ((1, name, "Weight set"), (2, node, "Compared under")):
        if not what:
            rd.error(cell_ref(title, r, col), path, "missing", f"the grid has no {header}",
                     f"fill in {header} on the grid's first row")
    if n == 0:
        rd.error(cell_ref(title, r, FIRST_ITEM_COL), path, "missing", "the grid has no items "
                 "across its first row", "type the items compared across the first row, from "
                 "column D, and one row below per item")
        return None, 0
    twice = [j for j, x in enumerate(items) if items.index(x) != j]
    if twice:
        rd.error(cell_ref(title, r, FIRST_ITEM_COL + twice[0]), path, "duplicate",
                 f"the item '{items[twice[0]]}' is compared twice in one grid",
                 "list each item once")
    usable = bool(name and node)
    if name and name not in declared:
        usable = False  # not joined: its set would be a new weight set, refused again
        rd.error(cell_ref(title, r, 1), path, "unknown-reference", f"no weight set '{name}' "
                 "on the MCA weight sets sheet", "add it there with Method ahp, or correct "
                 "the name")
    elif name and isinstance(declared[name], dict) and declared[name].get("method") not in (
            None, "ahp"):
        usable = False
        rd.error(cell_ref(title, r, 1), path, "not-ahp", f"the weight set '{name}' has Method "
                 f"{declared[name]['method']} on the MCA weight sets sheet; only an ahp set "
                 "compares items in pairs", "choose ahp as its Method, or delete the grid")
    if name and node:
        if (name, node) in seen:
            usable = False
            rd.error(cell_ref(title, r, 2), path, "duplicate", f"the weight set '{name}' "
                     f"compares the items under {node} twice (also row {seen[(name, node)]})",
                     "keep one grid per weight set and group of items")
        seen.setdefault((name, node), r)
        flat, first = forms.setdefault(name, (node == ALL_CRITERIA, r))
        if flat != (node == ALL_CRITERIA) or (flat and first != r):
            rd.error(cell_ref(title, r, 2), path, "conflicting-grids", f"the weight set "
                     f"'{name}' has a grid over all criteria and other grids (also row "
                     f"{first})", "give it one grid over all criteria, or one grid per "
                     "purpose (and root)")
    judgements: dict[tuple[int, int], Any] = {}
    for i in range(n):
        row = r + 1 + i
        rd.row_names[(title, row)] = " / ".join(str(x) for x in (name, node, items[i]) if x)
        for col in (1, 2):
            if _filled(sheet.get(row, col)):
                rd.error(cell_ref(title, row, col), path, "grid-row", f"the grid has {n} items, "
                         "so this row is one of its rows and takes no Weight set or Compared "
                         "under", "clear the cell (a blank row before the next grid)")
        label = sheet.get(row, 3)
        if (label is not None and label.formula is None and label.kind == "s"
                and label.value not in ("", items[i])):
            rd.error(cell_ref(title, row, 3), path, "row-item", f"the row's item is "
                     f"'{items[i]}' (the grid's items across, in the same order), not "
                     f"'{label.value}'", f"restore ={column_letter(FIRST_ITEM_COL + i)}{r}")
        for j in range(n):
            col = FIRST_ITEM_COL + j
            where, at = cell_ref(title, row, col), (*path, "matrix", i, j)
            cell = sheet.get(row, col)
            if i == j:  # 1, or left blank
                if _filled(cell) and (cell.kind != "n" or cell.value != 1):
                    rd.error(where, at, "bad-diagonal", "the diagonal is 1 (an item is as "
                             "important as itself)", "type 1")
            elif i < j:
                value = rd.value(sheet, row, col, "float", ("_pairwise", row, col))
                rd.loc.pop(("_pairwise", row, col), None)
                if isinstance(value, str):  # text: a fraction such as 1/3, or a mistake
                    try:
                        value = float(Fraction(value.strip()))
                    except (ValueError, ZeroDivisionError):
                        rd.error(where, at, "not-a-number", f"the judgement of '{items[i]}' "
                                 f"against '{items[j]}' must be a number (got {value!r})",
                                 "type a number from 1/9 to 9, e.g. 3 or 0.333")
                        value = None
                if value is None and not _filled(cell):
                    rd.error(where, at, "missing", f"no judgement of '{items[i]}' against "
                             f"'{items[j]}'", f"type how many times more important "
                             f"{items[i]} is than {items[j]} (1/9 to 9)")
                elif value is not None and not (value > 0 and value != float("inf")):
                    rd.error(where, at, "not-positive", f"the judgement of '{items[i]}' "
                             f"against '{items[j]}' is {value:g}; a judgement is a positive "
                             "number", "type 3 if the row's item is three times as important "
                             "as the column's, 1/3 (or 0.333) if it is a third as important")
                # a missing or unreadable judgement (reported here) goes to the lens as 0,
                # which it refuses at this same cell: no second problem for one cell
                judgements[(i, j)] = 0 if value is None else value
            else:
                # =1/mirror as written, left blank (a grid typed by hand), or the
                # reciprocal typed as a number: read as the reciprocal of the mirror
                mirror = f"{column_letter(FIRST_ITEM_COL + i)}{r + 1 + j}"
                other = judgements.get((j, i))
                if cell is None or not _filled(cell):
                    continue
                if cell.formula is not None:
                    kept = normalise_formula(cell.formula) == normalise_formula(f"1/{mirror}")
                else:
                    kept = (cell.kind == "n" and isinstance(other, int | float) and other > 0
                            and abs(cell.value * other - 1) <= 1e-3)
                if not kept:
                    rd.error(where, at, "formula-edited", f"this cell is 1 / {mirror} (the "
                             f"judgement of '{items[j]}' against '{items[i]}') and was "
                             "changed", f"type the judgement in {mirror}, right of the "
                             f"diagonal, and restore =1/{mirror} here (or leave it blank)")
        beyond = [c for c in range(FIRST_ITEM_COL + n, sheet.max_col + 1)
                  if _filled(sheet.get(row, c))]
        if beyond:
            rd.error(cell_ref(title, row, beyond[0]), path, "outside-grid", f"the grid has "
                     f"{n} items, so this cell is outside it", "clear the cell, or add the "
                     "item across the grid's first row")
    if not usable:
        return None, n
    return PairwiseGrid(name, node, tuple(items), judgements), n


def read_sheets(rd: CellReader) -> dict[str, Any]:
    """Read every input sheet into plain case data."""
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    _case(rd, data)
    _options(rd, data)
    _lines(rd, data)
    _columns(rd, S.VALUATION, data)
    _columns(rd, S.OPTIMISM_BIAS, data)
    _risk_areas(rd, data)
    _incidence(rd, data)
    _long(rd, S.LINE_DETAILS, data)
    _deflator(rd, data)
    _discount_schedules(rd, data)
    _lens_tables(rd, data)
    _pairwise(rd, data)
    _long(rd, S.SECTIONS, data)
    return data


def line_map_names() -> tuple[str, ...]:
    """Line fields that ``Line details`` may hold (map or list valued)."""
    return tuple(f.name for f in LINE_FIELDS if f.type in ("map", "list")
                 and f.name not in ("values", "profile"))


def _set_path(target: Any, path: tuple[Any, ...], value: Any) -> bool:
    """Set *value* at *path* inside nested dicts/lists, creating containers; False if clash."""
    node = target
    for i, part in enumerate(path):
        key = part[1] if isinstance(part, tuple) else part
        last = i == len(path) - 1
        nxt = path[i + 1] if not last else None
        make = (lambda: []) if isinstance(nxt, int) else dict
        if isinstance(node, list):
            if not isinstance(key, int) or key > len(node):
                return False
            if key == len(node):
                node.append(None if last else make())
            if last:
                if node[key] is not None:
                    return False
                node[key] = value
                return True
            if node[key] is None:
                node[key] = make()
            node = node[key]
        elif isinstance(node, dict):
            if last:
                if key in node:
                    return False
                node[key] = value
                return True
            node = node.setdefault(key, make())
        else:
            return False
    return False
