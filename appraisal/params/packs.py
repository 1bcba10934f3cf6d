"""Parameter packs: published appraisal parameters as data, each with its provenance.

A pack is a set of tables read from CSV files (``data/green_book/*.csv`` for the
shipped Green Book pack). Every row carries ``value, unit, price_year, source,
edition, table, confidence, vintages, notes``; the other columns are the row's key.
A run names one *vintage* (``GB2026``, the current edition, by default; ``GB2022``
selectable) and only rows that apply to it are used. Users can load their own pack,
which replaces rows with the same key and adds new rows and tables.

Values not confirmed from a primary source (confidence ``C2`` or ``U``) are
opt-in: :meth:`ParameterPack.require` raises
:class:`~appraisal.errors.UnconfirmedParameterError` unless the table is allowed.

Examples
--------
>>> pack = ParameterPack.green_book()
>>> pack.vintage
'GB2026'
>>> row = pack.row("discount_schedules", schedule="standard", from_t="0")
>>> row.value, row.confidence
(0.035, 'C')
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import io
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from appraisal._resources import data_dir
from appraisal.errors import (
    Expected,
    Issue,
    Issues,
    ParameterError,
    Severity,
    UnconfirmedParameterError,
)
from appraisal.fields import did_you_mean
from appraisal.limits import EXCEL_CELL_CHARS, MAX_TEXT_CHARS

__all__ = [
    "DEFAULT_VINTAGE",
    "PROVENANCE_COLUMNS",
    "VINTAGES",
    "ColumnRule",
    "ParameterPack",
    "ParameterRow",
    "TableSchema",
    "check_text",
    "read_csv_records",
    "read_pack_folder",
    "table_schema",
]

#: Columns every row carries; all other columns form the row's key.
PROVENANCE_COLUMNS = (
    "value",
    "unit",
    "price_year",
    "source",
    "edition",
    "table",
    "confidence",
    "vintages",
    "notes",
)
#: Where a row's value came from, after its provenance in :meth:`ParameterRow.to_dict`.
_ORIGIN_COLUMNS = ("origin", "pack", "replaced_value", "replaced_origin")
#: Parameter vintages the shipped pack knows.
VINTAGES = ("GB2026", "GB2022")
#: The vintage used unless a case names another (the current Green Book edition).
DEFAULT_VINTAGE = "GB2026"
_CONFIDENCE = ("C", "C2", "U")
# XML 1.0 forbids these, so Excel refuses them in cells (as appraisal/io/xlsx_write.py).
_ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """One parameter value and its provenance."""

    table_name: str
    key: tuple[tuple[str, str], ...]
    value: float | str
    unit: str
    price_year: int | None
    source: str
    edition: str
    table: str
    confidence: str
    vintages: tuple[str, ...]
    notes: str
    origin: str = ""
    #: ``"shipped"`` (the Green Book pack), ``"user pack"`` or ``"unit-value pack"``.
    pack: str = "shipped"
    #: The value this row replaced, and where that value came from (empty if none).
    replaced_value: float | str | None = None
    replaced_origin: str = ""

    @property
    def confirmed(self) -> bool:
        """True when the value is confirmed from a primary source (confidence ``C``)."""
        return self.confidence == "C"

    def get(self, column: str) -> str:
        """The value of a key column."""
        return dict(self.key)[column]

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for JSON outputs and reports."""
        return {"table_name": self.table_name, **dict(self.key),
                **{c: getattr(self, c) for c in (*PROVENANCE_COLUMNS, *_ORIGIN_COLUMNS)},
                "vintages": ";".join(self.vintages)}


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """How one column of a parameter table is checked (from ``data/green_book/schema.toml``).

    Examples
    --------
    >>> rule = table_schema("discount_schedules").columns["value"]
    >>> rule.type, rule.low, rule.high, rule.fraction
    ('number', 0.0, 0.2, True)
    """

    type: str = "text"
    empty: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    fraction: bool = False
    why: str = ""


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The key columns of a parameter table and the rule of each of its columns."""

    name: str
    key: tuple[str, ...]
    columns: Mapping[str, ColumnRule]

    @property
    def key_and_attributes(self) -> tuple[str, ...]:
        """The non-provenance columns, in the shipped file's order."""
        return tuple(c for c in self.columns if c != "value")


