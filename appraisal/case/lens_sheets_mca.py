"""Workbook tables of the ``mca`` and ``long_list`` sections (issue 15, item 2).

Five sheets, because the sections hold five kinds of row (a :class:`LensTable` is one kind
of row per sheet):

``MCA weight sets``
    one row per weight set (stakeholder group): its method, the AHP variant, its share
    when the sets are combined by weight, a description. It comes before ``MCA`` because
    the ``MCA`` sheet has a column per swing or direct weight set, named on this sheet.
``MCA``
    the value tree, one row per purpose and per criterion: kind, the purpose it sits
    under, direction, unit, the value function (scoring, CBA measure, worst, best,
    points), then a column per weight set (``officers (swing)``) and a column per option
    (its score). A purpose or criterion of a shipped value tree (``mca.template`` on the
    Case sheet) has a row of kind ``from template`` that holds only its weights and scores.
``Long list objectives``
    the spending objectives and critical success factors (kind, ID, name).
``Long list``
    one row per long-list choice: its dimension of choice, ID, name, a column per
    objective or factor (meets, partly, does_not), decision and reason.
``Short list``
    one row per short-listed option: business as usual or not, the choice in each
    dimension, the reason.

The scalar settings (``mca.description``, ``mca.template``, ``mca.combine.method``,
``mca.topsis.normalisation``) are rows of the ``Case`` sheet. The AHP pairwise matrices are
square grids on the ``MCA pairwise`` sheet (:mod:`appraisal.case.lens_sheets_pairwise`);
what neither holds stays on the ``Sections`` sheet.

The closed choices below repeat the lens's own (the case layer may not import the
lenses); ``tests/test_io_excel_mca_sheets.py`` checks that they agree.

Examples
--------
>>> section = {"criteria": [{"id": "wait", "name": "Days to contact", "direction":
...     "decrease", "scoring": "piecewise", "points": [[0, 100], [40, 0]]}],
...     "scores": {"A": {"wait": 10}, "B": {"wait": 30}},
...     "weights": {"officers": {"method": "swing", "swings": {"wait": 100}}}}
>>> sets, rest = MCA_WEIGHT_SETS.split(section)
>>> [row.values for row in sets]
[{'name': 'officers', 'method': 'swing'}]
>>> rows, left = MCA_CRITERIA.split(rest)
>>> rows[0].values["points"], rows[0].values["set:officers"], rows[0].per_option, left
('0, 100; 40, 0', 100, {'A': 10, 'B': 30}, None)
>>> data, _ = MCA_CRITERIA.join(rows, MCA_WEIGHT_SETS.join(sets, None)[0])
>>> data == section
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from appraisal.case.lens_sheets import LensTable, Placed, RowProblem, TableRow
from appraisal.case.section_rows import end_section, start_section, take, without
from appraisal.case.sheets import Column, column_table

__all__ = [
    "AHP_VARIANTS",
    "ASSESSMENTS",
    "CBA_MEASURES",
    "DECISIONS",
    "DIMENSIONS",
    "DIRECTIONS",
    "KINDS",
    "LONG_LIST",
    "LONG_LIST_OBJECTIVES",
    "MCA_CRITERIA",
    "MCA_WEIGHT_SETS",
    "SCORING",
    "SHORT_LIST",
    "WEIGHT_METHODS",
]

#: Closed choices (the lens's own, repeated; a test checks they agree).
DIRECTIONS = ("increase", "decrease")
SCORING = ("direct", "linear", "piecewise", "cba")
CBA_MEASURES = ("npsv", "pv_benefits", "pv_costs", "bcr")
WEIGHT_METHODS = ("swing", "ahp", "direct")
AHP_VARIANTS = ("eigenvector", "geometric_mean")
DIMENSIONS = ("scope", "solution", "delivery", "implementation", "funding")
ASSESSMENTS = ("meets", "partly", "does_not")
DECISIONS = ("preferred", "carried_forward", "discounted")
#: Kinds of row on the MCA sheet.
KINDS = ("purpose", "criterion", "from template")
#: Kinds of row on the Long list objectives sheet, and the section list each goes to.
_OBJECTIVE_KINDS = {"spending objective": "spending_objectives",
                    "critical success factor": "critical_success_factors"}


class _Refuse(ValueError):
    """The data is not of a shape the table lays out (it stays on the Sections sheet)."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Refuse(value)
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refuse(value)
    return value


