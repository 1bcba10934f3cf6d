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

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from appraisal._resources import data_dir
from appraisal.errors import ParameterError, UnconfirmedParameterError

__all__ = [
    "DEFAULT_VINTAGE",
    "PROVENANCE_COLUMNS",
    "VINTAGES",
    "ParameterPack",
    "ParameterRow",
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
#: Parameter vintages the shipped pack knows.
VINTAGES = ("GB2026", "GB2022")
#: The vintage used unless a case names another (the current Green Book edition).
DEFAULT_VINTAGE = "GB2026"
_CONFIDENCE = ("C", "C2", "U")


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

    @property
    def confirmed(self) -> bool:
        """True when the value is confirmed from a primary source (confidence ``C``)."""
        return self.confidence == "C"

    def get(self, column: str) -> str:
        """The value of a key column."""
        return dict(self.key)[column]

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for JSON outputs and reports."""
        return {
            "table_name": self.table_name,
            **dict(self.key),
            "value": self.value,
            "unit": self.unit,
            "price_year": self.price_year,
            "source": self.source,
            "edition": self.edition,
            "table": self.table,
            "confidence": self.confidence,
            "vintages": ";".join(self.vintages),
            "notes": self.notes,
            "origin": self.origin,
        }


def _parse_value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _read_table(path: Path, table_name: str) -> list[ParameterRow]:
    problems: list[str] = []
    rows: list[ParameterRow] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in PROVENANCE_COLUMNS if c not in columns]
        if missing:
            msg = f"{path.name}:1: parameter table is missing the column(s) {', '.join(missing)}"
            raise ParameterError(msg)
        keys = [c for c in columns if c not in PROVENANCE_COLUMNS]
        for number, record in enumerate(reader, start=2):
            where = f"{path.name}:{number}"
            if not (record.get("source") or "").strip():
                problems.append(f"{where}: 'source' is empty (every parameter needs its source)")
            confidence = (record.get("confidence") or "").strip()
            if confidence not in _CONFIDENCE:
                problems.append(
                    f"{where}: 'confidence' must be one of C, C2, U (got {confidence!r})")
            vintages = tuple(
                v.strip() for v in (record.get("vintages") or "").split(";") if v.strip())
            if not vintages:
                problems.append(
                    f"{where}: 'vintages' is empty (say which editions the row applies to)")
            price_year = (record.get("price_year") or "").strip()
            if price_year and not price_year.isdigit():
                problems.append(f"{where}: 'price_year' must be a year (got {price_year!r})")
            rows.append(
                ParameterRow(
                    table_name=table_name,
                    key=tuple((k, (record.get(k) or "").strip()) for k in keys),
                    value=_parse_value((record.get("value") or "").strip()),
                    unit=(record.get("unit") or "").strip(),
                    price_year=int(price_year) if price_year.isdigit() else None,
                    source=(record.get("source") or "").strip(),
                    edition=(record.get("edition") or "").strip(),
                    table=(record.get("table") or "").strip(),
                    confidence=confidence,
                    vintages=vintages,
                    notes=(record.get("notes") or "").strip(),
                    origin=f"{path.parent.name}/{path.name}:{number}",
                )
            )
    if problems:
        raise ParameterError("; ".join(problems))
    return rows


def _read_folder(folder: Path) -> dict[str, list[ParameterRow]]:
    if not folder.is_dir():
        msg = f"parameter pack folder not found: {folder}"
        raise ParameterError(msg)
    return {p.stem: _read_table(p, p.stem) for p in sorted(folder.glob("*.csv"))}


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

    def with_pack(self, folder: str | Path) -> ParameterPack:
        """Return a new pack with a user's folder of CSV tables layered on top.

        Rows with the same key replace shipped rows; new keys and new tables extend.
        Rows that do not list this pack's vintage are ignored.
        """
        extra = _read_folder(Path(folder))
        merged = {name: list(rows) for name, rows in self.tables.items()}
        for name, rows in extra.items():
            current = {r.key: r for r in merged.get(name, [])}
            for row in rows:
                if self.vintage in row.vintages:
                    current[row.key] = row
            merged[name] = list(current.values())
        return ParameterPack(
            vintage=self.vintage,
            tables=MappingProxyType({k: tuple(v) for k, v in merged.items()}),
            allowed_unconfirmed=self.allowed_unconfirmed,
            sources=(*self.sources, str(Path(folder).name)),
        )

    def allowing(self, tables: Iterable[str]) -> ParameterPack:
        """Return a new pack in which unconfirmed values of ``tables`` may be used."""
        return ParameterPack(
            vintage=self.vintage,
            tables=self.tables,
            allowed_unconfirmed=self.allowed_unconfirmed | frozenset(tables),
            sources=self.sources,
        )

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
        found = tuple(
            r
            for r in self.tables[table_name]
            if all(dict(r.key).get(k) == str(v) for k, v in key.items())
        )
        return found

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
        msg = (
            f"parameter {row.table_name} ({', '.join(f'{k}={v}' for k, v in row.key)}) has "
            f"confidence {row.confidence}: it is not confirmed from a primary source "
            f"(source: {row.source}). Check it, then opt in with "
            f"'parameters: {{allow_unconfirmed: [{row.table_name}]}}' in the case, or load your "
            "own confirmed value in a user pack"
        )
        raise UnconfirmedParameterError(msg)

    def to_records(self) -> list[dict[str, object]]:
        """Every row of every table, as plain dicts (for ``params list`` and reports)."""
        return [r.to_dict() for name in self.table_names() for r in self.tables[name]]


_GREEN_BOOK_CACHE: dict[str, dict[str, list[ParameterRow]]] = {}


def _cached_green_book() -> dict[str, list[ParameterRow]]:
    if "raw" not in _GREEN_BOOK_CACHE:
        _GREEN_BOOK_CACHE["raw"] = _read_folder(data_dir() / "green_book")
    return _GREEN_BOOK_CACHE["raw"]