_PRICE_YEAR = ColumnRule(type="integer", low=1800, high=2300, why="a calendar year")
@functools.cache
def _schemas() -> dict[str, TableSchema]:
    with (data_dir() / "green_book" / "schema.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    return {name: TableSchema(name, tuple(spec["key"]), MappingProxyType(
                {col: ColumnRule(**rule) for col, rule in spec["columns"].items()}))
            for name, spec in raw.items()}


def table_schema(table_name: str) -> TableSchema | None:
    """The schema of a shipped table (``None`` for a table a user pack adds)."""
    return _schemas().get(table_name)


def check_text(text: str, where: str, column: str, issues: Issues, *, what: str = "",
               limit: int = MAX_TEXT_CHARS) -> bool:
    r"""Record an error if ``text`` cannot be written to a results workbook cell.

    Excel refuses control characters (other than tab and line ends) and texts over
    :data:`appraisal.limits.EXCEL_CELL_CHARS` characters; the HTML report refuses texts
    over :data:`appraisal.limits.MAX_TEXT_CHARS`, the tighter, so ``limit`` is that one
    unless given (a pack's texts reach both outputs, so a pack ``validate`` accepts cannot
    be refused by ``run``).

    Examples
    --------
    >>> found = Issues()
    >>> check_text("bell\x07", "p.csv:2:3", "notes", found)
    False
    >>> print(found.items[0].message)
    'notes' holds the control character U+0007 at character 5, which Excel does not accept
    """
    bad = _ILLEGAL_TEXT.search(text)
    label = what or f"'{column}'"
    if bad:
        issues.error("illegal-character", f"{label} holds the control character "
                     f"U+{ord(bad.group()):04X} at character {bad.start() + 1}, which Excel "
                     "does not accept", location=where, field=column,
                     fix="remove the control character (often pasted in from another program)")
        return False
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units > limit:
        issues.error("text-too-long", f"{label} is {units:,} characters long; at most "
                     f"{limit:,} can be written to the results (results.xlsx cells hold "
                     f"{EXCEL_CELL_CHARS:,}, report texts {MAX_TEXT_CHARS:,})", location=where,
                     field=column, fix="shorten it, or put the full text in a document and "
                     "cite it")
        return False
    return True


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def read_csv_records(path: Path, label: str, issues: Issues, *, encoding: str | None = None,
                     declare: str = "'encoding: cp1252' in the pack's entry in the case "
                                    "('--encoding cp1252' for 'appraisal params'; "
                                    "encoding='cp1252' in Python)"
                     ) -> list[tuple[int, list[str]]] | None:
    r"""Decode a pack CSV and split it into records, each with the line it starts on.

    UTF-8 is read with or without a byte-order mark; any other encoding must be declared
    (``encoding``), otherwise the first byte that is not UTF-8 is reported at
    ``label:line:column`` with a fix. Line ends may be LF or CRLF and fields may be
    quoted. Blank lines are dropped; the header is the first record.

    Parameters
    ----------
    path : Path
        The CSV file.
    label : str
        How locations name the file, e.g. ``my_pack/discount_schedules.csv``.
    issues : Issues
        Where problems are recorded.
    encoding : str, optional
        A Python codec name (``cp1252``, ``latin-1`` ...) for files that are not UTF-8.
    declare : str
        How to declare an encoding, for the fix.

    Returns
    -------
    list of (int, list of str), or None
        ``(line, fields)`` per record; ``None`` if the file could not be read.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes(b"\xef\xbb\xbfa,b\r\n\"x\r\ny\",2\r\n")
    >>> read_csv_records(path, "t.csv", Issues())
    [(1, ['a', 'b']), (2, ['x\r\ny', '2'])]
    """
    data = path.read_bytes()
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            issues.error("unknown-encoding", f"unknown encoding {encoding!r}", location=label,
                         field="encoding", fix="use a Python codec name such as utf-8, cp1252 "
                         "or latin-1")
            return None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        issues.error("encoding", "the file is UTF-16 text (Excel's 'Unicode Text')",
                     location=f"{label}:1:1", field="encoding",
                     fix="save it as 'CSV UTF-8 (Comma delimited)', or declare "
                     f"{declare.replace('cp1252', 'utf-16')}")
        return None
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    try:
        text = body.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(body, exc.start)
        byte = body[exc.start:exc.start + 1]
        guess = byte.decode("cp1252", errors="replace")
        hint = (f" (in Windows-1252 it would be {guess!r})"
                if guess != "\ufffd" and not encoding else "")
        issues.error("encoding", f"the file is not {encoding or 'UTF-8'} text: byte "
                     f"0x{byte.hex().upper()} at line {line}, column {column} cannot be "
                     f"decoded{hint}", location=f"{label}:{line}:{column}", field="encoding",
                     fix="save it as UTF-8 (in Excel: Save As > 'CSV UTF-8 (Comma delimited)'),"
                     f" or declare its encoding with {declare}")
        return None
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if record:
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        issues.error("bad-csv", f"the CSV cannot be read from here: {exc}",
                     location=f"{label}:{start}", field="",
                     fix="check the quotes on this line (a field that holds a quote, comma "
                     "or line break must be quoted, with quotes doubled inside it), and keep "
                     f"each field under {MAX_TEXT_CHARS:,} characters")
        return None
    if not records:
        issues.error("empty", "the file is empty", location=f"{label}:1", field="header",
                     fix="write the header line and at least one row")
        return None
    return records


