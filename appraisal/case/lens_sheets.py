"""Workbook tables of the case sections: each section's lists as rows, in the workbook's words.

A :class:`LensTable` lays part of one case section (plain data, as in YAML) out as a
table sheet: fixed columns, then optionally one column per option (headed by the option's
name). :meth:`LensTable.split` turns the section into rows and hands back what the table
does not hold, which the writers put on the long ``Sections`` sheet as before;
:meth:`LensTable.join` is the inverse, used by the workbook reader, and says which cell
each value came from, so that the schema's problems are located at ``Sheet!Cell``.

The tables are listed in :data:`appraisal.case.lens_tables.LENS_TABLES` (one explicit
tuple; nothing registers itself). The scalar settings of a section (``distribution.eta``
...) are rows of the ``Case`` sheet (:data:`~appraisal.case.sheets.MAP_EXPANSIONS`).

Examples
--------
>>> table = NON_MONETISED
>>> rows, rest = table.split([{"impact": "Trust", "scores": {"BAU": "neutral",
...     "Do it": "slight beneficial"}, "confidence": "low"}])
>>> rows[0].values["impact"], rows[0].per_option["Do it"], rest
('Trust', 'slight beneficial', None)
>>> data, cells = table.join(rows, None)
>>> data == [{"impact": "Trust", "confidence": "low",
...           "scores": {"BAU": "neutral", "Do it": "slight beneficial"}}]
True
>>> cells[0]
((0, 'impact'), 0, 'impact')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appraisal.case.non_monetised import SCALE
from appraisal.case.section_rows import Placed, end_section, start_section, take, without
from appraisal.case.sheets import Column, TableSheet, column_table

__all__ = ["DISTRIBUTION", "NON_MONETISED", "LensTable", "Placed", "RowProblem", "TableRow"]

#: A problem a table finds in its own rows (one the section's parser cannot see, such as a
#: row kind it does not know): (row index, column key, code, message, fix).
RowProblem = tuple[int, str, str, str, str]


@dataclass(slots=True)
class TableRow:
    """One row of a lens table: values by column key, and by option for the option columns."""

    values: dict[str, Any] = field(default_factory=dict)
    per_option: dict[str, Any] = field(default_factory=dict)
    #: Cell types that differ from the column's (``fraction`` to show a rate as %), by
    #: column key (``option:NAME`` for a repeated column); only for writing.
    types: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LensTable:
    """Part of a case section laid out as a table sheet (see the module docstring).

    Parameters
    ----------
    section : str
        The case section (``non_monetised``, ``distribution`` ...).
    title, description : str
        The sheet's name and what it holds.
    columns : tuple of Column
        The fixed columns.
    per_option : Column or None
        The column repeated once per option (its header is the option's name), or once per
        name that ``across`` gives.
    words : mapping
        Section keys a message may quote (``'incomes'``) and the workbook words for them
        (the column header, or where the value is), for workbook messages.
    columns_for : callable or None
        ``columns_for(section_data) -> columns``: columns named after what the section
        itself names (a weight set, a spending objective), placed after the fixed columns.
        The writer passes the section as the case holds it; the reader passes what it has
        read of the section so far (the Case sheet and the tables listed before this one).
        Their values are in :attr:`TableRow.values` under the column key.
    check : callable or None
        ``check(rows) -> [RowProblem]``: problems of the rows the section's parser cannot
        see (they are reported at the row's cell of that column).
    named_at : int or None
        Where the ``columns_for`` columns go among the fixed columns (None: after them).
    to_rows : callable
        ``to_rows(section_data) -> (rows, rest)``: the rows, and the section data the table
        does not hold (``None`` when it holds everything).
    from_rows : callable
        ``from_rows(rows, rest) -> (section_data, placed)``: the inverse, with where each
        value was placed (:data:`Placed`).
    column_names : callable or None
        ``column_names(case_data) -> names`` of the repeated columns when they are not the
        options (e.g. the section's own inputs, for a matrix); the table's ``to_rows`` and
        ``from_rows`` then take the names as a last argument. ``None``: one column per option.
    across_pattern : str
        A regular expression for headers the reader also takes as repeated columns (e.g.
        budget years beyond a shortened appraisal period, said outside it by the parser).
    messages : mapping
        Workbook wording of the section parser's messages, by reason code, used when the
        parser's own message quotes YAML (``{code: (message, fix)}``).
    unique : tuple of str
        Columns whose values name the row (an impact, a group, an ID): a value repeated on
        a later row is reported there (``also row N``) and that row is not read.
    unique_entries : tuple of tuple of str
        Columns that are lists down the rows (agencies, options assessed ...), each with
        the columns that go with its entry (an agency's VAT recoverable): an entry repeated
        on a later row is reported there and not read, nor what goes with it (the rest of
        the row is).
    refuse : callable or None
        ``refuse(rows, names, case_data) -> [RowProblem]``: rows that name what the case
        does not have (a correlation row of an input not on the Uncertainty sheet, an agency
        no line or funding source has), given the headers of the repeated columns and the
        case data read so far. Each is reported at its cell and not read (for a column of
        :attr:`unique_entries`, only the entry and what goes with it is not read).
    """

    section: str
    title: str
    description: str
    columns: tuple[Column, ...]
    to_rows: Callable[..., tuple[list[TableRow], Any]]
    from_rows: Callable[..., tuple[Any, list[Placed]]]
    per_option: Column | None = None
    words: Mapping[str, str] = field(default_factory=dict)
    columns_for: Callable[[Any], tuple[Column, ...]] | None = None
    check: Callable[[Sequence[TableRow]], list[RowProblem]] | None = None
    named_at: int | None = None
    column_names: Callable[[Mapping[str, Any]], Sequence[str]] | None = None
    across_pattern: str = ""
    messages: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    unique_entries: tuple[tuple[str, ...], ...] = ()
    refuse: Callable[[Sequence[TableRow], Sequence[str], Mapping[str, Any]],
                     list[RowProblem]] | None = None

    def names(self, case_data: Mapping[str, Any], option_names: Sequence[str]
              ) -> tuple[str, ...]:
        """The headers of the repeated columns: the options, or :attr:`column_names`."""
        if self.per_option is None:
            return ()
        if self.column_names is None:
            return tuple(option_names)
        try:
            return tuple(self.column_names(case_data))
        except (TypeError, AttributeError, KeyError, ValueError):
            return ()

    def sheet(self, option_names: Sequence[str] = (), data: Any = None) -> TableSheet:
        """The table sheet: the fixed columns, those named after the section's own names
        (``columns_for(data)``), then one column per option when the table has them."""
        named: tuple[Column, ...] = ()
        if self.columns_for is not None and data is not None:
            try:
                named = tuple(self.columns_for(data))
            except (TypeError, AttributeError, KeyError, ValueError):
                named = ()
        extra = () if self.per_option is None else tuple(
            Column(f"option:{name}", name, self.per_option.type, False, self.per_option.help,
                   self.per_option.choices, width=self.per_option.width)
            for name in option_names)
        at = len(self.columns) if self.named_at is None else self.named_at
        return TableSheet(self.title, (*self.columns[:at], *named, *self.columns[at:], *extra),
                          self.description)

    def problems(self, rows: Sequence[TableRow]) -> list[RowProblem]:
        """The rows' own problems (see ``check``); none when the table has no check."""
        return [] if self.check is None else self.check(rows)

    def split(self, data: Any, names: Sequence[str] | None = None
              ) -> tuple[list[TableRow], Any]:
        """The section's rows, and what is left for the ``Sections`` sheet (or ``None``).

        Data the table cannot lay out (not the expected shape, or, given the ``names`` of
        the repeated columns, a value under a name that has no column) is all left over.
        ``names`` are passed to ``to_rows`` when the table has :attr:`column_names`.
        """
        try:
            named = (tuple(names or ()),) if self.column_names is not None else ()
            rows, rest = self.to_rows(data, *named)
        except (TypeError, AttributeError, KeyError, ValueError):
            return [], data
        if names is not None and any(k not in names for row in rows for k in row.per_option):
            return [], data
        return rows, rest

    def join(self, rows: Sequence[TableRow], rest: Any, names: Sequence[str] = ()
             ) -> tuple[Any, list[Placed]]:
        """The section data of the rows (merged with ``rest``), and where each value went."""
        return self.from_rows(rows, rest, *((tuple(names),) if self.column_names is not None
                                            else ()))


# ----------------------------------------------------------------------- non-monetised
_NM_KEYS = ("impact", "confidence", "evidence", "description")


def _nm_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, list) or not all(
            isinstance(item, Mapping) and set(item) <= {*_NM_KEYS, "scores"}
            and isinstance(item.get("scores", {}), Mapping)
            and all(not isinstance(v, Mapping | list) for k, v in item.items() if k != "scores")
            for item in data):
        return [], data
    rows = [TableRow({k: item[k] for k in _NM_KEYS if item.get(k) is not None},
                     {str(o): s for o, s in (item.get("scores") or {}).items()})
            for item in data]
    return rows, None


def _nm_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out: list[dict[str, Any]] = list(rest) if isinstance(rest, list) else []
    placed: list[Placed] = []
    for r, row in enumerate(rows):
        i = len(out)
        item: dict[str, Any] = {}
        take(item, row.values, _NM_KEYS, (i,), r, placed)
        if row.per_option:
            item["scores"] = dict(row.per_option)
            placed.append(((i, "scores"), r, "impact"))
            placed += [((i, "scores", o), r, o) for o in row.per_option]
        placed.append(((i,), r, "impact"))
        out.append(item)
    return out, placed


NON_MONETISED = LensTable(
    section="non_monetised", title="Non-monetised",
    columns=column_table("""
        impact      | Impact      | str required key 34 | what the impact is (unique)
        confidence  | Confidence  | str 12              | how sure the scores are
        evidence    | Evidence    | str 44              | what the scores rest on
        description | Description | str 40              | what the impact covers
    """, choices={"confidence": ("low", "medium", "high")}),
    per_option=Column("score", "", "str", False, "score against business as usual "
                      "(neutral for business as usual)", tuple(SCALE), width=22),
    to_rows=_nm_rows, from_rows=_nm_data,
    words={"impact": "Impact", "scores": "the option columns", "evidence": "Evidence",
           "confidence": "Confidence", "description": "Description"},
    unique=("impact",),
    description="impacts not valued in money: one row per impact, scored for each option "
    "against business as usual on the seven-point scale",
)


# ------------------------------------------------------------------------ distribution
_GROUP_MAPS = ("incomes", "households", "weights")
#: Distribution column -> the section's map of that value by group.
_COLUMN_MAP = {"income": "incomes", "households": "households", "weight": "weights"}


def _dist_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping):
        return [], data
    maps = {k: data.get(k) for k in _GROUP_MAPS if data.get(k) is not None}
    if not all(isinstance(m, Mapping) and all(isinstance(v, int | float)
                                              and not isinstance(v, bool) for v in m.values())
               for m in maps.values()):
        return [], data
    groups = data.get("groups")
    if groups is None:
        groups = list(dict.fromkeys(g for m in maps.values() for g in m))
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups) or any(
            g not in groups for m in maps.values() for g in m):
        return [], data
    column = {key: col for col, key in _COLUMN_MAP.items()}
    rows = [TableRow({"group": g, **{column[k]: m[g] for k, m in maps.items() if g in m}})
            for g in groups]
    return rows, without(data, "groups", *_GROUP_MAPS)


def _dist_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    end_section(out, placed, "groups", [row.values.get("group") for row in rows], "group")
    for column, key in _COLUMN_MAP.items():
        filled = [(r, row) for r, row in enumerate(rows) if column in row.values]
        if not filled:
            continue
        out[key] = {row.values.get("group"): row.values[column] for _, row in filled}
        placed.append(((key,), filled[0][0], column))
        placed += [((key, row.values.get("group")), r, column) for r, row in filled]
    placed += [(("groups", r), r, "group") for r in range(len(rows))]
    return out, placed


DISTRIBUTION = LensTable(
    section="distribution", title="Distribution",
    columns=column_table("""
        group      | Group             | str required key 16 | group name, e.g. Q1 (lowest income
            first)
        income     | Income (£ a year) | float 16            | the group's income (give incomes or
            weights)
        households | Households        | float 14            | number of households (for the
            equally distributed equivalent)
        weight     | Weight            | float 12            | published distributional weight
            (instead of incomes)
    """),
    to_rows=_dist_rows, from_rows=_dist_data,
    words={"groups": "Group", "incomes": "Income (£ a year)", "households": "Households",
           "weights": "Weight", "income_source": "distribution.income_source (Case sheet)",
           "weights_source": "distribution.weights_source (Case sheet)",
           "eta": "distribution.eta (Case sheet)"},
    unique=("group",),
    description="the groups of the distributional analysis, lowest income first: each "
    "group's income, or its weight from a published table (not both); the settings "
    "(eta, sources) are the Distribution rows of the Case sheet",
)
