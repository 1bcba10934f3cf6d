"""Parsing the weight sets and the combine rule of the ``mca:`` section.

Shapes are documented in :mod:`appraisal.lenses.mca.section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from appraisal.lenses.mca._fields import Path, SectionReader
from appraisal.lenses.mca.spec import COMBINED
from appraisal.lenses.mca.stakeholders import COMBINE_METHODS, CombineRule
from appraisal.lenses.mca.tree import ValueTree
from appraisal.lenses.mca.weights import (
    AHP_VARIANTS,
    WEIGHT_METHODS,
    PairwiseComparison,
    WeightSet,
    weight_set_problems,
)

__all__ = ["parse_combine", "parse_weight_sets"]

_SET_KEYS = {"swing": ("swings",), "direct": ("weights",),
             "ahp": ("variant", "criteria", "matrix", "matrices")}


def parse_weight_sets(r: SectionReader, data: object, path: Path, tree: ValueTree | None
                      ) -> list[WeightSet]:
    """The valid weight sets of the ``weights:`` mapping; problems go to the reader."""
    if data is None:
        r.error(path[:-1], "missing-key", "required key 'weights' is missing",
                "add at least one weight set, e.g. officers: {method: swing, swings: {...}}")
        return []
    table = r.mapping(data, path, "a mapping of weight-set names to weight sets")
    out: list[WeightSet] = []
    for name, raw in (table or {}).items():
        p = (*path, str(name))
        if name == COMBINED:
            r.error(p, "bad-name", f"'{COMBINED}' is reserved for the combined set",
                    "choose another name")
            continue
        node = r.mapping(raw, p)
        if node is None:
            continue
        if "method" not in node:
            r.error(p, "missing-key", "required key 'method' is missing",
                    f"add method: one of {', '.join(WEIGHT_METHODS)}")
            continue
        method = r.choice(node["method"], (*p, "method"), WEIGHT_METHODS)
        if method is None or not r.keys(node, p, ("method", "description", *_SET_KEYS[method])):
            continue
        ws = _weight_set(r, node, p, str(name), method, tree)
        if ws is None or tree is None:
            continue
        problems = weight_set_problems(ws, tree)
        for code, rel, message, fix in problems:
            r.error((*p, *rel), code, message, fix)
        if not problems:
            out.append(ws)
    return out


def _weight_set(r: SectionReader, node: Mapping[str, Any], p: Path, name: str, method: str,
                tree: ValueTree | None) -> WeightSet | None:
    desc = r.text(node, "description", p, required=False) or ""
    if method in ("swing", "direct"):
        key = "swings" if method == "swing" else "weights"
        if key not in node:
            r.error(p, "missing-key", f"required key '{key}' is missing",
                    f"add {key}: {{criterion: number, ...}}")
            return None
        table = r.mapping(node[key], (*p, key))
        if table is None:
            return None
        values = [(str(k), r.number(v, (*p, key, str(k)))) for k, v in table.items()]
        if any(v is None for _, v in values):
            return None
        purposes = {q.id for q in tree.purposes} if tree is not None else set()
        scope = "local" if method == "swing" and any(k in purposes for k, _ in values) else "global"
        if tree is not None:  # in the tree's order, however the file ordered them
            order = {k: i for i, k in enumerate(tree.node_ids)}
            values.sort(key=lambda kv: order.get(kv[0], len(order)))
        return WeightSet(name=name, method=method, scope=scope, description=desc,
                         values=tuple((k, float(v)) for k, v in values if v is not None))
    variant = "eigenvector"
    if "variant" in node:
        variant = r.choice(node["variant"], (*p, "variant"), AHP_VARIANTS) or ""
    flat, nested = "matrix" in node or "criteria" in node, "matrices" in node
    if flat == nested:
        r.error(p, "missing-key" if not flat else "conflicting-keys",
                "give either criteria + matrix (one matrix over all criteria) or matrices "
                "(one per group)", "")
        return None
    comps: list[PairwiseComparison] = []
    if flat:
        comp = _comparison(r, node, p, "criteria", None)
        comps = [comp] if comp is not None else []
    else:
        for i, item in enumerate(r.sequence(node["matrices"], (*p, "matrices")) or []):
            q = (*p, "matrices", i)
            m = r.mapping(item, q)
            if m is None or not r.keys(m, q, ("node", "items", "matrix"), ("node", "items",
                                                                            "matrix")):
                continue
            target = r.text(m, "node", q)
            comp = _comparison(r, m, q, "items", None if target == "root" else target)
            if comp is not None:
                comps.append(comp)
    if not variant or not comps:
        return None
    return WeightSet(name=name, method="ahp", scope="global" if flat else "local",
                     comparisons=tuple(comps), variant=variant, description=desc)


def _comparison(r: SectionReader, node: Mapping[str, Any], p: Path, items_key: str,
                target: str | None) -> PairwiseComparison | None:
    for key in (items_key, "matrix"):
        if key not in node:
            r.error(p, "missing-key", f"required key '{key}' is missing", f"add {key}:")
            return None
    items = r.sequence(node[items_key], (*p, items_key))
    rows = r.sequence(node["matrix"], (*p, "matrix"), "a list of rows")
    if items is None or rows is None:
        return None
    matrix: list[list[float]] = []
    ok = True
    for i, row in enumerate(rows):
        cells = r.sequence(row, (*p, "matrix", i), "a row (a list of numbers)")
        if cells is None:
            ok = False
            continue
        if len(cells) != len(rows):
            ok = False
            r.error((*p, "matrix", i), "not-square",
                    f"row has {len(cells)} entries, expected {len(rows)}",
                    "give one entry per item in every row")
            continue
        vals = [r.number(v, (*p, "matrix", i, j)) for j, v in enumerate(cells)]
        ok = ok and all(v is not None for v in vals)
        matrix.append([v if v is not None else np.nan for v in vals])
    if not ok:
        return None
    return PairwiseComparison(items=tuple(str(x) for x in items), node=target,
                              matrix=np.array(matrix, dtype=float))


def parse_combine(r: SectionReader, data: object, path: Path, names: list[str]
                  ) -> CombineRule | None:
    """The ``combine:`` rule; ``names`` are every declared weight set, valid or not."""
    if data is None:
        return CombineRule()
    node = r.mapping(data, path)
    if node is None or not r.keys(node, path, ("method", "weights")):
        return None
    method = r.choice(node.get("method", "mean"), (*path, "method"), COMBINE_METHODS)
    if method is None:
        return None
    if "weights" not in node:
        if method == "weighted":
            r.error(path, "missing-key", "method 'weighted' needs 'weights'",
                    "add weights: {weight set: share, ...} summing to one")
            return None
        return CombineRule(method=method)
    if method == "mean":
        r.error((*path, "weights"), "conflicting-keys", "method 'mean' takes no weights",
                "use method: weighted")
        return None
    table = r.mapping(node["weights"], (*path, "weights")) or {}
    shares: dict[str, float] = {}
    for key, raw in table.items():
        value = r.number(raw, (*path, "weights", str(key)))
        if key not in names:
            r.reference(key, (*path, "weights", str(key)), names, "weight set")
        elif value is not None:
            if value < 0:
                r.error((*path, "weights", str(key)), "negative-weight", f"{value:g} is negative",
                        "shares are zero or more")
            shares[str(key)] = value
    missing = [n for n in names if n not in table]
    if missing:
        r.error((*path, "weights"), "missing-weight", f"no share for {', '.join(missing)}",
                "give every weight set a share")
        return None
    total = sum(shares.values())
    if len(shares) == len(names) and abs(total - 1.0) > 1e-6:
        r.error((*path, "weights"), "weights-not-summing-to-one",
                f"stakeholder shares sum to {total:.6g}, not 1", "rescale them to sum to one")
        return None
    if len(shares) != len(names):
        return None
    return CombineRule(method=method, stakeholder_weights=tuple(shares[n] for n in names))
