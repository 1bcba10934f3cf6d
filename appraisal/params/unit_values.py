"""Unit-value packs: tables of unit costs and values that users load from their own copy.

A pack is a CSV file or a workbook sheet with one row per unit value and these columns
(:data:`REQUIRED_COLUMNS`)::

    code, description, unit, value, price_year, agency, value_type, cashable, source, licence

and optionally ``edition`` (the database's version), ``confidence`` (``C`` confirmed,
``C2`` secondary source, ``U`` unconfirmed; default ``C``, the user vouching for their
own copy), ``schedule``
(``standard`` or ``health``: the discount schedule the value calls for) and ``notes``.
``value_type`` is ``fiscal``, ``economic`` or ``social``; ``cashable`` is true or false
for fiscal values (can the budget really be released?) and empty otherwise.
``price_year`` is a calendar year (``2019``) or a financial year (``2010/11`` or
``2010-11``); values are rebased from it with the GDP deflator when used.

Packs whose licence forbids redistribution (HACT Social Value Bank, National TOMs) are
never shipped: load your own copy with :func:`load_unit_values`. The toolkit ships only
an illustrative pack (``data/unit_values/illustrative.csv``, confidence ``U``, CC0), to
show the format; its values are made up and are opt-in like every unconfirmed value.

Workbooks are read through :func:`appraisal.xlsx_safety.open_workbook_safely`
(macros never run, XML bombs refused). Column names can be mapped with ``columns`` so a
database's own headings (``Cost code``, ``Fiscal cost`` ...) can be used as they are.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraisal._resources import data_dir
from appraisal.cells import column_letter
from appraisal.errors import Expected, Issues, ParameterError
from appraisal.fields import did_you_mean
from appraisal.limits import MAX_TEXT_CHARS
from appraisal.params.packs import ParameterRow, check_text, read_csv_records

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "VALUE_TYPES",
    "UnitValuePack",
    "UnitValueRow",
    "ValueType",
    "load_unit_values",
    "shipped_unit_values",
]

class ValueType(StrEnum):
    """Whose value an amount is: the public purse's, the economy's or society's."""

    FISCAL = "fiscal"
    ECONOMIC = "economic"
    SOCIAL = "social"


#: The values of :class:`ValueType`, as plain text.
VALUE_TYPES: tuple[str, ...] = tuple(v.value for v in ValueType)
#: Columns every unit-value pack must have.
REQUIRED_COLUMNS = ("code", "description", "unit", "value", "price_year", "agency",
                    "value_type", "cashable", "source", "licence")
#: Columns a pack may have.
OPTIONAL_COLUMNS = ("confidence", "schedule", "edition", "notes")
_CONFIDENCE = ("C", "C2", "U")
_YEAR = re.compile(r"\s*(\d{4})\s*")
_FIN_YEAR = re.compile(r"\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*")
_TRUE = ("true", "yes", "y", "1", "cashable")
_FALSE = ("false", "no", "n", "0", "non-cashable", "non cashable", "")


