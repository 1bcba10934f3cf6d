"""Workbook tables of the finance sections: affordability, cost-effectiveness, unit-value packs.

Each is a :class:`~appraisal.case.lens_sheets.LensTable` listed in
:data:`appraisal.case.lens_tables.LENS_TABLES`; the sections' scalar settings (VAT rate,
contingency, inflation, the effect's unit, the thresholds' source) are rows of the ``Case``
sheet (:data:`~appraisal.case.sheets.MAP_EXPANSIONS`). What a table cannot lay out stays on
the ``Sections`` sheet, so a round trip loses nothing.

``Affordability``
    one row per funding source: option, name, funder, the agency whose cost it pays
    towards, its source, and its cash either as ``Start year | End year | Amount (£ a
    year)`` (a constant sum) or typed in the budget-year columns (``2025-26`` ...) across,
    as a finance officer's medium-term financial plan and the affordability tables of
    business cases lay cash out (years across, by source of funding).
``Affordability lists``
    VAT recoverability by agency (``Agency | VAT recoverable``), and the section's lists
    as columns: the options the financial case covers, the line categories counted as
    capital, the cost categories that bear VAT.
``CE inputs``
    the cost-effectiveness lists as columns: the effect lines, the cost-offset
    categories, and the thresholds (a shipped NICE variant or your own number), one per
    row in order. (``Cost-effectiveness`` is the results sheet of ``results.xlsx``.)
``Unit-value packs``
    one row per pack: a shipped pack or a file of your own, with its sheet, header row and
    encoding; a pack with a ``columns`` map stays on ``Sections``.

Examples
--------
>>> data = {"base_year": 2025, "horizon_years": 3}
>>> AFFORDABILITY_FUNDING.column_names(data)
['2025-26', '2026-27', '2027-28']
>>> rows, rest = AFFORDABILITY_FUNDING.split({"funding": [{"name": "Grant", "funder": "NHS",
...     "values": {2026: 5000}}], "vat": {"rate": 0.2}}, ['2025-26', '2026-27'])
>>> rows[0].values, rows[0].per_option, rest
({'name': 'Grant', 'funder': 'NHS'}, {'2026-27': 5000}, {'vat': {'rate': 0.2}})
>>> AFFORDABILITY_FUNDING.join(rows, rest)[0]["funding"]
[{'name': 'Grant', 'funder': 'NHS', 'values': {2026: 5000}}]
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import Any

from appraisal._resources import data_dir
from appraisal.case.lens_sheets import LensTable, Placed, RowProblem, TableRow
from appraisal.case.section_rows import end_section, start_section, without
from appraisal.case.sheets import Column, column_table

__all__ = ["AFFORDABILITY_FUNDING", "AFFORDABILITY_LISTS", "COST_EFFECTIVENESS",
           "UNIT_VALUE_PACKS", "budget_years", "nice_variants"]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _names(value: Any) -> bool:
    """A non-empty list of texts (what a column of names can hold)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def budget_years(case_data: Mapping[str, Any]) -> list[str]:
    """The budget-year headers of a case: ``2025-26`` for the financial year from April 2025.

    The same labels as :func:`appraisal.lenses.affordability.budget_year_label`.

    Examples
    --------
    >>> budget_years({"base_year": 2099, "horizon_years": 2})
    ['2099-00', '2100-01']
    >>> budget_years({})
    []
    """
    base, horizon = case_data.get("base_year"), case_data.get("horizon_years")
    if not (isinstance(base, int) and isinstance(horizon, int)) or isinstance(base, bool) \
            or horizon < 1 or horizon > 1000:
        return []
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(base, base + horizon)]


def _year_of(label: str) -> int:
    return int(label.split("-", 1)[0])


# ----------------------------------------------------------------------- affordability
_FUND_KEYS = ("option", "name", "funder", "agency", "source")
_CONSTANT = ("start", "end", "amount")


