"""The AHP pairwise comparisons of the ``mca`` section as square grids (issue 15, item 2).

An AHP weight set (``method: ahp`` on the ``MCA weight sets`` sheet) compares items two by
two: how many times more important the row's item is than the column's, on Saaty's scale
1/9 … 9. The ``MCA pairwise`` sheet holds one square grid per comparison: the weight set
(column A) and what is compared (column B: ``root`` for the top of the value tree, a
purpose's ID for its children, or ``all criteria`` for one grid over every criterion), the
items across the grid's first row from column D and down column C; 1 on the diagonal, the
judgements typed right of the diagonal, and left of it live formulas ``=1/`` the mirror
cell. A blank row separates two grids. A grid typed by hand needs only its items and the
judgements: the diagonal and the cells left of it may be left blank.

This module is the case layer's half: :func:`split_grids` lays the section's matrices out
as :class:`PairwiseGrid` (what it cannot lay out exactly stays in the section, for the
``Sections`` sheet), :func:`join_grids` puts grids back, saying where each value came from.
The writer (:mod:`appraisal.outputs.excel_template`) and the reader
(:mod:`appraisal.inputs.excel_sheets_read`) draw and read the cells.

A judgement left of the diagonal is read back as the reciprocal of its mirror
(:func:`reciprocal`): ``'1/3'`` for a whole number 3, ``0.5`` for 2.0's mirror written as a
decimal... in one fixed form, so a matrix is laid out only when its left half is already in
that form (the YAML fractions ``"1/3"`` are); any other stays on ``Sections``.

Examples
--------
>>> section = {"weights": {"panel": {"matrices": [
...     {"node": "root", "items": ["cost", "time"], "matrix": [[1, 3], ["1/3", 1]]}]}}}
>>> grids, rest = split_grids(section)
>>> grids[0].weight_set, grids[0].node, grids[0].items, grids[0].judgements, rest
('panel', 'root', ('cost', 'time'), {(0, 1): 3}, None)
>>> back, placed = join_grids(grids, None)
>>> back == section
True
>>> placed[0]
(('weights', 'panel', 'matrices'), 0, ('set',))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appraisal.case.sheets import TableSheet, column_table

__all__ = [
    "ALL_CRITERIA",
    "FIRST_ITEM_COL",
    "GRID_HELP",
    "PAIRWISE",
    "ROOT",
    "PairwiseGrid",
    "join_grids",
    "reciprocal",
    "split_grids",
]

#: ``Compared under`` of a grid over every criterion (``criteria`` + ``matrix`` in YAML).
ALL_CRITERIA = "all criteria"
#: ``Compared under`` of the top of the value tree.
ROOT = "root"
#: The first column of a grid's items (A: weight set, B: compared under, C: row items).
FIRST_ITEM_COL = 4

#: The sheet's fixed columns; the item columns from :data:`FIRST_ITEM_COL` are headed by
#: the items of each grid, on the grid's own first row.
PAIRWISE = TableSheet("MCA pairwise", (
    *column_table("""
        weight_set | Weight set      | str required key 22 | an ahp set of MCA weight sets, on each
            grid's first row
        node       | Compared under  | str required 20     | root, a purpose's ID, or all criteria
        item       | Row item        | str calc 24         | the grid's items, down (calculated)
        grid       | Compared with → | float 14            | the items across each grid's first row
    """),
), "AHP pairwise comparisons: one square grid per AHP weight set and group of items "
   "compared (root: the top of the value tree; a purpose's ID: its children; all criteria: "
   "every criterion at once), the items across its first row; below, how many times more "
   "important the row's item is than the column's, typed right of the diagonal (left of it "
   "is 1 / the mirror cell); a blank row between grids")


#: Help of the item columns after the first: how to fill a grid in, a step a column.
GRID_HELP = (
    "below: the row's item over the column's",
    "1/9 to 9 (3: three times as important)",
    "type right of the diagonal (1 on it)",
    "left of it: 1 / the mirror, or blank",
    "a blank row between two grids",
)


@dataclass(slots=True)
class PairwiseGrid:
    """One square grid: a weight set's comparison of ``items`` under ``node``.

    ``judgements`` maps ``(i, j)`` with ``i < j`` to the value typed right of the diagonal
    (row ``i`` over column ``j``); the diagonal is 1 and the rest their reciprocals.
    """

    weight_set: Any
    node: Any
    items: tuple[Any, ...]
    judgements: dict[tuple[int, int], Any] = field(default_factory=dict)

    def matrix(self) -> list[list[Any]]:
        """The full matrix as the YAML holds it (reciprocals by :func:`reciprocal`).

        Examples
        --------
        >>> PairwiseGrid("p", "root", ("a", "b", "c"),
        ...              {(0, 1): 3, (0, 2): 0.5, (1, 2): 1}).matrix()
        [[1, 3, 0.5], ['1/3', 1, 1], [2.0, 1, 1]]
        """
        n = len(self.items)
        out: list[list[Any]] = [[1] * n for _ in range(n)]
        for (i, j), value in self.judgements.items():
            out[i][j] = value
            out[j][i] = reciprocal(value)
        return out


def reciprocal(value: Any) -> Any:
    """The value left of the diagonal of a judgement right of it, in one fixed form.

    1 for 1, ``'1/n'`` for a whole number ``n`` (as YAML writes it), else ``1 / value``;
    what is not a positive number is given back as it is (its own cell is reported).

    Examples
    --------
    >>> reciprocal(3), reciprocal(3.0), reciprocal(1), reciprocal(0.25)
    ('1/3', '1/3', 1, 4.0)
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        return value  # not a judgement: its problem is reported at its own cell
    if value == 1:
        return 1
    if float(value).is_integer():
        return f"1/{int(value)}"
    return 1 / value