@dataclass(frozen=True, slots=True)
class UnitValueRow:
    """One unit value and its provenance."""

    code: str
    description: str
    unit: str
    value: float
    price_year: int
    price_year_label: str
    financial_year: bool
    agency: str
    value_type: str
    cashable: bool | None
    source: str
    licence: str
    confidence: str = "C"
    schedule: str = ""
    edition: str = ""
    notes: str = ""
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for outputs."""
        return {"code": self.code, "description": self.description, "unit": self.unit,
                "value": self.value, "price_year": self.price_year_label,
                "agency": self.agency, "value_type": self.value_type,
                "cashable": self.cashable, "source": self.source, "licence": self.licence,
                "confidence": self.confidence, "schedule": self.schedule,
                "edition": self.edition, "notes": self.notes, "location": self.location}


@dataclass(frozen=True, slots=True)
class UnitValuePack:
    """A loaded unit-value pack: rows by code, with where they came from.

    Examples
    --------
    >>> pack = shipped_unit_values("illustrative")
    >>> row = pack.get("ILL-POL-01")
    >>> row.agency, row.value_type, row.confidence
    ('Police', 'fiscal', 'U')
    """

    name: str
    path: str
    rows: Mapping[str, UnitValueRow] = field(default_factory=dict)
    sha256: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", MappingProxyType(dict(self.rows)))

    @property
    def table_name(self) -> str:
        """Name under which the pack's values are recorded and opted in."""
        return f"unit_values:{self.name}"

    @property
    def codes(self) -> tuple[str, ...]:
        """Codes in the pack, in file order."""
        return tuple(self.rows)

    def get(self, code: str) -> UnitValueRow:
        """The row for ``code``.

        Raises
        ------
        ParameterError
            If the pack has no such code (the message suggests close codes).
        """
        if code in self.rows:
            return self.rows[code]
        close = did_you_mean(code, list(self.rows), n=3)
        hint = f"; {close}" if close else ""
        msg = f"unit-value pack '{self.name}' has no code {code!r}{hint}"
        raise ParameterError(msg)

    def parameter_row(self, code: str) -> ParameterRow:
        """The row as a :class:`~appraisal.params.packs.ParameterRow`, for provenance lists."""
        row = self.get(code)
        notes = "; ".join(x for x in (row.description, f"licence: {row.licence}", row.notes)
                          if x)
        return ParameterRow(
            table_name=self.table_name, key=(("code", row.code),), value=row.value,
            unit=f"£ per {row.unit}", price_year=row.price_year, source=row.source,
            edition=row.edition or Path(self.path).name, table=row.agency,
            confidence=row.confidence, vintages=(), notes=notes, origin=row.location,
            pack="unit-value pack")

    def to_frame(self):
        """The pack as a pandas DataFrame, one row per code."""
        import pandas as pd

        return pd.DataFrame([r.to_dict() for r in self.rows.values()])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_row(raw: Mapping[str, Any], where: Any, issues: Issues) -> UnitValueRow | None:
    """Validate one record; ``where(column)`` gives a location for a column."""
    code = _text(raw.get("code"))
    bad = False

    def error(column: str, code_: str, message: str, fix: str = "", *,
              expected: str = "") -> None:
        nonlocal bad
        bad = True
        issues.error(code_, message, location=where(column), field=column, fix=fix,
                     expected=expected)

    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        # the unit is written as '£ per UNIT': leave room for the prefix
        limit = MAX_TEXT_CHARS - 10 if column == "unit" else MAX_TEXT_CHARS
        if column != "value" and not check_text(_text(raw.get(column)), where(column), column,
                                                issues, limit=limit):
            bad = True
    if not code:
        error("code", "missing", "'code' is empty", "give every unit value a code")
    value_raw = raw.get("value")
    value = math.nan
    if isinstance(value_raw, bool):
        error("value", "wrong-type", f"'value' must be a number (got {value_raw!r})",
              expected=Expected.NUMBER)
    elif isinstance(value_raw, int | float):
        value = float(value_raw)
    else:
        try:
            value = float(_text(value_raw))
        except ValueError:
            error("value", "wrong-type", f"'value' must be a number (got {_text(value_raw)!r})",
                  "write a plain number without currency signs or thousands separators",
                  expected=Expected.NUMBER)
    if not bad and (not math.isfinite(value) or value < 0):
        error("value", "out-of-range", f"'value' must be a finite amount of at least 0 "
              f"(got {value})")
    label = _text(raw.get("price_year"))
    year, financial = None, False
    if m := _YEAR.fullmatch(label):
        year = int(m.group(1))
    elif m := _FIN_YEAR.fullmatch(label):
        year, financial = int(m.group(1)), True
        end = int(m.group(2)) % 100
        if end != (year + 1) % 100:
            error("price_year", "bad-price-year", f"'price_year' {label!r} is not a financial "
                  "year (the second year must follow the first)", "write e.g. 2010/11")
    if year is None:
        error("price_year", "missing-price-year" if not label else "bad-price-year",
              f"'price_year' must be a year such as 2019 or a financial year such as 2010/11 "
              f"(got {label!r})", "add the price year the value is expressed in: without it "
              "the value cannot be rebased")
    value_type = _text(raw.get("value_type")).lower()
    if value_type not in VALUE_TYPES:
        error("value_type", "bad-choice", f"'value_type' must be one of fiscal, economic, "
              f"social (got {value_type!r})")
    cash_text = _text(raw.get("cashable")).lower()
    cashable: bool | None = None
    if isinstance(raw.get("cashable"), bool):
        cashable = bool(raw.get("cashable"))
    elif cash_text in _TRUE:
        cashable = True
    elif cash_text in _FALSE:
        cashable = False if cash_text else None
    else:
        error("cashable", "wrong-type", f"'cashable' must be true, false or empty "
              f"(got {cash_text!r})", expected=Expected.YES_NO)
    if cashable and value_type and value_type != "fiscal":
        error("cashable", "cashable-not-fiscal", "'cashable' applies only to fiscal values "
              f"(this value is {value_type})")
    for column in ("description", "unit", "agency", "source", "licence"):
        if not _text(raw.get(column)):
            error(column, "missing", f"'{column}' is empty", f"every unit value needs its "
                  f"{column}")
    confidence = _text(raw.get("confidence")) or "C"
    if confidence not in _CONFIDENCE:
        error("confidence", "bad-choice", f"'confidence' must be C, C2 or U (got {confidence!r})")
    schedule = _text(raw.get("schedule")).lower()
    if schedule not in ("", "standard", "health"):
        error("schedule", "bad-choice", f"'schedule' must be standard, health or empty "
              f"(got {schedule!r})")
    joined = len("; ".join(x for x in (_text(raw.get("description")),
                                      f"licence: {_text(raw.get('licence'))}",
                                      _text(raw.get("notes"))) if x))
    if not bad and joined > MAX_TEXT_CHARS:
        error("description", "text-too-long", f"'description', 'licence' and 'notes' together "
              f"are {joined:,} characters; they are written to the results as one text, "
              f"which may hold at most {MAX_TEXT_CHARS:,}", "shorten them")
    if bad:
        return None
    return UnitValueRow(
        code=code, description=_text(raw.get("description")), unit=_text(raw.get("unit")),
        value=value, price_year=int(year), price_year_label=label,  # type: ignore[arg-type]
        financial_year=financial, agency=_text(raw.get("agency")), value_type=value_type,
        cashable=cashable, source=_text(raw.get("source")), licence=_text(raw.get("licence")),
        confidence=confidence, schedule=schedule, edition=_text(raw.get("edition")),
        notes=_text(raw.get("notes")),
        location=where(""))