def _map(value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise _Refuse(value)
    return value


def _items(value: Any, keys: Sequence[str]) -> list[Mapping[str, Any]]:
    """A non-empty list of mappings whose keys are among ``keys``."""
    if not isinstance(value, list) or not value:
        raise _Refuse(value)
    for item in value:
        if not set(_map(item)) <= set(keys):
            raise _Refuse(item)
    return value


def _cells(item: Mapping[str, Any], **convert: Callable[[Any], dict[str, Any]]
           ) -> dict[str, Any]:
    """One item's cells: its texts by key, and ``convert[key](value)`` for the keys given."""
    cells: dict[str, Any] = {}
    for key, value in item.items():
        cells |= convert[key](value) if key in convert else {key: _text(value)}
    return cells


# ------------------------------------------------------------------------ points as text
_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")


def points_text(points: Any) -> str:
    """A piecewise value function's points as text: ``measure, value`` pairs split by ``;``.

    Examples
    --------
    >>> points_text([[0, 100], [10, 70.5], [40, 0]])
    '0, 100; 10, 70.5; 40, 0'
    """
    if not isinstance(points, list) or not points:
        raise _Refuse(points)
    pairs = []
    for pair in points:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Refuse(pair)
        pairs.append(", ".join(repr(_number(x)) for x in pair))
    text = "; ".join(pairs)
    if points_data(text) != points or any(
            type(a) is not type(b) for p, q in zip(points_data(text), points, strict=True)
            for a, b in zip(p, q, strict=True)):
        raise _Refuse(points)
    return text


def points_data(text: Any) -> Any:
    """The inverse of :func:`points_text`; text it cannot read is given back as it is (the
    section's parser then reports it).

    Examples
    --------
    >>> points_data("0, 100; 40, 0"), points_data("lots")
    ([[0, 100], [40, 0]], 'lots')
    """
    if not isinstance(text, str):
        return text
    out = []
    for pair in text.split(";"):
        parts = [p.strip() for p in pair.split(",")]
        if len(parts) != 2 or not all(_NUMBER.match(p) for p in parts):
            return text
        out.append([float(p) if any(c in p for c in ".eE") else int(p) for p in parts])
    return out


# --------------------------------------------------------------------------- weight sets
_SET_SCALARS = ("method", "variant", "description")


def _sets_rows(data: Any) -> tuple[list[TableRow], Any]:
    section = _map(data)
    if section.get("weights") is None:
        return [], data
    weights = _map(section["weights"])
    combine = section.get("combine")
    shares = _map(combine).get("weights") if combine is not None else None
    if shares is not None and not set(_map(shares)) <= set(weights):
        raise _Refuse(shares)
    rows, left = [], {}
    for name, item in weights.items():
        values = {"name": _text(name)}
        for key in _SET_SCALARS:
            if key in _map(item):
                values[key] = _text(item[key])
        if shares is not None and name in shares:
            values["share"] = _number(shares[name])
        rows.append(TableRow(values))
        other = {k: v for k, v in item.items() if k not in _SET_SCALARS}
        if other:
            left[name] = other
    rest = dict(section)
    rest.pop("weights")
    if left:
        rest["weights"] = left
    if shares is not None:
        rest["combine"] = {k: v for k, v in combine.items() if k != "weights"}
        if not rest["combine"]:
            del rest["combine"]
    return rows, rest or None


def _sets_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    weights: dict[Any, Any] = dict(out.get("weights") or {}) if isinstance(
        out.get("weights"), Mapping) else {}
    shares: dict[str, Any] = {}
    first_share = None
    for r, row in enumerate(rows):
        name = row.values.get("name")
        if name is None:
            continue  # reported by the table's check
        item = {k: row.values[k] for k in _SET_SCALARS if k in row.values}
        weights[name] = {**item, **(weights.get(name) or {})}
        placed.append((("weights", name), r, "name"))
        for key in item:
            placed.append((("weights", name, key), r, key))
        if "share" in row.values:
            shares[name] = row.values["share"]
            first_share = r if first_share is None else first_share
            placed.append((("combine", "weights", name), r, "share"))
    if weights:
        out["weights"] = weights
        placed.append((("weights",), 0, "name"))
    if shares:
        combine = dict(out.get("combine") or {}) if isinstance(out.get("combine"),
                                                               Mapping) else {}
        out["combine"] = {**combine, "weights": shares}
        placed.append((("combine", "weights"), first_share or 0, "share"))
        placed.append((("combine",), first_share or 0, "share"))
    return out, placed


def _named_rows(rows: Sequence[TableRow], key: str, header: str) -> list[RowProblem]:
    return [(r, key, "missing", f"the row has no {header}", f"fill in {header}")
            for r, row in enumerate(rows) if row.values.get(key) is None]


MCA_WEIGHT_SETS = LensTable(
    section="mca", title="MCA weight sets",
    columns=column_table("""
        name        | Weight set  | str required key 24 | e.g. officers; its column on the MCA
            sheet is 'officers (swing)'
        method      | Method      | str required 12     | swing, direct (weights sum to one) or ahp
            (its grids on the MCA pairwise sheet)
        variant     | AHP variant | str 16              | ahp: eigenvector (blank) or
            geometric_mean
        share       | Share       | float 14            | share when the sets are combined by
            weight (sum to one)
        description | Description | str 60              | who gave the weights, and how
    """, choices={"method": WEIGHT_METHODS, "variant": AHP_VARIANTS}),
    to_rows=_sets_rows, from_rows=_sets_data,
    words={"weights": "Share", "method": "Method", "variant": "AHP variant",
           "description": "Description", "combine": "mca.combine.method (Case sheet)"},
    check=lambda rows: _named_rows(rows, "name", "Weight set"),
    unique=("name",),
    description="the weight sets of the multi-criteria analysis, one row per stakeholder "
    "group; a swing or direct set has a column of its own on the MCA sheet",
)


# ------------------------------------------------------------------ value tree and scores
_PURPOSE_TEXT = ("id", "name", "parent", "description")
_CRITERION_TEXT = ("id", "name", "purpose", "direction", "unit", "scoring", "metric",
                   "description")
_CRITERION_NUMBERS = ("worst", "best")
#: Section key -> column key, where they differ.
_UNDER = {"parent": "under", "purpose": "under", "metric": "metric"}
_DETAILS = ("name", "under", "direction", "unit", "scoring", "metric", "worst", "best",
            "points", "description")


def _set_values(item: Mapping[str, Any]) -> tuple[str, Mapping[Any, Any]] | None:
    """The key (swings or weights) and the values of a swing or direct set, if it has one."""
    found = [k for k in ("swings", "weights") if k in item]
    if len(found) > 1:
        raise _Refuse(item)
    return (found[0], _map(item[found[0]])) if found else None


def _set_columns(data: Any) -> tuple[Column, ...]:
    weights = _map(data).get("weights") or {}
    out = []
    for name, item in _map(weights).items():
        method = _map(item).get("method")
        # a set whose method is not known yet (misspelt, blank) may have either column
        kinds = {"swing": ("swing",), "direct": ("direct",), "ahp": ()}.get(
            method, ("swing", "direct"))
        for kind in kinds:
            what = "swing" if kind == "swing" else "weight"
            out.append(Column(f"set:{name}", f"{name} ({what})", "float", False,
                              f"{what} in the set {name}"
                              + (" (sum to one)" if kind == "direct" else " (any scale)"),
                              width=max(12.0, len(str(name)) + 10.0)))
    return tuple(out)


def _tree_rows(data: Any) -> tuple[list[TableRow], Any]:
    section = _map(data)
    purposes = _items(section["purposes"], _PURPOSE_TEXT) if "purposes" in section else []
    criteria = (_items(section["criteria"], (*_CRITERION_TEXT, *_CRITERION_NUMBERS, "points"))
                if "criteria" in section else [])
    scores = _map(section["scores"]) if "scores" in section else {}
    weights = _map(section.get("weights") or {})
    sets = {name: found for name, item in weights.items()
            if (found := _set_values(_map(item))) is not None}
    if not (purposes or criteria or scores or sets):
        return [], data
    rows: list[TableRow] = []
    by_id: dict[str, TableRow] = {}
    for kind, items in (("purpose", purposes), ("criterion", criteria)):
        for item in items:
            values: dict[str, Any] = {"id": _text(item.get("id")), "kind": kind}
            for key, value in item.items():
                if key == "id":
                    continue
                column = _UNDER.get(key, key)
                values[column] = (points_text(value) if key == "points" else
                                  _number(value) if key in _CRITERION_NUMBERS else _text(value))
            if values["id"] in by_id:
                raise _Refuse(values["id"])
            by_id[values["id"]] = TableRow(values)
            rows.append(by_id[values["id"]])

    def row(ident: Any) -> TableRow:
        if _text(ident) not in by_id:
            by_id[ident] = TableRow({"id": ident, "kind": "from template"})
            rows.append(by_id[ident])
        return by_id[ident]

    for option, table in scores.items():
        if not _map(table):
            raise _Refuse(table)
        for ident, value in table.items():
            row(ident).per_option[_text(option)] = _number(value)
    for name, (_, values) in sets.items():
        if not values:
            raise _Refuse(values)
        for ident, value in values.items():
            row(ident).values[f"set:{_text(name)}"] = _number(value)
    rest = without(section, "purposes", "criteria", "scores", "weights")
    left = {name: {k: v for k, v in item.items() if k not in ("swings", "weights")}
            for name, item in weights.items()}
    left = {k: v for k, v in left.items() if v}
    if left:
        rest = {**(rest or {}), "weights": left}
    return rows, rest


def _tree_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    lists: dict[str, list[dict[str, Any]]] = {"purposes": [], "criteria": []}
    first: dict[str, int] = {}
    scores: dict[str, dict[Any, Any]] = {}
    sets: dict[str, dict[Any, Any]] = {}
    for r, row in enumerate(rows):
        v = row.values
        ident = v.get("id")
        kind = v.get("kind") or "criterion"
        if kind in ("purpose", "criterion"):  # another kind is reported by the check
            group = "purposes" if kind == "purpose" else "criteria"
            i = len(lists[group])
            first.setdefault(group, r)
            item: dict[str, Any] = {}
            for key in ("id", *_DETAILS):
                if key in v:
                    name = ("parent" if group == "purposes" else "purpose") if key == "under" \
                        else key
                    item[name] = points_data(v[key]) if key == "points" else v[key]
                    placed.append(((group, i, name), r, key))
                    if key == "points" and isinstance(item[name], list):
                        placed += [((group, i, name, j, k), r, key)
                                   for j in range(len(item[name])) for k in (0, 1)]
                        placed += [((group, i, name, j), r, key)
                                   for j in range(len(item[name]))]
            placed.append(((group, i), r, "id"))
            lists[group].append(item)
        for key, value in v.items():
            if key.startswith("set:"):
                name = key.removeprefix("set:")
                sets.setdefault(name, {})[ident] = value
                placed.append((("weights", name, "*", ident), r, key))
        for option, value in row.per_option.items():
            scores.setdefault(option, {})[ident] = value
            placed.append((("scores", option, ident), r, option))
            first.setdefault(f"scores:{option}", r)
    for group, items in lists.items():
        if items:
            out[group] = items
            placed.append(((group,), first[group], "kind"))
    if scores:
        out["scores"] = scores
        placed.append((("scores",), 0, "id"))
        placed += [(("scores", o), first[f"scores:{o}"], o) for o in scores]
    if sets:
        weights: dict[Any, Any] = dict(out.get("weights") or {}) if isinstance(
            out.get("weights"), Mapping) else {}
        for name, values in sets.items():
            item = dict(weights.get(name) or {}) if isinstance(weights.get(name),
                                                                Mapping) else {}
            key = "weights" if item.get("method") == "direct" else "swings"
            item[key] = values
            weights[name] = item
        out["weights"] = weights
    # the set's key (swings or weights) is known only now
    placed = [((p[0], p[1], _set_key(out, p[1]), *p[3:]), r, k) if p[:1] == ("weights",)
              and len(p) > 2 and p[2] == "*" else (p, r, k) for p, r, k in placed]
    for name in sets:
        at = next(r for p, r, _ in placed if p[:2] == ("weights", name))
        placed.append((("weights", name, _set_key(out, name)), at, f"set:{name}"))
    return out, placed


def _set_key(section: Mapping[str, Any], name: str) -> str:
    item = (section.get("weights") or {}).get(name) or {}
    return "weights" if item.get("method") == "direct" else "swings"


def _tree_check(rows: Sequence[TableRow]) -> list[RowProblem]:
    out: list[RowProblem] = _named_rows(rows, "id", "ID")
    for r, row in enumerate(rows):
        kind = row.values.get("kind")
        if kind is not None and kind not in KINDS:
            out.append((r, "kind", "bad-choice", f"Kind must be one of {', '.join(KINDS)} "
                        f'(got "{kind}")', "choose one from the drop-down"))
        elif kind == "from template":
            out += [(r, key, "template-row-details", 'a row of kind "from template" holds '
                     "only its weights and scores; its name, direction and value function are "
                     "those of the shipped value tree", "clear the cell, or choose criterion "
                     "as the Kind and give the row an ID of its own")
                    for key in _DETAILS if key in row.values]
    return out


MCA_CRITERIA = LensTable(
    section="mca", title="MCA",
    columns=column_table("""
        id          | ID              | str required key 26 | short name, unique (the weights and
            scores refer to it)
        kind        | Kind            | str 14              | purpose, criterion (blank) or from
            template (weights and scores only)
        name        | Name            | str 40              | the purpose or criterion in words
        under       | Under (purpose) | str 18              | ID of its purpose (blank: the top)
        direction   | Direction       | str 11              | increase: more is better; decrease:
            less is
        unit        | Unit            | str 12              | criterion: unit of the scores
        scoring     | Scoring         | str 11              | direct 0-100 (blank), linear,
            piecewise or cba
        metric      | CBA measure     | str 13              | cba: which appraisal measure
        worst       | Worst           | float 10            | linear: the measure scoring 0
        best        | Best            | float 10            | linear: the measure scoring 100
        points      | Points          | str 22              | piecewise: e.g. 0, 100; 10, 70; 40, 0
            (measure, value; ...)
        description | Description     | str 30              | what the row covers
    """, choices={"kind": KINDS, "direction": DIRECTIONS, "scoring": SCORING,
                  "metric": CBA_MEASURES}),
    per_option=Column("score", "", "float", False, "score: 0-100, or the measure in the "
                      "criterion's unit", width=18),
    to_rows=_tree_rows, from_rows=_tree_data,
    columns_for=_set_columns,
    words={"id": "ID", "name": "Name", "parent": "Under (purpose)",
           "purpose": "Under (purpose)", "direction": "Direction", "unit": "Unit",
           "scoring": "Scoring", "metric": "CBA measure", "worst": "Worst", "best": "Best",
           "points": "Points", "scores": "the option columns", "criteria": "the criterion rows",
           "purposes": "the purpose rows", "swings": "the weight set's column",
           "weights": "the weight set's column"},
    check=_tree_check,
    unique=("id",),
    description="the multi-criteria analysis: one row per purpose and per criterion (the "
    "value tree), a column per weight set (MCA weight sets sheet) and a score column per "
    "option",
)


# ----------------------------------------------------------------------------- long list
def _objective_rows(data: Any) -> tuple[list[TableRow], Any]:
    section = _map(data)
    rows = []
    for kind, key in _OBJECTIVE_KINDS.items():
        if key in section:
            for item in _items(section[key], ("id", "name")):
                rows.append(TableRow({"kind": kind, **{k: _text(v) for k, v in item.items()}}))
    return (rows, without(section, *_OBJECTIVE_KINDS.values())) if rows else ([], data)


def _objective_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    first = next(iter(_OBJECTIVE_KINDS))

    def kind_of(row: TableRow) -> str:  # an unknown kind is reported by the check; its row
        kind = row.values.get("kind")  # still names a column of the Long list sheet
        return kind if kind in _OBJECTIVE_KINDS else first

    for kind, key in _OBJECTIVE_KINDS.items():
        mine = [(r, row) for r, row in enumerate(rows) if kind_of(row) == kind]
        if not mine:
            continue
        out[key] = []
        placed.append(((key,), mine[0][0], "kind"))
        for i, (r, row) in enumerate(mine):
            out[key].append({k: row.values[k] for k in ("id", "name") if k in row.values})
            placed.append(((key, i), r, "id"))
            placed += [((key, i, k), r, k) for k in ("id", "name") if k in row.values]
    return out, placed


def _objective_check(rows: Sequence[TableRow]) -> list[RowProblem]:
    kinds = tuple(_OBJECTIVE_KINDS)
    return [*_named_rows(rows, "id", "ID"),
            *((r, "kind", "bad-choice", f"Kind must be one of {', '.join(kinds)} (got "
               f'"{row.values.get("kind")}")', "choose one from the drop-down")
              for r, row in enumerate(rows) if row.values.get("kind") not in kinds)]


LONG_LIST_OBJECTIVES = LensTable(
    section="long_list", title="Long list objectives",
    columns=column_table("""
        kind | Kind | str required 24     | spending objective or critical success factor
        id   | ID   | str required key 16 | short name, its column's header on the Long list
        name | Name | str 70              | the objective or factor in words
    """, choices={"kind": tuple(_OBJECTIVE_KINDS)}),
    to_rows=_objective_rows, from_rows=_objective_data,
    words={"spending_objectives": "the spending objective rows",
           "critical_success_factors": "the critical success factor rows", "id": "ID",
           "name": "Name"},
    check=_objective_check,
    unique=("id",),
    description="the spending objectives and critical success factors every long-list "
    "choice is assessed against (a column each on the Long list sheet)",
)

_CHOICE_KEYS = ("id", "name", "assessment", "decision", "reason")


def _assessment_columns(data: Any) -> tuple[Column, ...]:
    section = _map(data)
    out = []
    for key in _OBJECTIVE_KINDS.values():
        for item in section.get(key) or []:
            ident = _map(item).get("id")
            if isinstance(ident, str):
                out.append(Column(f"assess:{ident}", ident, "str", False,
                                  str(item.get("name") or ident), ASSESSMENTS,
                                  width=max(11.0, len(ident) + 3.0)))
    return tuple(out)


def _assessment_cells(value: Any) -> dict[str, Any]:
    if not _map(value):
        raise _Refuse(value)
    return {f"assess:{_text(k)}": _text(v) for k, v in value.items()}


def _choice_rows(data: Any) -> tuple[list[TableRow], Any]:
    section = _map(data)
    if "choices" not in section:
        return [], data
    rows = [TableRow({"dimension": _text(dimension),
                      **_cells(item, assessment=_assessment_cells)})
            for dimension, items in _map(section["choices"]).items()
            for item in _items(items, _CHOICE_KEYS)]
    return rows, without(section, "choices")


def _choice_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    choices: dict[str, list[dict[str, Any]]] = {}
    for r, row in enumerate(rows):
        dim = row.values.get("dimension")
        if dim is None:
            continue  # reported by the table's check
        if dim not in choices:
            placed.append((("choices", dim), r, "dimension"))
        i = len(choices.setdefault(dim, []))
        item: dict[str, Any] = {}
        take(item, row.values, ("id", "name"), ("choices", dim, i), r, placed)
        assessment = {k.removeprefix("assess:"): v for k, v in row.values.items()
                      if k.startswith("assess:")}
        if assessment:
            item["assessment"] = assessment
            placed.append((("choices", dim, i, "assessment"), r, "id"))
            placed += [(("choices", dim, i, "assessment", k), r, f"assess:{k}")
                       for k in assessment]
        take(item, row.values, ("decision", "reason"), ("choices", dim, i), r, placed)
        placed.append((("choices", dim, i), r, "id"))
        choices[dim].append(item)
    return end_section(out, placed, "choices", choices, "dimension")


LONG_LIST = LensTable(
    section="long_list", title="Long list",
    columns=column_table("""
        dimension | Dimension | str required 15     | the dimension of choice
        id        | ID        | str required key 16 | short name (the Short list uses it)
        name      | Name      | str 46              | the choice in words
        decision  | Decision  | str 16              | blank: as the assessment suggests
        reason    | Reason    | str 46              | why (needed when the decision departs from
            the assessment)
    """, choices={"dimension": DIMENSIONS, "decision": DECISIONS}),
    to_rows=_choice_rows, from_rows=_choice_data,
    columns_for=_assessment_columns,
    named_at=3,
    words={"assessment": "the objective columns", "decision": "Decision", "reason": "Reason",
           "id": "ID", "name": "Name", "choices": "Dimension"},
    check=lambda rows: _named_rows(rows, "dimension", "Dimension"),
    unique=("id",),
    description="the long list by the options framework: one row per possible choice in "
    "each dimension, assessed against every spending objective and critical success factor "
    "(a column each), and what became of it",
)

_SHORT_KEYS = ("option", "business_as_usual", "choices", "reason")


def _dimension_cells(value: Any) -> dict[str, Any]:
    if not _map(value) or not set(value) <= set(DIMENSIONS):
        raise _Refuse(value)
    return {k: _text(v) for k, v in value.items()}


def _bau_cell(value: Any) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise _Refuse(value)
    return {"business_as_usual": value}


def _short_rows(data: Any) -> tuple[list[TableRow], Any]:
    section = _map(data)
    if "short_list" not in section:
        return [], data
    rows = [TableRow(_cells(item, choices=_dimension_cells, business_as_usual=_bau_cell))
            for item in _items(section["short_list"], _SHORT_KEYS)]
    return rows, without(section, "short_list")


def _short_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    items = []
    for i, row in enumerate(rows):
        item: dict[str, Any] = {}
        take(item, row.values, ("option", "business_as_usual"), ("short_list", i), i, placed)
        picked = {d: row.values[d] for d in DIMENSIONS if d in row.values}
        if picked:
            item["choices"] = picked
            placed.append((("short_list", i, "choices"), i, next(iter(picked))))
            placed += [(("short_list", i, "choices", d), i, d) for d in picked]
        take(item, row.values, ("reason",), ("short_list", i), i, placed)
        placed.append((("short_list", i), i, "option"))
        items.append(item)
    return end_section(out, placed, "short_list", items, "option")


SHORT_LIST = LensTable(
    section="long_list", title="Short list",
    columns=(
        *column_table("""
            option            | Option            | str required key 30 |
                the option's name, as on the Options sheet
            business_as_usual | Business as usual | bool 12             |
                yes for the benchmark
        """, choices={"business_as_usual": ("yes", "no")}),
        *(Column(d, d.capitalize(), "str", False, "its ID on the Long list",
                 width=len(d) + 5.0) for d in DIMENSIONS),
        *column_table("""
            reason | Reason | str 72 | why the option is on the short list
        """),
    ),
    to_rows=_short_rows, from_rows=_short_data,
    words={"option": "Option", "business_as_usual": "Business as usual",
           "choices": "the dimension columns", "reason": "Reason",
           **{d: d.capitalize() for d in DIMENSIONS}},
    unique=("option",),
    description="the short list drawn from the long list: one row per option of the case, "
    "with its choice in each dimension (an ID from the Long list sheet)",
)