def _funding_fits(item: Any) -> bool:
    if not isinstance(item, Mapping) or not set(item) <= {*_FUND_KEYS, "values", "constant"}:
        return False
    if not all(isinstance(item[k], str) or item[k] is None for k in _FUND_KEYS if k in item):
        return False
    values, constant = item.get("values"), item.get("constant")
    if values is not None and not (isinstance(values, Mapping) and values and all(
            isinstance(y, int) and not isinstance(y, bool) and _number(v)
            for y, v in values.items())):
        return False
    return constant is None or (isinstance(constant, Mapping) and bool(constant)
                                and set(constant) <= set(_CONSTANT)
                                and all(_number(v) for v in constant.values()))


def _funding_rows(data: Any, names: Sequence[str] = ()) -> tuple[list[TableRow], Any]:
    funding = data.get("funding") if isinstance(data, Mapping) else None
    if not isinstance(funding, list) or not funding or not all(map(_funding_fits, funding)):
        return [], data
    rows = [TableRow({**{k: item[k] for k in _FUND_KEYS if item.get(k) is not None},
                      **dict((item.get("constant") or {}).items())},
                     {f"{y}-{(y + 1) % 100:02d}": v
                      for y, v in (item.get("values") or {}).items()})
            for item in funding]
    return rows, without(data, "funding")


def _funding_data(rows: Sequence[TableRow], rest: Any, names: Sequence[str] = ()
                  ) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    items: list[dict[str, Any]] = []
    for r, row in enumerate(rows):
        item: dict[str, Any] = {}
        for key in _FUND_KEYS:
            if key in row.values:
                item[key] = row.values[key]
            placed.append((("funding", r, key), r, key))  # a blank name is said at its cell
        if any(k in row.values for k in _CONSTANT):  # a blank one is said missing, at its cell
            item["constant"] = {k: row.values.get(k) for k in _CONSTANT}
            placed.append((("funding", r, "constant"), r, "start"))
            placed += [(("funding", r, "constant", k), r, k) for k in _CONSTANT]
        if row.per_option:
            item["values"] = {_year_of(label): v for label, v in row.per_option.items()}
            first = next(iter(row.per_option))
            placed.append((("funding", r, "values"), r, first))
            placed += [(("funding", r, "values", _year_of(label)), r, label)
                       for label in row.per_option]
        placed.append((("funding", r), r, "name"))
        items.append(item)
    return end_section(out, placed, "funding", items, "name")


AFFORDABILITY_FUNDING = LensTable(
    section="affordability", title="Affordability",
    columns=column_table("""
        option | Option            | str key 28          | the option it funds (blank: every
            option)
        name   | Funding source    | str required key 42 | what the money is, e.g. Council base
            budget
        funder | Funder            | str required 14     | who pays (an agency)
        agency | Towards (agency)  | str 16              | whose cost it pays towards (blank: the
            funder's own)
        start  | Start year        | int 12              | first year of a constant sum (2025 =
            2025-26)
        end    | End year          | int 12              | last year of the constant sum
        amount | Amount (£ a year) | float 16            | cash a year, Start to End year (or type
            the years across)
        source | Source            | str 44              | where the funding is agreed
    """),
    per_option=Column("cash", "", "float", False, "cash this year (£, nominal)", width=13),
    to_rows=_funding_rows, from_rows=_funding_data,
    column_names=budget_years,
    across_pattern=r"\d{4}-\d{2}",
    words={"funding": "Funding source", "name": "Funding source", "funder": "Funder",
           "agency": "Towards (agency)", "option": "Option", "source": "Source",
           "start": "Start year", "end": "End year", "amount": "Amount (£ a year)",
           "values": "the budget-year columns", "constant": "Start year, End year and Amount"},
    messages={
        "funding-amounts": ("a funding source needs its cash exactly once: either Start "
                            "year, End year and Amount, or amounts in the budget-year columns",
                            "fill in Start year, End year and Amount, or clear them and type "
                            "the cash in the budget-year columns"),
    },
    description="the financial case's funding sources, one row per source and option: cash "
    "(nominal) by UK financial year (April to March), either a constant sum a year "
    "(Start year, End year, Amount) or typed in the budget-year columns across; the "
    "settings (VAT rate, contingency, inflation) are the Affordability rows of the Case sheet",
)