def _check_header(header: list[str], columns: Mapping[str, str], where_header: Any,
                  issues: Issues) -> dict[str, int] | None:
    """Map our column names to positions; report missing columns."""
    rename = {v.strip().lower(): k for k, v in columns.items()}
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        key = rename.get(name.strip().lower(), name.strip().lower())
        if key and key not in found:
            found[key] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        issues.error("missing-columns", f"the unit-value pack lacks the column(s) "
                     f"{', '.join(missing)} (found: {', '.join(h for h in header if h)})",
                     location=where_header, field="header",
                     fix="add the columns, or map your headings with 'columns: {code: "
                         "\"Cost code\", ...}'")
        return None
    return found


def _read_csv(path: Path, columns: Mapping[str, str], issues: Issues,
              encoding: str | None = None) -> list[UnitValueRow]:
    rows: list[UnitValueRow] = []
    records = read_csv_records(
        path, path.name, issues, encoding=encoding,
        declare="'encoding: cp1252' in the pack's entry under 'unit_value_packs' (or "
                "load_unit_values(..., encoding='cp1252'))")
    if records is None:
        return rows
    header_line, header = records[0]
    for i, name in enumerate(header, start=1):
        check_text(name, f"{path.name}:{header_line}:{i}", "header", issues)
    found = _check_header(header, columns, f"{path.name}:{header_line}", issues)
    if found is None:
        return rows
    for number, record in records[1:]:
        if len(record) != len(header):
            column = min(len(record), len(header)) + 1
            issues.error("ragged-row", f"the row has {len(record)} fields but the header has "
                         f"{len(header)}", location=f"{path.name}:{number}:{column}",
                         field="row", fix="quote fields that hold a comma, and give every row "
                         "one field per column")
            continue
        if not any(cell.strip() for cell in record):
            continue
        raw = {k: record[i] for k, i in found.items()}

        def where(column: str, n: int = number) -> str:
            if column in found:
                return f"{path.name}:{n}:{found[column] + 1}"
            return f"{path.name}:{n}"

        row = _parse_row(raw, where, issues)
        if row is not None:
            rows.append(row)
    return rows