def _number(text: str, rule: ColumnRule, where: str, column: str, issues: Issues
            ) -> float | None:
    """Parse and range-check a number; ``None`` (and an error) if it is not acceptable."""
    try:
        value = float(text)
    except ValueError:
        fix = ("write a plain number: a fraction such as 0.035 for 3.5 %" if rule.fraction
               else "write a plain number without currency signs, % or thousands separators")
        issues.error("wrong-type", f"'{column}' must be a number (got {text!r})",
                     location=where, field=column, fix=fix, expected=Expected.NUMBER)
        return None
    if not math.isfinite(value):
        issues.error("not-finite", f"'{column}' must be a finite number (got {text!r})",
                     location=where, field=column, fix="write the value as a plain number")
        return None
    if rule.type == "integer" and not value.is_integer():
        issues.error("wrong-type", f"'{column}' must be a whole number (got {text!r})",
                     location=where, field=column, fix="write a whole number",
                     expected=Expected.WHOLE_NUMBER)
        return None
    low_bad = rule.low is not None and (value <= rule.low if rule.low_open else value < rule.low)
    high_bad = rule.high is not None and value > rule.high
    if low_bad or high_bad:
        if rule.low is not None and rule.high is not None:
            span = f"{rule.low:g}..{rule.high:g}"
        elif rule.low is not None:
            span = f"{'above' if rule.low_open else 'at least'} {rule.low:g}"
        else:
            span = f"at most {rule.high:g}"
        why = f" ({rule.why})" if rule.why else ""
        fix = "check the value and its unit"
        if (high_bad and rule.fraction and rule.high is not None
                and (rule.low or 0) <= value / 100 <= rule.high):
            fix = f"did you mean {value / 100:g}? write fractions, not percentages"
        elif low_bad and value < 0:
            fix = "a negative value makes no sense here; check the sign"
        issues.error("out-of-range", f"'{column}' must be {span}{why}; got {text}",
                     location=where, field=column, fix=fix)
        return None
    return value