_LIST_COLUMNS = {"option": ("options",), "capital_category": ("capital_categories",),
                 "vat_category": ("vat", "categories")}


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _lists_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping):
        return [], data
    columns: dict[str, list[Any]] = {}
    rest = dict(data)
    vat = dict(rest["vat"]) if isinstance(rest.get("vat"), Mapping) else None
    for column, path in _LIST_COLUMNS.items():
        value = _get(data, path)
        if _names(value):
            columns[column] = list(value)
            if vat is not None and path[0] == "vat":
                del vat[path[1]]
            elif path[0] != "vat":
                del rest[path[0]]
    rec = vat.get("recoverable") if vat is not None else None
    if isinstance(rec, Mapping) and rec and all(isinstance(k, str) and isinstance(v, bool)
                                                for k, v in rec.items()):
        columns["agency"], columns["vat_recoverable"] = list(rec), list(rec.values())
        del vat["recoverable"]  # type: ignore[union-attr]
    if not columns:
        return [], data
    if vat is not None:
        if vat:
            rest["vat"] = vat
        else:
            del rest["vat"]
    keys = list(columns)
    rows = [TableRow({k: v for k, v in zip(keys, values, strict=True) if v is not None})
            for values in zip_longest(*columns.values())]
    return rows, rest or None


def _lists_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    for column, path in _LIST_COLUMNS.items():
        filled = [(r, row.values[column]) for r, row in enumerate(rows) if column in row.values]
        if not filled:
            continue
        if path[0] == "vat":
            out["vat"] = {**(out.get("vat") if isinstance(out.get("vat"), Mapping) else {}),
                          path[1]: [v for _, v in filled]}
        else:
            out[path[0]] = [v for _, v in filled]
        placed.append((path, filled[0][0], column))
        placed += [((*path, i), r, column) for i, (r, _) in enumerate(filled)]
    rec = [(r, row) for r, row in enumerate(rows)
           if "agency" in row.values or "vat_recoverable" in row.values]
    if rec:
        vat = dict(out.get("vat")) if isinstance(out.get("vat"), Mapping) else {}
        vat["recoverable"] = {str(row.values.get("agency", "")): row.values.get(
            "vat_recoverable") for _, row in rec}
        out["vat"] = vat
        placed.append((("vat", "recoverable"), rec[0][0], "agency"))
        for r, row in rec:
            agency = str(row.values.get("agency", ""))
            column = "vat_recoverable" if "agency" in row.values else "agency"
            placed.append((("vat", "recoverable", agency), r, column))
    return out, placed