class _Refuse(ValueError):
    """Not a shape the grid lays out exactly (it stays on the Sections sheet)."""


def _judgement(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        raise _Refuse(value)
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal, and both text or both numbers (``'1/3'`` is not ``0.333…``)."""
    return isinstance(a, str) == isinstance(b, str) and not isinstance(a, bool) and a == b


def _grid(weight_set: str, node: str, items: Any, matrix: Any) -> PairwiseGrid:
    if not isinstance(items, list) or not items or not all(
            isinstance(x, str) and x.strip() and x == x.strip() for x in items) or len(
            set(items)) != len(items):
        raise _Refuse(items)
    n = len(items)
    if not isinstance(matrix, list) or len(matrix) != n or not all(
            isinstance(row, list) and len(row) == n for row in matrix):
        raise _Refuse(matrix)
    judgements = {(i, j): _judgement(matrix[i][j]) for i in range(n) for j in range(i + 1, n)}
    grid = PairwiseGrid(weight_set, node, tuple(items), judgements)
    expected = grid.matrix()
    if not all(_same(matrix[i][j], expected[i][j]) for i in range(n) for j in range(n)):
        raise _Refuse(matrix)
    return grid


def _set_grids(name: Any, item: Any) -> tuple[list[PairwiseGrid], dict[str, Any]]:
    """The grids of one weight set's leftover keys, and what is left of them."""
    if not isinstance(name, str) or not name.strip() or not isinstance(item, Mapping):
        raise _Refuse(item)
    if "matrices" in item:
        found = item["matrices"]
        if not isinstance(found, list) or not found:
            raise _Refuse(found)
        grids = []
        for m in found:
            if not isinstance(m, Mapping) or list(m) != ["node", "items", "matrix"] or not (
                    isinstance(m["node"], str) and m["node"].strip()) or m["node"] in (
                    ALL_CRITERIA,):
                raise _Refuse(m)
            grids.append(_grid(name, m["node"], m["items"], m["matrix"]))
        nodes = [g.node for g in grids]
        if len(set(nodes)) != len(nodes):  # two grids of one group: said by the lens
            raise _Refuse(nodes)
        return grids, {k: v for k, v in item.items() if k != "matrices"}
    if "criteria" in item and "matrix" in item:
        grid = _grid(name, ALL_CRITERIA, item["criteria"], item["matrix"])
        return [grid], {k: v for k, v in item.items() if k not in ("criteria", "matrix")}
    return [], dict(item)


def split_grids(section: Any) -> tuple[list[PairwiseGrid], Any]:
    """The grids of a (partly laid out) ``mca`` section, and what is left of it.

    A weight set whose comparisons cannot be laid out exactly keeps them in the section.

    Examples
    --------
    >>> split_grids({"weights": {"p": {"criteria": ["a", "b"], "matrix": [[1, 2], [0.5, 1]]}}})
    ([], {'weights': {'p': {'criteria': ['a', 'b'], 'matrix': [[1, 2], [0.5, 1]]}}})
    """
    if not isinstance(section, Mapping) or not isinstance(section.get("weights"), Mapping):
        return [], section
    grids: list[PairwiseGrid] = []
    left: dict[Any, Any] = {}
    for name, item in section["weights"].items():
        try:
            found, rest = _set_grids(name, item)
        except _Refuse:
            found, rest = [], item
        grids += found
        if rest:
            left[name] = rest
    if not grids:
        return [], section
    out = {k: v for k, v in section.items() if k != "weights"}
    if left:
        out["weights"] = left
    return grids, out or None


#: Where a value went: (path inside the section, grid index, part of the grid): ``("set",)``,
#: ``("node",)``, ``("items",)``, ``("item", j)`` or ``("cell", i, j)``.
GridPlaced = tuple[tuple[Any, ...], int, tuple[Any, ...]]


def join_grids(grids: Sequence[PairwiseGrid], section: Any
               ) -> tuple[Any, list[GridPlaced]]:
    """The section with the grids' matrices added to their weight sets, and where each
    value came from (a grid's first row for the set, its node and items; a cell right of
    the diagonal for its judgement and its mirror)."""
    out: dict[str, Any] = dict(section) if isinstance(section, Mapping) else {}
    weights: dict[Any, Any] = dict(out.get("weights") or {}) if isinstance(
        out.get("weights"), Mapping) else {}
    placed: list[GridPlaced] = []
    for k, grid in enumerate(grids):
        item = dict(weights.get(grid.weight_set) or {}) if isinstance(
            weights.get(grid.weight_set), Mapping) else {}
        name = grid.weight_set
        if grid.node == ALL_CRITERIA:
            item["criteria"] = list(grid.items)
            item["matrix"] = grid.matrix()
            base: tuple[Any, ...] = ("weights", name)
            items_key = "criteria"
            placed.append((base, k, ("set",)))
        else:
            found = item.get("matrices")
            matrices = list(found) if isinstance(found, list) else []
            base = ("weights", name, "matrices", len(matrices))
            if not matrices:
                placed.append((base[:-1], k, ("set",)))
            matrices.append({"node": grid.node, "items": list(grid.items),
                             "matrix": grid.matrix()})
            item["matrices"] = matrices
            items_key = "items"
            placed += [(base, k, ("set",)), ((*base, "node"), k, ("node",))]
        weights[name] = item
        placed.append(((*base, items_key), k, ("items",)))
        placed += [((*base, items_key, j), k, ("item", j)) for j in range(len(grid.items))]
        placed.append(((*base, "matrix"), k, ("items",)))
        n = len(grid.items)
        for i in range(n):
            placed.append(((*base, "matrix", i), k, ("cell", i, min(i + 1, n - 1))))
            for j in range(n):
                at = ("cell", min(i, j), max(i, j)) if i != j else ("item", i)
                placed.append(((*base, "matrix", i, j), k, at))
    if weights:
        out["weights"] = weights
    return out, placed