def _read_table(path: Path, table_name: str, label: str, issues: Issues, *,
                encoding: str | None = None, declare: str = "") -> list[ParameterRow]:
    """Read one table strictly; every problem is recorded at ``label:line:column``."""
    kwargs = {"declare": declare} if declare else {}
    records = read_csv_records(path, label, issues, encoding=encoding, **kwargs)
    if records is None:
        return []
    schema = table_schema(table_name)
    header_line, raw_header = records[0]
    header = [h.strip() for h in raw_header]
    before = len(issues.errors)
    for i, name in enumerate(header, start=1):
        where = f"{label}:{header_line}:{i}"
        if not name:
            issues.error("empty-column-name", f"column {i} has no name", location=where,
                         field="header", fix="name the column, or delete it")
        elif name in header[:i - 1]:
            issues.error("duplicate-column", f"column {name!r} appears twice", location=where,
                         field=name, fix="keep one of them")
        elif schema is not None and name not in PROVENANCE_COLUMNS and name not in schema.columns:
            known = [*schema.key_and_attributes, *PROVENANCE_COLUMNS]
            close = did_you_mean(name, known)
            issues.error("unknown-column", f"table {table_name!r} has no column {name!r}",
                         location=where, field=name,
                         fix=close or
                         f"its columns are {', '.join(known)}")
        else:
            check_text(name, where, "header", issues)
    needed = [*(schema.key_and_attributes if schema else ()), *PROVENANCE_COLUMNS]
    optional = {c for c, r in (schema.columns.items() if schema else ()) if r.empty}
    missing = [c for c in needed if c not in header and c not in optional]
    if missing:
        issues.error("missing-columns", f"parameter table {table_name!r} is missing the "
                     f"column(s) {', '.join(missing)}", location=f"{label}:{header_line}",
                     field="header", fix="add the columns (see data/green_book/README.md)")
    if len(issues.errors) > before:
        return []
    keys = ([c for c in schema.key_and_attributes if c in header] if schema
            else [c for c in header if c not in PROVENANCE_COLUMNS])
    rows: list[ParameterRow] = []
    for line, record in records[1:]:
        if len(record) != len(header):
            column = min(len(record), len(header)) + 1
            issues.error("ragged-row", f"the row has {len(record)} fields but the header has "
                         f"{len(header)}", location=f"{label}:{line}:{column}", field="row",
                         fix="quote fields that hold a comma, and give every row one field "
                         "per column")
            continue
        if not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, (c.strip() for c in record), strict=True))
        ok = True

        def where(column: str, line: int = line) -> str:
            return f"{label}:{line}:{header.index(column) + 1}"

        def error(column: str, code: str, message: str, fix: str = "") -> None:
            nonlocal ok
            ok = False
            issues.error(code, message, location=where(column), field=column, fix=fix)

        for column, cell in cells.items():
            # (check_text, its location built, only for a cell that may fail it: one with a
            # character Excel refuses, or long enough to pass the limit in UTF-16 units)
            if ((2 * len(cell) > MAX_TEXT_CHARS or _ILLEGAL_TEXT.search(cell))
                    and not check_text(cell, where(column), column, issues)):
                ok = False
        if not ok:
            continue
        if not cells["source"]:
            error("source", "missing", "'source' is empty (every parameter needs its source)",
                  "name the publication, table and edition the value comes from")
        if not cells["unit"]:
            error("unit", "missing", "'unit' is empty", "say what the value is in, e.g. "
                  "'rate per year (real)' or '£ per QALY'")
        if cells["confidence"] not in _CONFIDENCE:
            error("confidence", "bad-choice", "'confidence' must be one of C, C2, U (got "
                  f"{cells['confidence']!r})", "C: confirmed from a primary source; C2: from "
                  "a secondary source; U: unconfirmed")
        vintages = tuple(v.strip() for v in cells["vintages"].split(";") if v.strip())
        if not vintages:
            error("vintages", "missing", "'vintages' is empty (say which editions the row "
                  "applies to)", f"write e.g. {';'.join(VINTAGES)}")
        elif unknown := [v for v in vintages if v not in VINTAGES]:
            error("vintages", "bad-choice", f"unknown vintage(s) {', '.join(unknown)}",
                  f"use {' or '.join(VINTAGES)}, separated by ';'")
        price_year = None
        if cells["price_year"]:
            year = _number(cells["price_year"], _PRICE_YEAR, where("price_year"), "price_year",
                           issues)
            ok = ok and year is not None
            price_year = None if year is None else int(year)
        key: list[tuple[str, str]] = []
        for column in keys:
            rule = schema.columns[column] if schema else ColumnRule(empty=True)
            cell = cells.get(column, "")
            if not cell:
                if not rule.empty:
                    error(column, "missing", f"'{column}' is empty", "every row needs it: "
                          "it is part of the row's key")
                key.append((column, ""))
                continue
            if rule.type in ("integer", "number"):
                number = _number(cell, rule, where(column), column, issues)
                if number is None:
                    ok = False
                    continue
                cell = str(int(number)) if rule.type == "integer" else cell
            key.append((column, cell))
        if len(_key_text(key)) > MAX_TEXT_CHARS - 200 and keys:
            error(keys[0], "text-too-long", f"the key columns together are "
                  f"{len(_key_text(key)):,} characters; the results name the parameter by "
                  f"them, in at most {MAX_TEXT_CHARS - 200:,}", "shorten the key texts")
        value: float | str = cells["value"]
        rule = schema.columns.get("value") if schema else None
        if rule is not None:
            number = _number(cells["value"], rule, where("value"), "value", issues)
            if number is None:
                ok = False
            else:
                value = number
                unit = cells["unit"].lower()
                if rule.fraction and ("%" in unit or "percent" in unit):
                    error("unit", "percent-unit", f"the unit {cells['unit']!r} says percent, "
                          "but the value must be a fraction (0.035 for 3.5 %)",
                          "write the value as a fraction and drop 'percent' from the unit")
        elif not cells["value"]:
            error("value", "missing", "'value' is empty", "write the value")
        else:
            try:
                value = float(cells["value"])
            except ValueError:
                value = cells["value"]
            else:
                if not math.isfinite(value):
                    error("value", "not-finite", f"'value' must be a finite number (got "
                          f"{cells['value']!r})", "write the value as a plain number")
        if not ok:
            continue
        rows.append(ParameterRow(
            table_name=table_name, key=tuple(key), value=value, unit=cells["unit"],
            price_year=price_year, source=cells["source"], edition=cells["edition"],
            table=cells["table"], confidence=cells["confidence"], vintages=vintages,
            notes=cells["notes"], origin=f"{label}:{line}"))
    return rows


