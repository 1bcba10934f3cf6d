"""Weighting: swing weights, direct weights and AHP, normalised down the value tree.

A :class:`WeightSet` records one stakeholder's elicitation; :func:`resolve_weights`
turns it into *global* criterion weights that sum to one. Two scopes:

``"global"``
    One number per criterion, compared across the whole tree (swing weights on a
    common scale, direct weights, or one AHP matrix over all criteria). A
    purpose's weight is the sum of its criteria's.
``"local"``
    One number per node, compared only with its siblings (the children of the
    same purpose, or of the root). Each sibling group is normalised to one and
    global weights are the products down the path from the root (DCLG,
    *Multi-criteria analysis: a manual*, 2009, ch. 6, on hierarchical
    swing weighting). An only child may be left out: its local weight is 1.

Direct weights must sum to one; swings need not (they are normalised).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.fields import closest, did_you_mean, field_path
from appraisal.lenses.mca.ahp import AHP_VARIANTS, AHPResult, ahp, matrix_problems
from appraisal.lenses.mca.tree import ValueTree

__all__ = [
    "WEIGHT_METHODS",
    "PairwiseComparison",
    "ResolvedWeights",
    "WeightSet",
    "local_to_global",
    "resolve_weights",
    "weight_set_problems",
]

WEIGHT_METHODS = ("swing", "ahp", "direct")
#: Tolerance on "direct weights sum to one".
SUM_TOL = 1e-6

FloatArray = npt.NDArray[np.float64]
Problem = tuple[str, tuple[str | int, ...], str, str]


def _readonly(x: npt.ArrayLike) -> FloatArray:
    a = np.array(x, dtype=float, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, slots=True, kw_only=True)
class PairwiseComparison:
    """One AHP matrix over ``items``: the children of ``node`` (local scope, None = root)
    or every criterion (global scope)."""

    items: tuple[str, ...]
    matrix: FloatArray = field(compare=False)
    node: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "matrix", _readonly(self.matrix))


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightSet:
    """One stakeholder's weights on the value tree.

    Parameters
    ----------
    name : str
        E.g. ``"officers"`` or ``"citizens_panel"``.
    method : {"swing", "ahp", "direct"}
    scope : {"global", "local"}
        See the module docstring.
    values : tuple of (id, number)
        Swings (any non-negative scale) or direct weights (summing to one).
    comparisons : tuple of PairwiseComparison
        AHP matrices.
    variant : {"eigenvector", "geometric_mean"}
        AHP weight derivation.
    """

    name: str
    method: str
    scope: str = "global"
    values: tuple[tuple[str, float], ...] = ()
    comparisons: tuple[PairwiseComparison, ...] = ()
    variant: str = "eigenvector"
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedWeights:
    """Global weights of one weight set: per criterion ``[C]`` and per node ``[N]``."""

    criteria: FloatArray
    nodes: FloatArray
    ahp: tuple[tuple[str | None, tuple[str, ...], AHPResult], ...] = ()


def local_to_global(local: npt.ArrayLike, tree: ValueTree) -> FloatArray:
    """Kernel: local node weights ``[..., N]`` to global node weights ``[..., N]``.

    Each sibling group is normalised to sum to one, then weights are multiplied
    down the tree. No validation: every sibling group must have a positive sum.

    Examples
    --------
    >>> from appraisal.lenses.mca.tree import Criterion, Purpose
    >>> from appraisal.lenses.mca.value_functions import Direction
    >>> up = Direction.INCREASE
    >>> tree = ValueTree(purposes=(Purpose(id="a", name="A"), Purpose(id="b", name="B")),
    ...     criteria=(Criterion(id="a1", name="", direction=up, purpose="a"),
    ...               Criterion(id="a2", name="", direction=up, purpose="a"),
    ...               Criterion(id="b1", name="", direction=up, purpose="b")))
    >>> local_to_global([100, 50, 100, 60, 1], tree).round(4).tolist()
    [0.6667, 0.3333, 0.4167, 0.25, 0.3333]
    """
    raw = np.asarray(local, dtype=float)
    parent = tree.parent_index
    same = (parent[:, None] == parent[None, :]).astype(float)
    weights = raw / (raw @ same)
    depth = tree.depth
    for level in range(2, int(depth.max()) + 1):
        idx = np.flatnonzero(depth == level)
        weights[..., idx] = weights[..., idx] * weights[..., parent[idx]]
    return weights


def weight_set_problems(ws: WeightSet, tree: ValueTree) -> list[Problem]:
    """Every problem of a weight set against a tree, as ``(code, path, message, fix)``.

    Paths are relative to the weight set (``("swings", "relational")``).
    """
    out: list[Problem] = []
    key = "weights" if ws.method == "direct" else "swings"
    if ws.method not in WEIGHT_METHODS:
        return [("bad-choice", ("method",), f"unknown method '{ws.method}'",
                 f"use one of {', '.join(WEIGHT_METHODS)}")]
    if ws.scope not in ("global", "local"):
        return [("bad-choice", ("scope",), f"unknown scope '{ws.scope}'", "use global or local")]
    crit = tree.criterion_ids
    if ws.method in ("swing", "direct"):
        given = dict(ws.values)
        for k, v in ws.values:
            if not np.isfinite(v) or v < 0:
                out.append(("negative-weight", (key, k), f"{v:g} is negative or not finite",
                            "weights and swings are zero or more"))
        if ws.method == "direct" and ws.scope != "global":
            out.append(("bad-choice", ("scope",), "direct weights are global",
                        "give one weight per criterion, summing to one"))
        expected = crit if ws.scope == "global" else tree.node_ids
        meant: set[str] = set()  # what a misspelt key stands for: one mistake, not two
        for k in given:
            if k not in expected:
                what = "criterion" if ws.scope == "global" else "purpose or criterion"
                near = closest(k, [e for e in expected if e not in given])
                meant.update(near)
                out.append(("unknown-reference", (key, k), f"'{k}' is not a {what}",
                            did_you_mean(k, near) if near else
                            f"known: {', '.join(expected)}"))
        groups = [(None, crit)] if ws.scope == "global" else _sibling_groups(tree)
        for node, members in groups:
            missing = [m for m in members if m not in given and m not in meant]
            if missing and (ws.scope == "global" or len(members) > 1):
                out.append(("missing-weight", (key,), f"no {key[:-1]} for {', '.join(missing)}"
                            + (f" (under '{node}')" if node else ""),
                            f"give a {key[:-1]} for every "
                            + ("criterion" if ws.scope == "global" else "sibling")))
            elif members and sum(given.get(m, 1.0) for m in members) <= 0:
                out.append(("zero-weights", (key,), "all swings in a group are zero"
                            + (f" (under '{node}')" if node else ""),
                            "give at least one a positive swing"))
        if ws.method == "direct" and not out:
            total = sum(given.values())
            if abs(total - 1.0) > SUM_TOL:
                out.append(("weights-not-summing-to-one", (key,),
                            f"direct weights sum to {total:.6g}, not 1",
                            "rescale them so they sum to one, or use method: swing"))
        return out
    # AHP
    if ws.variant not in AHP_VARIANTS:
        out.append(("bad-choice", ("variant",), f"unknown AHP variant '{ws.variant}'",
                    f"use one of {', '.join(AHP_VARIANTS)}"))
    if ws.scope == "global":
        if len(ws.comparisons) != 1:
            return [*out, ("bad-comparisons", ("matrix",), "a global AHP weight set needs "
                           "exactly one matrix over all criteria", "")]
        expected_groups = {None: crit}
    else:
        expected_groups = {node: members for node, members in _sibling_groups(tree)
                           if len(members) > 1}
    covered: set[str | None] = set()
    for i, comp in enumerate(ws.comparisons):
        path: tuple[str | int, ...] = (("matrices", i) if ws.scope == "local" else ())
        if ws.scope == "local" and comp.node not in expected_groups:
            out.append(("unknown-reference", (*path, "node"),
                        f"'{comp.node or 'root'}' has fewer than two children to compare",
                        "compare the children of a purpose, or of 'root'"))
            continue
        want = expected_groups[comp.node]
        if comp.node in covered:
            out.append(("duplicate", (*path, "node"), f"'{comp.node or 'root'}' is compared twice",
                        "give one matrix per group"))
        covered.add(comp.node)
        items_key = "criteria" if ws.scope == "global" else "items"
        if sorted(comp.items) != sorted(want) or len(set(comp.items)) != len(comp.items):
            out.append(("bad-items", (*path, items_key),
                        f"items {', '.join(comp.items)} are not exactly {', '.join(want)}",
                        "list each item being compared exactly once"))
        for issue in matrix_problems(comp.matrix, "matrix"):
            rel = issue.field.replace("matrix", "", 1)
            idx = tuple(int(x) for x in rel.strip("[]").split("][")) if rel else ()
            out.append((issue.code, (*path, "matrix", *idx), issue.message, issue.fix))
        if comp.matrix.ndim == 2 and comp.matrix.shape[0] != len(comp.items):
            out.append(("bad-items", (*path, "matrix"),
                        f"matrix has {comp.matrix.shape[0]} rows for {len(comp.items)} items",
                        "give one row and one column per item"))
    for node in expected_groups:
        if node not in covered and ws.scope == "local":
            out.append(("missing-comparison", ("matrices",),
                        f"no matrix compares the children of '{node or 'root'}'",
                        f"add one with node: {node or 'root'}"))
    return out


def _sibling_groups(tree: ValueTree) -> list[tuple[str | None, tuple[str, ...]]]:
    nodes: list[str | None] = [None, *(p.id for p in tree.purposes)]
    return [(n, tree.children(n)) for n in nodes]


def resolve_weights(ws: WeightSet, tree: ValueTree, *, warn: bool = False) -> ResolvedWeights:
    """Global criterion and node weights of a weight set.

    Raises
    ------
    AppraisalValidationError
        Any problem found by :func:`weight_set_problems`.

    Examples
    --------
    >>> from appraisal.lenses.mca.tree import Criterion
    >>> from appraisal.lenses.mca.value_functions import Direction
    >>> tree = ValueTree(criteria=tuple(Criterion(id=k, name=k, direction=Direction.INCREASE)
    ...                                 for k in ("a", "b", "c")))
    >>> ws = WeightSet(name="officers", method="swing", values=(("a", 100), ("b", 60), ("c", 40)))
    >>> resolve_weights(ws, tree).criteria.tolist()
    [0.5, 0.3, 0.2]
    """
    problems = weight_set_problems(ws, tree)
    if problems:
        raise AppraisalValidationError(
            [Issue(code, msg, field=field_path((ws.name, *path)), fix=fix)
             for code, path, msg, fix in problems], source=f"weight set '{ws.name}'")
    member = tree.membership().astype(float)
    n_nodes = len(tree.node_ids)
    index = {k: i for i, k in enumerate(tree.node_ids)}
    n_purposes = n_nodes - len(tree.criteria)
    diagnostics: list[tuple[str | None, tuple[str, ...], AHPResult]] = []
    if ws.method in ("swing", "direct"):
        given = dict(ws.values)
        if ws.scope == "global":
            crit = np.array([given[c] for c in tree.criterion_ids], dtype=float)
            return _from_criteria(crit / crit.sum(), member)
        local = np.array([given.get(k, 1.0) for k in tree.node_ids], dtype=float)
        nodes = local_to_global(local, tree)
        return ResolvedWeights(criteria=_readonly(nodes[n_purposes:]), nodes=_readonly(nodes))
    local = np.ones(n_nodes)
    for comp in ws.comparisons:
        result = ahp(comp.matrix, variant=ws.variant, warn=warn)
        diagnostics.append((comp.node, comp.items, result))
        if ws.scope == "global":
            order = [comp.items.index(c) for c in tree.criterion_ids]
            return _from_criteria(result.weights[order], member, tuple(diagnostics))
        for item, w in zip(comp.items, result.weights, strict=True):
            local[index[item]] = w
    nodes = local_to_global(local, tree)
    return ResolvedWeights(criteria=_readonly(nodes[n_purposes:]), nodes=_readonly(nodes),
                           ahp=tuple(diagnostics))


def _from_criteria(crit: FloatArray, member: FloatArray,
                   diagnostics: tuple[tuple[str | None, tuple[str, ...], AHPResult], ...] = (),
                   ) -> ResolvedWeights:
    return ResolvedWeights(criteria=_readonly(crit), nodes=_readonly(member @ crit),
                           ahp=diagnostics)