def known_agencies(case_data: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The agencies the financial case knows: the lines', then the funding sources' (the
    agency each pays towards, and its funder), as the affordability lens counts them; None
    when a line names no agency (it may take one from its unit-value pack, known only
    once the case is built).

    Examples
    --------
    >>> known_agencies({"lines": [{"agency": "Council"}], "affordability": {
    ...     "funding": [{"funder": "NHS", "agency": "Council"}, {"funder": "DfE"}]}})
    ('Council', 'NHS', 'DfE')
    >>> known_agencies({"lines": [{"agency": "Council"}, {"unit_value": {"code": "X"}}]})
    """
    lines = case_data.get("lines")
    lines = [ln for ln in lines if isinstance(ln, Mapping)] if isinstance(lines, list) else []
    if any(not ln.get("agency") for ln in lines):
        return None
    names = [ln["agency"] for ln in lines]
    section = case_data.get("affordability")
    funding = section.get("funding") if isinstance(section, Mapping) else None
    for row in funding if isinstance(funding, list) else []:
        if isinstance(row, Mapping):
            names += [row.get("agency") or row.get("funder"), row.get("funder")]
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str)))


def _lists_refused(rows: Sequence[TableRow], _: Sequence[str], case_data: Mapping[str, Any]
                   ) -> list[RowProblem]:
    """An agency whose VAT is said that no line or funding source has (a mistyped agency
    would make its VAT a cost)."""
    known = known_agencies(case_data)
    if known is None:
        return []  # the lens says it, once the lines' agencies are known
    return [(r, "agency", "unknown-agency", f"no line or funding source has the agency "
             f"'{row.values['agency']}'", f"use one of the agencies: {', '.join(known)}")
            for r, row in enumerate(rows)
            if isinstance(row.values.get("agency"), str) and row.values["agency"] not in known]


AFFORDABILITY_LISTS = LensTable(
    section="affordability", title="Affordability lists",
    columns=column_table("""
        agency           | Agency                 | str 18  | an agency (as on Lines)
        vat_recoverable  | VAT recoverable        | bool 14 | yes if the agency recovers VAT
            (agencies not listed: not recoverable)
        option           | Options assessed       | str 30  | options the financial case covers
            (none listed: every option but business as usual)
        capital_category | Capital categories     | str 20  | line categories counted as capital
            (none listed: capital)
        vat_category     | VAT-bearing categories | str 22  | cost categories that bear VAT (none
            listed: every category)
    """, choices={"vat_recoverable": ("yes", "no")}),
    to_rows=_lists_rows, from_rows=_lists_data,
    words={"recoverable": "VAT recoverable", "options": "Options assessed",
           "capital_categories": "Capital categories", "categories": "VAT-bearing categories"},
    messages={"wrong-type": ("VAT recoverable must be yes or no, with the agency's name in "
                             "Agency", "type the agency's name and choose yes or no from the "
                             "drop-down")},
    unique_entries=(("agency", "vat_recoverable"), ("option",), ("capital_category",),
                    ("vat_category",)),
    refuse=_lists_refused,
    description="the financial case's lists: which agencies can recover VAT (one row per "
    "agency), and, each as a column of names down the rows, the options it covers, the line "
    "categories counted as capital and the cost categories that bear VAT",
)


# ------------------------------------------------------------------ cost-effectiveness
@functools.cache
def nice_variants() -> tuple[str, ...]:
    """The shipped NICE threshold variants (``data/green_book/cea_thresholds.csv``).

    Examples
    --------
    >>> "lower" in nice_variants()
    True
    """
    with (data_dir() / "green_book" / "cea_thresholds.csv").open(encoding="utf-8") as handle:
        return tuple(dict.fromkeys(row["variant"] for row in csv.DictReader(handle)
                                   if row.get("measure") == "nice_threshold"))


def _ce_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping):
        return [], data
    rest = dict(data)
    columns: dict[str, list[Any]] = {}
    effect = rest.get("effect")
    if isinstance(effect, Mapping) and _names(effect.get("lines")):
        columns["effect_line"] = list(effect["lines"])
        left = {k: v for k, v in effect.items() if k != "lines"}
        if left:
            rest["effect"] = left
        else:
            del rest["effect"]
    if _names(rest.get("cost_offsets")):
        columns["cost_offset"] = list(rest.pop("cost_offsets"))
    ths = rest.get("thresholds")
    if isinstance(ths, list) and ths and all(isinstance(t, str) or _number(t) for t in ths):
        columns["threshold"] = list(rest.pop("thresholds"))
    if not columns:
        return [], data
    rows = []
    for values in zip_longest(*columns.values()):
        row = TableRow()
        for key, value in zip(columns, values, strict=True):
            if value is None:
                continue
            if key == "threshold":
                row.values["threshold_variant" if isinstance(value, str)
                           else "threshold_value"] = value
            else:
                row.values[key] = value
        rows.append(row)
    return rows, rest or None


def _ce_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    lines = [(r, row.values["effect_line"]) for r, row in enumerate(rows)
             if "effect_line" in row.values]
    if lines:
        effect = dict(out["effect"]) if isinstance(out.get("effect"), Mapping) else {}
        out["effect"] = {"lines": [v for _, v in lines], **effect}
        placed.append((("effect",), lines[0][0], "effect_line"))
        placed.append((("effect", "lines"), lines[0][0], "effect_line"))
        placed += [(("effect", "lines", i), r, "effect_line") for i, (r, _) in enumerate(lines)]
    offsets = [(r, row.values["cost_offset"]) for r, row in enumerate(rows)
               if "cost_offset" in row.values]
    if offsets:
        out["cost_offsets"] = [v for _, v in offsets]
        placed.append((("cost_offsets",), offsets[0][0], "cost_offset"))
        placed += [(("cost_offsets", i), r, "cost_offset") for i, (r, _) in enumerate(offsets)]
    ths: list[Any] = []
    for r, row in enumerate(rows):
        for key in ("threshold_variant", "threshold_value"):
            if key in row.values:
                placed.append((("thresholds", len(ths)), r, key))
                ths.append(row.values[key])
    if ths:
        out["thresholds"] = ths
        first = next(p for p in placed if p[0] == ("thresholds", 0))
        placed.append((("thresholds",), first[1], first[2]))
    return out, placed


COST_EFFECTIVENESS = LensTable(
    section="cost_effectiveness", title="CE inputs",
    columns=column_table("""
        effect_line       | Effect lines                     | str 34   |
            a quantity line giving the effect (its name on Lines)
        cost_offset       | Cost offset categories           | str 26   |
            a benefit category netted off the cost, e.g. health care saving
        threshold_variant | NICE threshold                   | str 20   |
            a shipped NICE threshold (blank thresholds: lower)
        threshold_value   | Threshold (£ per unit of effect) | float 22 |
            your own threshold (its source: Cost-effectiveness: threshold source, on the Case sheet)
    """, choices={"threshold_variant": nice_variants()}),
    to_rows=_ce_rows, from_rows=_ce_data,
    words={"effect": "Effect lines", "lines": "Effect lines",
           "cost_offsets": "Cost offset categories", "thresholds": "the threshold columns",
           "threshold_source": "cost_effectiveness.threshold_source (Case sheet)"},
    messages={"missing": ("the analysis needs at least one effect line",
                          "type the name of a quantity line (as on Lines) under Effect lines")},
    unique_entries=(("effect_line",), ("cost_offset",)),
    description="the cost-effectiveness analysis, each as a column of entries down the rows: "
    "the quantity lines that make the effect, the benefit categories netted off the cost, "
    "and the thresholds in order (a shipped NICE threshold or your own number, one per "
    "row); the effect's unit and your thresholds' source are Cost-effectiveness rows of "
    "the Case sheet",
)


# -------------------------------------------------------------------- unit-value packs
_PACK_KEYS = ("name", "shipped", "path", "sheet", "header_row", "encoding")


def _pack_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, list) or not data or not all(
            isinstance(item, Mapping) and item and set(item) <= set(_PACK_KEYS)
            and all(_scalar(v) for v in item.values()) for item in data):
        return [], data
    return [TableRow({k: item[k] for k in _PACK_KEYS if item.get(k) is not None})
            for item in data], None


def _pack_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out: list[Any] = list(rest) if isinstance(rest, list) else []
    placed: list[Placed] = []
    for r, row in enumerate(rows):
        i = len(out)
        out.append(dict(row.values))
        placed.append(((i,), r, next(iter(row.values), "name")))
        placed += [((i, k), r, k) for k in row.values]
    return out, placed


UNIT_VALUE_PACKS = LensTable(
    section="unit_value_packs", title="Unit-value packs",
    columns=column_table("""
        name       | Name         | str 20 | the pack's name, as lines quote it (blank: the shipped
            pack's or the file's name)
        shipped    | Shipped pack | str 16 | a pack shipped with the toolkit, e.g. illustrative
            (give this or File)
        path       | File         | str 40 | your pack's CSV or Excel file, relative to the case
            file (give this or Shipped pack)
        sheet      | Sheet        | str 16 | the sheet of an Excel pack
        header_row | Header row   | int 11 | the row of the pack's headers (blank: 1)
        encoding   | Encoding     | str 12 | a CSV pack's encoding, e.g. cp1252 (blank: UTF-8)
    """),
    to_rows=_pack_rows, from_rows=_pack_data,
    words={"shipped": "Shipped pack", "path": "File", "name": "Name", "sheet": "Sheet",
           "header_row": "Header row", "encoding": "Encoding"},
    messages={"unit-value-pack": ("a pack needs exactly one of Shipped pack or File",
                                  "fill in Shipped pack or File, and clear the other")},
    description="the unit-value packs the lines' unit values come from, one row per pack: "
    "a pack shipped with the toolkit (Shipped pack) or a file of your own (File)",
)