def _identity(row: ParameterRow) -> tuple[tuple[str, str], ...]:
    """The columns that say which parameter a row is (its schema key)."""
    schema = table_schema(row.table_name)
    if schema is None:
        return row.key
    return tuple((k, v) for k, v in row.key if k in schema.key)


def read_pack_folder(folder: str | Path, issues: Issues, *, encoding: str | None = None,
                     declare: str = "") -> dict[str, list[ParameterRow]]:
    """Read every table of a pack folder strictly, recording every problem in ``issues``.

    Each file is located as ``folder/file.csv:line:column``. A folder that does not
    exist or holds no ``.csv`` file is an error, and so is a key repeated in a file.
    """
    path = Path(folder)
    if not path.is_dir():
        issues.error("not-found", f"parameter pack folder not found: {path}",
                     location=path.name, field="packs",
                     fix="check the path (relative paths are relative to the case file)")
        return {}
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not files:
        issues.error("empty-pack", f"the parameter pack folder {path.name} holds no .csv table",
                     location=path.name, field="packs", fix="save each table as a .csv file "
                     "named after it (e.g. discount_schedules.csv)")
    tables: dict[str, list[ParameterRow]] = {}
    for file in files:
        label = f"{path.name}/{file.name}"
        rows = _read_table(file, file.stem, label, issues, encoding=encoding, declare=declare)
        seen: dict[tuple, str] = {}
        for row in rows:
            ident = _identity(row)
            if ident in seen:
                line = row.origin.rsplit(":", 1)[-1]
                issues.error("duplicate-key", f"the key {_key_text(ident)} appears twice "
                             f"(first at {seen[ident]})", location=f"{label}:{line}",
                             field=", ".join(k for k, _ in ident),
                             fix="keep one row per key")
            seen.setdefault(ident, row.origin)
        tables[file.stem] = rows
    return tables