def _read_xlsx(path: Path, columns: Mapping[str, str], sheet: str | None, header_row: int,
               issues: Issues) -> list[UnitValueRow]:
    from appraisal.xlsx_safety import open_workbook_safely

    workbook, _report = open_workbook_safely(path, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            issues.error("unknown-sheet", f"the workbook has no sheet {sheet!r} (sheets: "
                         f"{', '.join(workbook.sheetnames)})", location=path.name,
                         field="sheet", fix="give the sheet that holds the unit values")
            return []
        ws = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        values = [list(r) for r in ws.iter_rows(min_row=header_row, values_only=True)]
    finally:
        workbook.close()
    if not values:
        issues.error("empty", "the sheet is empty", location=f"{ws.title}!A{header_row}")
        return []
    header = [_text(h) for h in values[0]]
    found = _check_header(header, columns, f"{ws.title}!A{header_row}", issues)
    if found is None:
        return []
    rows = []
    for offset, record in enumerate(values[1:], start=1):
        if not any(_text(c) for c in record):
            continue
        number = header_row + offset
        raw = {k: (record[i] if i < len(record) else None) for k, i in found.items()}

        def where(column: str, n: int = number) -> str:
            return f"{ws.title}!{column_letter(found.get(column, found['code']) + 1)}{n}"

        row = _parse_row(raw, where, issues)
        if row is not None:
            rows.append(row)
    return rows


def load_unit_values(
    path: str | Path,
    *,
    name: str | None = None,
    sheet: str | None = None,
    header_row: int = 1,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> UnitValuePack:
    """Load a unit-value pack from a CSV file or a workbook (``.xlsx``).

    Parameters
    ----------
    path : str or Path
        The CSV or workbook.
    name : str, optional
        How lines refer to the pack (default: the file name without extension).
    sheet : str, optional
        Workbook sheet holding the values (default: the first sheet).
    header_row : int, default 1
        Workbook row holding the column headings (databases often have a title block).
    columns : mapping, optional
        Our column name -> the heading used in the file, e.g. ``{"code": "Cost code"}``.
    encoding : str, optional
        A CSV's encoding if it is not UTF-8 (e.g. ``cp1252`` for Windows "ANSI" files).
        UTF-8 is read with or without a byte-order mark; anything else undeclared is
        refused, located at the first byte that is not UTF-8.

    Returns
    -------
    UnitValuePack

    Raises
    ------
    AppraisalValidationError
        Every problem found (missing columns, a value or price year missing or malformed,
        duplicate codes, rows with too many or too few fields, control characters or texts
        over 32,767 characters ...), each located at ``file.csv:line:column`` or
        ``Sheet!Cell``.

    Examples
    --------
    >>> from appraisal._resources import data_dir
    >>> pack = load_unit_values(data_dir() / "unit_values" / "illustrative.csv")
    >>> pack.name, pack.get("ILL-POL-01").unit
    ('illustrative', 'call-out')
    """
    p = Path(path)
    issues = Issues()
    if not p.is_file():
        issues.error("not-found", f"no such unit-value pack: {p.name}", location=p.name,
                     fix="check the path (relative paths are relative to the case file)")
        issues.raise_if_errors(p.name)
    mapping = dict(columns or {})
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(p, mapping, sheet, header_row, issues)
    elif suffix == ".csv":
        rows = _read_csv(p, mapping, issues, encoding)
    else:
        issues.error("file-type", f"cannot read '{p.suffix}' unit-value packs", location=p.name,
                     fix="give a .csv file or an .xlsx workbook")
        rows = []
    seen: dict[str, str] = {}
    for row in rows:
        if row.code in seen:
            issues.error("duplicate-code", f"code {row.code!r} appears twice (first at "
                         f"{seen[row.code]})", location=row.location, field="code",
                         fix="give each unit value a unique code")
        seen.setdefault(row.code, row.location)
    issues.raise_if_errors(p.name)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    return UnitValuePack(name=name or p.stem, path=str(p), rows={r.code: r for r in rows},
                         sha256=digest)


def shipped_unit_values(name: str = "illustrative") -> UnitValuePack:
    """A unit-value pack shipped with the toolkit (only ``illustrative``: made-up values).

    Raises
    ------
    ParameterError
        If no shipped pack has that name.
    """
    folder = data_dir() / "unit_values"
    path = folder / f"{name}.csv"
    if not path.is_file():
        names = sorted(p.stem for p in folder.glob("*.csv"))
        msg = f"no shipped unit-value pack {name!r}; shipped packs: {', '.join(names)}"
        raise ParameterError(msg)
    return load_unit_values(path, name=name)

