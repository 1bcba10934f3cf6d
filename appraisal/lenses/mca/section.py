"""Parsing the case file's ``mca:`` section into an :class:`~appraisal.lenses.mca.spec.MCASpec`.

The loader turns YAML into plain Python data and hands over a ``locate`` callable;
:func:`parse_mca_section` records every problem in the :class:`~appraisal.errors.Issues`
collector (located, named by dotted field, with a fix) and returns None when the
section is unusable. Unknown keys are errors with a "did you mean" hint.

The section, in full::

    mca:
      description: Options for the early-help service      # optional
      purposes:                  # purposes, spending objectives or other groups
        - id: prevent
          name: Prevent crises before they happen
        - id: relate
          name: Work through relationships
          parent: prevent        # optional: groups may nest
      criteria:
        - id: trust
          name: Builds trusting relationships
          purpose: relate        # optional; the root when left out
          direction: increase    # increase | decrease (required)
          unit: score 0-100
          scoring: direct        # direct | linear | piecewise | cba (default direct)
        - id: wait
          name: Days to a first contact
          purpose: prevent
          direction: decrease
          unit: days
          scoring: linear        # worst -> 0, best -> 100; without them, a local scale
          worst: 60
          best: 5
        - id: repeat
          name: Repeat referrals within a year
          purpose: prevent
          direction: decrease
          unit: "%"
          scoring: piecewise     # (measure, value) points, monotone in the direction
          points: [[0, 100], [10, 70], [40, 0]]
        - id: npsv
          name: Net present social value
          direction: increase
          unit: £m
          scoring: cba           # measure from the CBA: npsv | pv_costs | pv_benefits | bcr
          metric: npsv           # optional worst/best or points; else a local scale
      scores:                    # option -> criterion -> rating or measure (not for cba)
        Do minimum:  {trust: 30, wait: 45, repeat: 30}
        New service: {trust: 80, wait: 10, repeat: 12}
      weights:                   # one or more named weight sets (stakeholders)
        officers:
          method: swing          # any non-negative scale; global over criteria, or
          swings: {trust: 100, wait: 40, repeat: 60, npsv: 80}   # local if purposes appear
        citizens_panel:
          method: ahp
          variant: eigenvector   # eigenvector | geometric_mean
          matrices:              # one per group (local); or criteria: [...] + matrix: (global)
            - node: root
              items: [prevent, npsv]
              matrix: [[1, 3], ["1/3", 1]]
            - node: prevent
              items: [relate, wait, repeat]
              matrix: [[1, 2, 2], ["1/2", 1, 1], ["1/2", 1, 1]]
        partners:
          method: direct         # global weights that must sum to one
          weights: {trust: 0.4, wait: 0.2, repeat: 0.2, npsv: 0.2}
      combine:                   # mean (default) | weighted | geometric
        method: weighted
        weights: {officers: 0.4, citizens_panel: 0.4, partners: 0.2}
      topsis:                    # optional: TOPSIS beside the linear additive model
        normalisation: vector    # vector | max | minmax | sum

Fractions may be written as strings (``"1/3"``). A criterion under a purpose
with a single child (``trust`` under ``relate`` above) needs no local weight.
``tests/test_mca_section.py`` parses this example as written.

Examples
--------
>>> from appraisal.errors import Issues
>>> section = {
...     "criteria": [{"id": "trust", "name": "Builds trust", "direction": "increase"},
...                  {"id": "wait", "name": "Days to contact", "direction": "decrease",
...                   "scoring": "linear", "worst": 60, "best": 5}],
...     "scores": {"Do minimum": {"trust": 30, "wait": 45},
...                "New service": {"trust": 80, "wait": "ten"}},
...     "weights": {"officers": {"method": "swing", "swings": {"trust": 100, "wiat": 40}}}}
>>> found = Issues()
>>> parse_mca_section(section, option_names=["Do minimum", "New service"],
...                   locate=lambda path: "case.yaml", issues=found) is None
True
>>> for issue in found:
...     print(issue.field, "|", issue.message, "|", issue.fix)
mca.scores.New service.wait | expected a number, got 'ten' | write a number such as 3, 0.5 or '1/3'
mca.weights.officers.swings.wiat | 'wiat' is not a criterion | did you mean 'wait'?
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from appraisal.errors import Expected, Issues
from appraisal.fields import closest
from appraisal.lenses.mca._fields import Path, SectionReader
from appraisal.lenses.mca._weight_section import parse_combine, parse_weight_sets
from appraisal.lenses.mca.aggregation import NORMALISATIONS
from appraisal.lenses.mca.spec import COMBINED, MCASpec
from appraisal.lenses.mca.tree import CBA_METRICS, Criterion, Purpose, ValueTree, tree_problems
from appraisal.lenses.mca.value_functions import (
    Direction,
    DirectScale,
    LinearScale,
    LocalScale,
    PiecewiseScale,
    ValueScale,
)

__all__ = ["parse_mca_section", "parse_value_tree"]

SCORING = ("direct", "linear", "piecewise", "cba")
_CRITERION_KEYS = ("id", "name", "purpose", "direction", "unit", "scoring", "description")
_SCALE_KEYS = {"direct": (), "linear": ("worst", "best"), "piecewise": ("points",),
               "cba": ("metric", "worst", "best", "points")}

Locate = Callable[[Path], str]


def parse_value_tree(data: object, *, locate: Locate, issues: Issues,
                     path: Path = ("mca",), extra_keys: Sequence[str] = ()) -> ValueTree | None:
    """Parse ``purposes`` and ``criteria`` (e.g. of an example tree in ``data/mca/``).

    Other keys are errors unless listed in ``extra_keys``. Returns None when any
    error was recorded.
    """
    start = len(issues.errors)
    tree, _ = _parse_tree(data, locate, issues, path, extra_keys)
    return tree if len(issues.errors) == start else None


def _parse_tree(data: object, locate: Locate, issues: Issues, path: Path,
                extra_keys: Sequence[str]) -> tuple[ValueTree | None, set[str]]:
    """The tree, built even when some criteria have bad fields (with stand-ins), so the
    rest of the section can still be checked; and the ids of those criteria."""
    r = SectionReader(locate, issues)
    section = r.mapping(data, path)
    if section is None:
        return None, set()
    r.keys(section, path, ("purposes", "criteria", *extra_keys), required=("criteria",))
    purposes: list[Purpose] = []
    p_index: list[int] = []
    for i, item in enumerate(r.sequence(section.get("purposes", []), (*path, "purposes")) or []):
        p = (*path, "purposes", i)
        node = r.mapping(item, p)
        if node is None:
            continue
        r.keys(node, p, ("id", "name", "parent", "description"), ("id",))
        ident = r.text(node, "id", p, required=False)
        if ident is not None:
            purposes.append(Purpose(id=ident, name=r.text(node, "name", p, required=False,
                                                           default=ident) or ident,
                                    parent=r.text(node, "parent", p, required=False) or None,
                                    description=r.text(node, "description", p, required=False)
                                    or ""))
            p_index.append(i)
    criteria: list[Criterion] = []
    c_index: list[int] = []
    failed: set[str] = set()
    for i, item in enumerate(r.sequence(section.get("criteria", []), (*path, "criteria")) or []):
        crit, ok = _criterion(r, item, (*path, "criteria", i))
        if crit is not None:
            criteria.append(crit)
            c_index.append(i)
            if not ok:
                failed.add(crit.id)
    problems = tree_problems(tuple(purposes), tuple(criteria))
    for code, rel, message, fix in problems:
        kind, idx, *rest = rel if len(rel) > 1 else (rel[0], None)
        orig = (p_index if kind == "purposes" else c_index)[idx] if idx is not None else None
        where = (*path, kind) if orig is None else (*path, kind, orig, *rest)
        r.error(where, code, message, fix)
    if problems or len(c_index) != len(section.get("criteria") or []):
        return None, failed
    return ValueTree(purposes=tuple(purposes), criteria=tuple(criteria)), failed


def _criterion(r: SectionReader, item: object, p: Path) -> tuple[Criterion | None, bool]:
    """A criterion and whether it parsed cleanly; bad fields get stand-ins."""
    node = r.mapping(item, p)
    if node is None:
        return None, False
    scoring = "direct"
    if "scoring" in node:
        scoring = r.choice(node["scoring"], (*p, "scoring"), SCORING) or ""
    allowed = _CRITERION_KEYS + _SCALE_KEYS.get(scoring, ())
    ok = r.keys(node, p, allowed if scoring else (*_CRITERION_KEYS, "worst", "best", "points",
                                                  "metric"), ("id", "direction"))
    ident = r.text(node, "id", p, required=False)
    direction = (r.choice(node["direction"], (*p, "direction"), [d.value for d in Direction])
                 if "direction" in node else None)
    metric = None
    if scoring == "cba":
        if "metric" not in node:
            r.error(p, "missing-key", "a cba criterion needs 'metric'",
                    f"add metric: one of {', '.join(CBA_METRICS)}")
            ok = False
        else:
            metric = r.choice(node["metric"], (*p, "metric"), CBA_METRICS)
            ok = ok and metric is not None
            if metric and direction and CBA_METRICS[metric].value != direction:
                usual = "better" if CBA_METRICS[metric] is Direction.INCREASE else "worse"
                r.warn((*p, "direction"), "unusual-direction",
                       f"{metric} scored with direction '{direction}'",
                       f"more {metric} is usually {usual}")
    scale = _scale(r, node, p, scoring) if scoring else None
    if scale is not None and direction is not None:
        for rel, message, fix in scale.problems(Direction(direction)):
            r.error((*p, *rel), "bad-value-function", message, fix)
            ok = False
    ok = ok and ident is not None and direction is not None and scale is not None
    if ident is None:
        return None, False
    return Criterion(id=ident, name=r.text(node, "name", p, required=False, default=ident) or ident,
                     direction=Direction(direction or "increase"),
                     unit=r.text(node, "unit", p, required=False) or "",
                     purpose=r.text(node, "purpose", p, required=False) or None,
                     scale=scale if ok and scale is not None else DirectScale(),
                     cba_metric=metric if ok else None,
                     description=r.text(node, "description", p, required=False) or ""), ok


def _scale(r: SectionReader, node: Mapping[str, Any], p: Path, scoring: str) -> ValueScale | None:
    if scoring == "direct":
        return DirectScale()
    has_ends = "worst" in node or "best" in node
    if scoring in ("linear", "cba") and has_ends:
        if "worst" not in node or "best" not in node:
            r.error(p, "missing-key", "give both 'worst' and 'best'",
                    "or leave both out for a local scale")
            return None
        worst = r.number(node["worst"], (*p, "worst"))
        best = r.number(node["best"], (*p, "best"))
        return None if worst is None or best is None else LinearScale(worst, best)
    if "points" in node:
        if has_ends:
            r.error(p, "conflicting-keys", "give either worst/best or points, not both", "")
            return None
        pts = r.sequence(node["points"], (*p, "points"), "a list of [measure, value] pairs")
        if pts is None:
            return None
        parsed: list[tuple[float, float]] = []
        for i, pt in enumerate(pts):
            if not isinstance(pt, list | tuple) or len(pt) != 2:
                r.error((*p, "points", i), "wrong-type", "expected a [measure, value] pair",
                        "write each point as [measure, value]", expected=Expected.LIST)
                continue
            x, v = r.number(pt[0], (*p, "points", i, 0)), r.number(pt[1], (*p, "points", i, 1))
            if x is not None and v is not None:
                parsed.append((x, v))
        return PiecewiseScale(tuple(parsed)) if len(parsed) == len(pts) else None
    if scoring == "piecewise":
        r.error(p, "missing-key", "a piecewise criterion needs 'points'",
                "add points: [[measure, value], ...]")
        return None
    return LocalScale()


def parse_mca_section(data: object, *, option_names: Sequence[str], locate: Locate,
                      issues: Issues, path: Path = ("mca",)) -> MCASpec | None:
    """Parse the ``mca:`` section (shape in the module docstring).

    Returns
    -------
    MCASpec or None
        None when any error was recorded for the section.
    """
    r = SectionReader(locate, issues)
    start = len(issues.errors)
    tree, failed = _parse_tree(data, locate, issues, path,
                               ("scores", "weights", "combine", "topsis", "description"))
    section = data if isinstance(data, Mapping) else {}
    options = tuple(option_names)
    performance = _scores(r, section, path, tree, options, failed) if tree is not None else None
    weight_sets = parse_weight_sets(r, section.get("weights"), (*path, "weights"), tree)
    declared = section.get("weights")
    combine = parse_combine(r, section.get("combine"), (*path, "combine"),
                       [str(k) for k in declared if k != COMBINED]
                       if isinstance(declared, Mapping) else [])
    normalisation = None
    if section.get("topsis") is not None:
        tp = (*path, "topsis")
        topsis = r.mapping(section["topsis"], tp)
        if topsis is not None and r.keys(topsis, tp, ("normalisation",)):
            normalisation = r.choice(topsis.get("normalisation", "vector"),
                                     (*tp, "normalisation"), NORMALISATIONS)
    if len(issues.errors) > start or tree is None or performance is None or combine is None:
        return None
    return MCASpec(tree=tree, option_names=options, performance=performance,
                   weight_sets=tuple(weight_sets), combine=combine,
                   topsis_normalisation=normalisation,
                   description=r.text(section, "description", path, required=False) or "")


def _scores(r: SectionReader, section: Mapping[str, Any], path: Path, tree: ValueTree,
            options: tuple[str, ...], failed: set[str]) -> np.ndarray | None:
    """The performance table; criteria in ``failed`` (already reported) are not checked."""
    sp = (*path, "scores")
    crit = tree.criteria
    needed = [c for c in crit if c.cba_metric is None and c.id not in failed]
    perf = np.full((len(options), len(crit)), np.nan)
    if "scores" not in section:
        if needed:
            r.error(path, "missing-key", "required key 'scores' is missing",
                    "score every option on every criterion not taken from the CBA")
            return None
        return perf
    table = r.mapping(section["scores"], sp)
    if table is None:
        return None
    ok = True
    for name in table:
        if name not in options:
            ok = False
            r.reference(name, (*sp, str(name)), options, "option")
    index = {c.id: j for j, c in enumerate(crit)}
    for o, name in enumerate(options):
        if name not in table:
            ok = False
            r.error(sp, "missing-option", f"option '{name}' has no scores",
                    f"add '{name}: {{criterion: score, ...}}'")
            continue
        op = (*sp, name)
        row = r.mapping(table[name], op)
        if row is None:
            ok = False
            continue
        meant: set[str] = set()  # criteria a misspelt key stands for: one mistake, not two
        for key, raw in row.items():
            if key not in index:
                ok = False
                r.reference(key, (*op, str(key)), list(index), "criterion")
                meant.update(closest(key, [c for c in index if c not in row]))
                continue
            c = crit[index[key]]
            if c.cba_metric is not None:
                ok = False
                r.error((*op, key), "score-for-cba-criterion",
                        f"'{key}' takes its values from the CBA ({c.cba_metric})",
                        "remove this score")
                continue
            value = r.number(raw, (*op, key))
            if value is None:
                ok = False
                continue
            if c.id in failed:
                continue
            if isinstance(c.scale, DirectScale) and not 0 <= value <= 100:
                ok = False
                r.error((*op, key), "score-out-of-range", f"rating {value:g} is outside 0–100",
                        "direct ratings run from 0 (worst) to 100 (best)")
            elif isinstance(c.scale, LinearScale | PiecewiseScale):
                ends = ((c.scale.worst, c.scale.best) if isinstance(c.scale, LinearScale)
                        else (c.scale.points[0][0], c.scale.points[-1][0]))
                if not min(ends) <= value <= max(ends):
                    r.warn((*op, key), "outside-value-function",
                           f"{value:g} is outside the value function's range "
                           f"{min(ends):g}–{max(ends):g}; it scores as the nearest end",
                           "widen the value function if this option deserves credit beyond it")
            perf[o, index[key]] = value
        for c in needed:
            if c.id not in row and c.id not in meant:
                ok = False
                r.error(op, "missing-score", f"no score for criterion '{c.id}'",
                        f"add {c.id}: <score>")
    return perf if ok else None