def _key_text(key: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key) or "(no key)"


@dataclass(frozen=True, slots=True)
class ParameterPack:
    """A set of parameter tables for one vintage, with provenance for every value.

    Use :meth:`green_book` for the shipped pack and :meth:`with_pack` to add a
    user's own pack on top of it. Packs are immutable.
    """

    vintage: str
    tables: Mapping[str, tuple[ParameterRow, ...]]
    allowed_unconfirmed: frozenset[str] = field(default_factory=frozenset)
    sources: tuple[str, ...] = ()
    #: Warnings from layering user packs (rows not used in this vintage, rows added).
    notes: tuple[Issue, ...] = ()

    @classmethod
    def green_book(cls, vintage: str = DEFAULT_VINTAGE) -> ParameterPack:
        """The shipped Green Book pack for ``vintage`` (``GB2026`` or ``GB2022``).

        Examples
        --------
        >>> ParameterPack.green_book("GB2022").vintage
        'GB2022'
        """
        if vintage not in VINTAGES:
            msg = f"unknown parameter vintage {vintage!r}; choose one of {', '.join(VINTAGES)}"
            raise ParameterError(msg)
        return cls._load(_cached_green_book(), vintage, ("green_book",))

    @classmethod
    def _load(
        cls, raw: Mapping[str, list[ParameterRow]], vintage: str, sources: tuple[str, ...]
    ) -> ParameterPack:
        tables = {
            name: tuple(r for r in rows if vintage in r.vintages) for name, rows in raw.items()
        }
        return cls(vintage=vintage, tables=MappingProxyType(tables), sources=sources)

    def with_pack(self, folder: str | Path, *, encoding: str | None = None) -> ParameterPack:
        """Return a new pack with a user's folder of CSV tables layered on top.

        Every file is checked as strictly as a case (:meth:`layer`). Rows whose key
        matches a row already in the pack replace it and record the value they replaced
        (``replaced_value``, ``replaced_origin``); new keys and new tables extend the
        pack. Rows that do not list this pack's vintage are not used, and
        :attr:`notes` says so.

        Raises
        ------
        AppraisalValidationError
            Every problem in the folder's files, each at ``folder/file.csv:line:column``.
        """
        pack, issues = self.layer(folder, encoding=encoding)
        issues.raise_if_errors(str(Path(folder).name))
        return pack

    def layer(self, folder: str | Path, *, encoding: str | None = None,
              declare: str = "") -> tuple[ParameterPack, Issues]:
        """Like :meth:`with_pack`, but return the problems instead of raising them.

        Returns
        -------
        (ParameterPack, Issues)
            The layered pack (this pack unchanged if the folder has errors) and every
            problem found: errors, and warnings for rows not used in this vintage.
        """
        issues = Issues()
        folder = Path(folder)
        extra = read_pack_folder(folder, issues, encoding=encoding, declare=declare)
        if issues.has_errors:
            return self, issues
        merged = {name: list(rows) for name, rows in self.tables.items()}
        notes = list(self.notes)
        for name, rows in extra.items():
            current = {_identity(r): r for r in merged.get(name, [])}
            shipped = set(current)
            added: list[ParameterRow] = []
            for row in rows:
                where = row.origin
                if self.vintage not in row.vintages:
                    notes.append(Issue(
                        "pack-row-not-used", f"the row ({_key_text(row.key)}) applies to "
                        f"{';'.join(row.vintages)}, not to this run's vintage {self.vintage}, "
                        "so it is not used", where, "vintages",
                        f"add {self.vintage} to its 'vintages' if it should apply",
                        Severity.WARNING))
                    continue
                ident = _identity(row)
                row = dataclasses.replace(row, pack="user pack")
                old = current.get(ident)
                if old is not None:
                    row = dataclasses.replace(row, replaced_value=old.value,
                                              replaced_origin=old.origin)
                elif ident not in shipped:
                    added.append(row)
                current[ident] = row
            if added and name in self.tables:
                first = added[0]
                notes.append(Issue(
                    "pack-row-added", f"{len(added)} row(s) of {name} have a key the "
                    f"{self.vintage} pack does not hold (first: {_key_text(_identity(first))}),"
                    " so they add to the table rather than replace a value", first.origin,
                    ", ".join(k for k, _ in _identity(first)),
                    "check the key columns' spelling if you meant to replace a shipped value",
                    Severity.WARNING))
            merged[name] = list(current.values())
        issues.extend(n for n in notes if n not in self.notes)
        pack = dataclasses.replace(
            self, tables=MappingProxyType({k: tuple(v) for k, v in merged.items()}),
            sources=(*self.sources, str(folder.name)), notes=tuple(notes))
        return pack, issues

    def overrides(self) -> tuple[ParameterRow, ...]:
        """Rows a user pack loaded in place of a value the pack already held.

        Examples
        --------
        >>> ParameterPack.green_book().overrides()
        ()
        """
        return tuple(r for name in self.table_names() for r in self.tables[name]
                     if r.replaced_origin)

    def allowing(self, tables: Iterable[str]) -> ParameterPack:
        """Return a new pack in which unconfirmed values of ``tables`` may be used."""
        return dataclasses.replace(
            self, allowed_unconfirmed=self.allowed_unconfirmed | frozenset(tables))

    def table_names(self) -> tuple[str, ...]:
        """Names of the tables in the pack."""
        return tuple(sorted(self.tables))

    def rows(self, table_name: str, **key: str) -> tuple[ParameterRow, ...]:
        """Rows of a table whose key columns match ``key`` (all rows if none given)."""
        if table_name not in self.tables:
            msg = (
                f"no parameter table {table_name!r} in the {self.vintage} pack; "
                f"tables: {', '.join(self.table_names())}"
            )
            raise ParameterError(msg)
        return tuple(r for r in self.tables[table_name]
                     if all(dict(r.key).get(k) == str(v) for k, v in key.items()))

    def row(self, table_name: str, **key: str) -> ParameterRow:
        """The single row of a table matching ``key``."""
        found = self.rows(table_name, **key)
        if len(found) != 1:
            wanted = ", ".join(f"{k}={v}" for k, v in key.items())
            msg = (
                f"expected one row in {table_name!r} for {wanted} in the {self.vintage} pack, "
                f"found {len(found)}"
            )
            raise ParameterError(msg)
        return found[0]

    def require(self, row: ParameterRow) -> ParameterRow:
        """Return ``row`` if it may be used: confirmed, or its table is allowed.

        Raises
        ------
        UnconfirmedParameterError
            If the row is not confirmed (``C2``/``U``) and its table was not allowed.
        """
        if row.confirmed or row.table_name in self.allowed_unconfirmed:
            return row
        problem = (
            f"parameter {row.table_name} ({', '.join(f'{k}={v}' for k, v in row.key)}) has "
            f"confidence {row.confidence}: it is not confirmed from a primary source "
            f"(source: {row.source})"
        )
        msg = (f"{problem}. Check it, then opt in with 'parameters: {{allow_unconfirmed: "
               f"[{row.table_name}]}}' in the case, or load your own confirmed value in a "
               "user pack")
        raise UnconfirmedParameterError(msg, problem=problem, table=row.table_name)

    def to_records(self) -> list[dict[str, object]]:
        """Every row of every table, as plain dicts (for ``params list`` and reports)."""
        return [r.to_dict() for name in self.table_names() for r in self.tables[name]]


@functools.cache
def _cached_green_book() -> dict[str, list[ParameterRow]]:
    folder, issues = data_dir() / "green_book", Issues()
    tables = read_pack_folder(folder, issues)
    issues.raise_if_errors(str(folder))
    return tables
