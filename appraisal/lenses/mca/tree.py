"""The value tree: purposes (or spending objectives) with criteria hung under them.

Nodes are of two kinds. *Purposes* group: they may nest (a purpose may sit under
another purpose) and carry no scores. *Criteria* are the leaves that options are
scored on; each has a direction, a unit and a scale. A criterion with no
``purpose`` hangs from the root. Weights are normalised down this tree
(:mod:`appraisal.lenses.mca.weights`).

Index conventions used by the kernels: node ``k`` runs over purposes first, then
criteria (``N = P + C`` nodes); ``parent_index`` is ``-1`` for the root.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.fields import field_path
from appraisal.lenses.mca.value_functions import Direction, DirectScale, ValueScale

__all__ = ["CBA_METRICS", "Criterion", "Purpose", "ValueTree", "tree_problems"]

#: CBA results that can be criteria, with the direction in which each is better.
CBA_METRICS: dict[str, Direction] = {
    "npsv": Direction.INCREASE,
    "pv_benefits": Direction.INCREASE,
    "pv_costs": Direction.DECREASE,
    "bcr": Direction.INCREASE,
}

Problem = tuple[str, tuple[str | int, ...], str, str]  # code, relative path, message, fix


@dataclass(frozen=True, slots=True, kw_only=True)
class Purpose:
    """A purpose, spending objective or other grouping node of the value tree."""

    id: str
    name: str
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """A leaf of the value tree that every option is scored on.

    Parameters
    ----------
    id, name : str
        Identifier (used in scores and weights) and display name.
    direction : Direction
        Whether more of the measure is better.
    unit : str
        Unit of the measure, e.g. ``"days"`` or ``"score 0-100"``.
    purpose : str, optional
        The purpose this criterion hangs under; the root when None.
    scale : ValueScale
        How the measure becomes a 0–100 value.
    cba_metric : str, optional
        ``npsv``, ``pv_costs``, ``pv_benefits`` or ``bcr`` when the measure comes
        from the cost-benefit analysis rather than from the scores table.
    """

    id: str
    name: str
    direction: Direction
    unit: str = ""
    purpose: str | None = None
    scale: ValueScale = field(default_factory=DirectScale)
    cba_metric: str | None = None
    description: str = ""


def tree_problems(purposes: tuple[Purpose, ...], criteria: tuple[Criterion, ...]) -> list[Problem]:
    """Every structural problem of a value tree, as ``(code, path, message, fix)``.

    Paths are relative to the tree (``("criteria", 2, "purpose")``), so a parser
    can locate them in its own file.
    """
    out: list[Problem] = []
    if not criteria:
        out.append(("no-criteria", ("criteria",), "the value tree has no criteria",
                    "add at least one criterion"))
    seen: dict[str, tuple[str | int, ...]] = {}
    for kind, nodes in (("purposes", purposes), ("criteria", criteria)):
        for i, node in enumerate(nodes):
            if node.id in seen:
                out.append(("duplicate-id", (kind, i, "id"), f"id '{node.id}' is already used",
                            "give every purpose and criterion its own id"))
            seen.setdefault(node.id, (kind, i))
    purpose_ids = {p.id for p in purposes}
    for i, p in enumerate(purposes):
        if p.parent is not None and p.parent not in purpose_ids:
            out.append(("unknown-reference", ("purposes", i, "parent"),
                        f"parent '{p.parent}' is not a purpose", "name a purpose's id"))
    for i, c in enumerate(criteria):
        if c.purpose is not None and c.purpose not in purpose_ids:
            out.append(("unknown-reference", ("criteria", i, "purpose"),
                        f"purpose '{c.purpose}' is not defined", "name a purpose's id"))
        if c.cba_metric is not None and c.cba_metric not in CBA_METRICS:
            out.append(("bad-choice", ("criteria", i, "metric"),
                        f"unknown CBA metric '{c.cba_metric}'",
                        f"use one of {', '.join(CBA_METRICS)}"))
        if c.cba_metric is not None and isinstance(c.scale, DirectScale):
            out.append(("bad-choice", ("criteria", i, "scoring"),
                        "a CBA result cannot be a direct 0–100 rating",
                        "give worst/best or points, or leave them out for a local scale"))
        for path, msg, fix in c.scale.problems(c.direction):
            out.append(("bad-value-function", ("criteria", i, *path), msg, fix))
    parents = {p.id: p.parent for p in purposes}
    for i, p in enumerate(purposes):
        walk, node = {p.id}, p.parent
        while node is not None and node in parents:
            if node in walk:
                out.append(("cycle", ("purposes", i, "parent"),
                            f"purpose '{p.id}' is its own ancestor", "remove the loop of parents"))
                break
            walk.add(node)
            node = parents[node]
    used = {c.purpose for c in criteria} | {p.parent for p in purposes}
    for i, p in enumerate(purposes):
        if p.id not in used:
            out.append(("empty-purpose", ("purposes", i, "id"),
                        f"purpose '{p.id}' has no criteria or purposes under it",
                        "hang at least one criterion under it, or remove it"))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueTree:
    """A frozen value tree.

    Raises
    ------
    AppraisalValidationError
        Duplicate ids, unknown parents, loops, empty purposes or bad value functions.

    Examples
    --------
    >>> tree = ValueTree(
    ...     purposes=(Purpose(id="prevent", name="Prevent crises"),),
    ...     criteria=(Criterion(id="trust", name="Trust", direction=Direction.INCREASE,
    ...                         purpose="prevent"),
    ...               Criterion(id="cost", name="Cost", direction=Direction.DECREASE)))
    >>> tree.node_ids, tree.parent_index.tolist()
    (('prevent', 'trust', 'cost'), [-1, 0, -1])
    >>> tree.membership().astype(int).tolist()
    [[1, 0], [1, 0], [0, 1]]
    """

    purposes: tuple[Purpose, ...] = ()
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "purposes", tuple(self.purposes))
        object.__setattr__(self, "criteria", tuple(self.criteria))
        problems = tree_problems(self.purposes, self.criteria)
        if problems:
            raise AppraisalValidationError(
                [Issue(code, msg, field=field_path(path), fix=fix)
                 for code, path, msg, fix in problems],
                source="value tree")

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        """Criterion ids in column order."""
        return tuple(c.id for c in self.criteria)

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Purpose ids, then criterion ids."""
        return tuple(p.id for p in self.purposes) + self.criterion_ids

    @property
    def parent_index(self) -> npt.NDArray[np.intp]:
        """Index of each node's parent in :attr:`node_ids`, ``-1`` for the root."""
        index = {k: i for i, k in enumerate(self.node_ids)}
        parents = [p.parent for p in self.purposes] + [c.purpose for c in self.criteria]
        return np.array([-1 if p is None else index[p] for p in parents], dtype=np.intp)

    @property
    def depth(self) -> npt.NDArray[np.intp]:
        """Depth of each node: 1 for children of the root."""
        parent = self.parent_index
        depth = np.ones(len(parent), dtype=np.intp)
        for _ in range(len(parent)):
            new = np.where(parent >= 0, depth[np.maximum(parent, 0)] + 1, 1)
            if np.array_equal(new, depth):
                break
            depth = new
        return depth

    def children(self, node: str | None) -> tuple[str, ...]:
        """Ids of the direct children of ``node`` (None for the root)."""
        ids = self.node_ids
        parent = self.parent_index
        target = -1 if node is None else ids.index(node)
        return tuple(ids[i] for i in np.flatnonzero(parent == target))

    def membership(self) -> npt.NDArray[np.bool_]:
        """``[N, C]`` matrix: node ``k`` contains criterion ``c`` (itself, for criteria)."""
        n_nodes, n_crit = len(self.node_ids), len(self.criteria)
        parent = self.parent_index
        member = np.zeros((n_nodes, n_crit), dtype=bool)
        for c in range(n_crit):
            k = n_nodes - n_crit + c
            while k >= 0:
                member[k, c] = True
                k = parent[k]
        return member
