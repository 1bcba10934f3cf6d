"""Cost-effectiveness: ICER, incremental net benefit, the frontier and acceptability curves.

For options whose benefits include a health outcome (QALYs, or any quantity a case names
as the effect) the cost-effectiveness lens compares options by cost per unit of effect
rather than by monetised benefit. The rules (Drummond et al., *Methods for the Economic
Evaluation of Health Care Programmes*; NICE PMG36 section 4 "fully incremental
analysis"):

- An option that costs more and achieves less than another is **dominated**; one that
  costs less and achieves more **dominates**. No ICER is reported for either: a negative
  ratio mixes the two cases and misleads.
- The ICER is ``ΔC / ΔE`` between successive options on the **frontier** (options ranked
  by cost, dominated ones removed). An option whose ICER is higher than that of the next,
  more effective option is **extendedly dominated**: a mix of its neighbours does better.
  The frontier is the lower-right convex hull of the options on the cost-effectiveness
  plane; ICERs rise along it.
- The **incremental net benefit** at a threshold ``k`` (£ per unit of effect) is
  ``INB = k · ΔE − ΔC``; positive means cost-effective at ``k``. Thresholds are data
  (``data/green_book/cea_thresholds.csv``: NICE's £20,000 and £30,000 per QALY, PMG36
  2022, with confidence tags), not literals.
- Under uncertainty, the **cost-effectiveness acceptability curve** (CEAC) gives, for each
  threshold, the probability that each option has the highest net benefit (the values sum
  to one across options); the **frontier** (CEAF) follows the option with the highest
  *expected* net benefit (the decision), with its probability of being best.

Arrays: costs and effects are totals per option (present values, discounted at the
rates the case uses); draws run along the first axis for :func:`ceac`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = [
    "CEAC",
    "ICER",
    "Frontier",
    "ceac",
    "frontier",
    "icer",
    "inb",
    "shipped_thresholds",
]


def shipped_thresholds(pack: ParameterPack | None = None) -> tuple[ParameterRow, ...]:
    """The shipped cost-effectiveness thresholds (£ per QALY), each with its provenance.

    Examples
    --------
    >>> [(r.get("variant"), r.value, r.confidence) for r in shipped_thresholds()][:2]
    [('lower', 20000.0, 'C'), ('upper', 30000.0, 'C2')]
    """
    return (pack or ParameterPack.green_book()).rows("cea_thresholds")


def _thresholds(issues: Issues, threshold: Any, name: str = "threshold") -> np.ndarray:
    k = np.asarray(threshold, dtype=np.float64)
    if k.ndim > 1 or k.size == 0:
        issues.error("wrong-shape", f"'{name}' must be a number or a 1-D list of numbers",
                     location=name, field=name, fix="e.g. threshold=[20000, 30000]")
        return k
    bad = ~(np.isfinite(k) & (k > 0))
    if bad.any():
        idx = int(np.flatnonzero(bad.ravel())[0])
        where = name if k.ndim == 0 else f"{name}[{idx}]"
        issues.error("out-of-range", f"a cost-effectiveness threshold must be a positive "
                     f"amount per unit of effect (got {k.ravel()[idx]!r})", location=where,
                     field=where, fix="give £ per QALY (or per unit of the effect), e.g. 20000")
    return k


# --------------------------------------------------------------------------------- ICER
@dataclass(frozen=True, slots=True)
class ICER:
    """The incremental cost-effectiveness of one option against a comparator.

    ``value`` is ``ΔC / ΔE`` where that ratio means something (more cost for more effect,
    or a saving per unit of effect given up) and ``None`` when the option dominates or is
    dominated.
    """

    value: float | None
    delta_cost: float
    delta_effect: float
    status: str

    def __str__(self) -> str:
        if self.value is None:
            return self.status
        return f"{self.value:,.0f} per unit of effect ({self.status})"


def icer(delta_cost: float, delta_effect: float) -> ICER:
    """ICER of an option against its comparator, with the quadrant it falls in.

    Parameters
    ----------
    delta_cost, delta_effect : float
        Incremental cost and effect (option minus comparator).

    Returns
    -------
    ICER
        ``status`` is one of ``"more costly, more effective"`` (north-east: the ratio is
        the extra cost per unit gained), ``"less costly, less effective"`` (south-west:
        the saving per unit given up, acceptable only *above* the threshold),
        ``"dominant"`` (no more costly and at least as effective, one strictly),
        ``"dominated"`` or ``"identical"``; ``value`` is ``None`` for the last three.

    Examples
    --------
    >>> icer(5000, 1.0).value
    5000.0
    >>> icer(1000, -0.5).status, icer(1000, -0.5).value
    ('dominated', None)
    >>> icer(-200, 0.1).status
    'dominant'
    """
    dc, de = float(delta_cost), float(delta_effect)
    if dc == 0 and de == 0:
        return ICER(None, dc, de, "identical")
    if dc <= 0 and de >= 0:
        return ICER(None, dc, de, "dominant")
    if dc >= 0 and de <= 0:
        return ICER(None, dc, de, "dominated")
    if dc > 0:
        return ICER(dc / de, dc, de, "more costly, more effective")
    return ICER(dc / de, dc, de, "less costly, less effective")


def inb(delta_cost: npt.ArrayLike, delta_effect: npt.ArrayLike, threshold: npt.ArrayLike
        ) -> np.ndarray | float:
    """Incremental net (monetary) benefit ``threshold · ΔE − ΔC``.

    Parameters
    ----------
    delta_cost, delta_effect : array_like
        Incremental costs and effects (broadcast together; e.g. one per draw).
    threshold : float or array_like of shape (K,)
        £ per unit of effect. With ``K`` thresholds the result gains a last axis of
        length ``K``.

    Raises
    ------
    AppraisalValidationError
        If a threshold is not a positive number (``out-of-range``, located at
        ``threshold[k]``).

    Examples
    --------
    >>> inb(5000, 0.4, 20000)
    3000.0
    >>> inb([5000, 12000], 0.4, [20000, 30000]).tolist()
    [[3000.0, 7000.0], [-4000.0, 0.0]]
    """
    issues = Issues()
    k = _thresholds(issues, threshold)
    issues.raise_if_errors("inb")
    dc = np.asarray(delta_cost, dtype=np.float64)
    de = np.asarray(delta_effect, dtype=np.float64)
    out = (de[..., None] * k - dc[..., None]) if k.ndim == 1 else de * k - dc
    return float(out) if np.ndim(out) == 0 else out


# ----------------------------------------------------------------------------- frontier
@dataclass(frozen=True, slots=True)
class Frontier:
    """Options classified on the cost-effectiveness plane (see :func:`frontier`)."""

    rows: tuple[dict[str, Any], ...]

    @property
    def on_frontier(self) -> list[str]:
        """Names of the options on the frontier, cheapest first."""
        return [r["option"] for r in self.rows if r["status"] == "frontier"]

    def status(self, name: str) -> str:
        """``"frontier"``, ``"dominated"`` or ``"extendedly dominated"`` for an option."""
        return next(r["status"] for r in self.rows if r["option"] == name)

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame (frontier first, by cost; then the rest)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows))


#: The shapes ``costs`` and ``effects`` may have, by number of axes: (what, fix).
_SHAPES = {1: ("be 1-D and the same length", "give one total cost and one total effect per option"),
           2: ("both be (draws, options)", "one row per draw, one column per option")}


def _costs_and_effects(issues: Issues, costs: Any, effects: Any, ndim: int
                       ) -> tuple[np.ndarray, np.ndarray, bool]:
    """``costs`` and ``effects`` as float arrays, and whether they have one shape of ``ndim``."""
    c = np.asarray(costs, dtype=np.float64)
    e = np.asarray(effects, dtype=np.float64)
    ok = c.shape == e.shape and c.ndim == ndim and c.size > 0
    if not ok:
        what, fix = _SHAPES[ndim]
        issues.error("wrong-shape", f"'costs' and 'effects' must {what} (got {c.shape} and "
                     f"{e.shape})", location="costs", field="costs", fix=fix)
    return c, e, ok


def _validate_ce(issues: Issues, costs: Any, effects: Any, names: Sequence[str] | None
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    c, e, ok = _costs_and_effects(issues, costs, effects, 1)
    if not ok:
        return c, e, []
    for name, arr in (("costs", c), ("effects", e)):
        if not np.all(np.isfinite(arr)):
            issues.error("not-finite", f"'{name}' holds a value that is not a finite number",
                         location=name, field=name, fix="replace NaN or infinite values")
    labels = [str(n) for n in names] if names is not None else [f"option {k}"
                                                               for k in range(c.size)]
    if len(labels) != c.size or len(set(labels)) != len(labels):
        issues.error("wrong-shape", "'names' must give one distinct name per option",
                     location="names", field="names", fix="name every option once")
    return c, e, labels


def frontier(costs: npt.ArrayLike, effects: npt.ArrayLike,
             names: Sequence[str] | None = None) -> Frontier:
    """Fully incremental analysis: dominance, extended dominance and the ICERs on the frontier.

    Parameters
    ----------
    costs, effects : array_like, shape (O,)
        Total (present-value) cost and effect of each option.
    names : sequence of str, optional
        Option names (default ``option 0``, ``option 1``, ...).

    Returns
    -------
    Frontier
        One row per option: ``option, cost, effect, status, compared_with, inc_cost,
        inc_effect, icer``. Frontier options come first (by cost), each compared with the
        previous frontier option (the cheapest has no comparator); dominated and
        extendedly dominated options follow with no ICER, and ``dominated_by`` names an
        option (or the pair of frontier options) that does better.

    Notes
    -----
    Ties: an option with the same cost and effect as an earlier one is dominated by it;
    an option on the straight line between two frontier options (equal ICERs) stays on
    the frontier (extended dominance needs a strictly higher ICER).

    Examples
    --------
    The VA Health Economics Resource Center example (see the tests): A is dominated,
    C extendedly dominated, and ICERs rise along UC, B, D, E.

    >>> f = frontier([55000, 35000, 25000, 10000, 12000, 5000], [5, 4, 3, 2, 1.5, 1],
    ...              ["E", "D", "C", "B", "A", "UC"])
    >>> f.on_frontier, f.status("A"), f.status("C")
    (['UC', 'B', 'D', 'E'], 'dominated', 'extendedly dominated')
    >>> [r["icer"] for r in f.rows if r["status"] == "frontier"]
    [None, 5000.0, 12500.0, 20000.0]
    """
    issues = Issues()
    c, e, labels = _validate_ce(issues, costs, effects, names)
    issues.raise_if_errors("frontier")
    n = c.size
    order = sorted(range(n), key=lambda i: (c[i], -e[i], i))
    dominated_by: dict[int, str] = {}
    for i in order:
        for j in order:
            if j == i:
                continue
            better = c[j] <= c[i] and e[j] >= e[i]
            strictly = c[j] < c[i] or e[j] > e[i] or order.index(j) < order.index(i)
            if better and strictly:
                dominated_by[i] = labels[j]
                break
    remaining = [i for i in order if i not in dominated_by]
    # lower-right convex hull from the cheapest: next = least ICER (nearest on ties)
    hull = [remaining[0]]
    extended: dict[int, str] = {}
    cur = 0
    while cur < len(remaining) - 1:
        a = remaining[cur]
        best, best_ratio = None, np.inf
        for k in range(cur + 1, len(remaining)):
            b = remaining[k]
            ratio = (c[b] - c[a]) / (e[b] - e[a])
            if ratio < best_ratio * (1 - 1e-12) or best is None:
                best, best_ratio = k, ratio
        for k in range(cur + 1, best):
            extended[remaining[k]] = f"{labels[a]} and {labels[remaining[best]]}"
        hull.append(remaining[best])
        cur = best
    rows: list[dict[str, Any]] = []
    for pos, i in enumerate(hull):
        prev = hull[pos - 1] if pos else None
        rows.append({
            "option": labels[i], "cost": float(c[i]), "effect": float(e[i]),
            "status": "frontier", "compared_with": labels[prev] if prev is not None else None,
            "inc_cost": float(c[i] - c[prev]) if prev is not None else None,
            "inc_effect": float(e[i] - e[prev]) if prev is not None else None,
            "icer": float((c[i] - c[prev]) / (e[i] - e[prev])) if prev is not None else None,
            "dominated_by": None})
    for i in order:
        if i in extended:
            rows.append({"option": labels[i], "cost": float(c[i]), "effect": float(e[i]),
                         "status": "extendedly dominated", "compared_with": None,
                         "inc_cost": None, "inc_effect": None, "icer": None,
                         "dominated_by": extended[i]})
    for i in order:
        if i in dominated_by:
            rows.append({"option": labels[i], "cost": float(c[i]), "effect": float(e[i]),
                         "status": "dominated", "compared_with": None, "inc_cost": None,
                         "inc_effect": None, "icer": None, "dominated_by": dominated_by[i]})
    return Frontier(tuple(rows))


# --------------------------------------------------------------------------------- CEAC
@dataclass(frozen=True, slots=True, eq=False)
class CEAC:
    """Cost-effectiveness acceptability curves and frontier (see :func:`ceac`)."""

    thresholds: np.ndarray
    names: tuple[str, ...]
    probability: np.ndarray
    expected_nb: np.ndarray
    best: np.ndarray

    @property
    def ceaf(self) -> np.ndarray:
        """Probability that the option with the highest expected net benefit is the best
        (the acceptability frontier), at each threshold."""
        return self.probability[np.arange(self.thresholds.size), self.best]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON outputs."""
        return {"thresholds": self.thresholds.tolist(),
                "probability_best": {n: self.probability[:, o].tolist()
                                     for o, n in enumerate(self.names)},
                "expected_net_benefit": {n: self.expected_nb[:, o].tolist()
                                         for o, n in enumerate(self.names)},
                "frontier_option": [self.names[b] for b in self.best],
                "frontier_probability": self.ceaf.tolist()}


def ceac(costs: npt.ArrayLike, effects: npt.ArrayLike, thresholds: npt.ArrayLike,
         names: Sequence[str] | None = None) -> CEAC:
    """Acceptability curves: P(option has the highest net benefit) at each threshold.

    Parameters
    ----------
    costs, effects : array_like, shape (D, O)
        Total cost and effect of each option in each of ``D`` draws.
    thresholds : array_like, shape (K,)
        £ per unit of effect (positive).
    names : sequence of str, optional
        Option names.

    Returns
    -------
    CEAC
        ``probability`` (K, O) sums to one across options at each threshold (a tie in a
        draw is shared equally between the tied options); ``best`` (K,) is the option
        with the highest expected net benefit (the CEAF follows it).

    Examples
    --------
    >>> costs = [[0, 100], [0, 300]]          # two draws, two options
    >>> effects = [[0, 0.01], [0, 0.01]]
    >>> res = ceac(costs, effects, [5000, 20000, 50000], ["BAU", "New"])
    >>> res.probability[:, 1].tolist(), [res.names[b] for b in res.best]
    ([0.0, 0.5, 1.0], ['BAU', 'BAU', 'New'])
    """
    issues = Issues()
    c, e, _ = _costs_and_effects(issues, costs, effects, 2)
    k = _thresholds(issues, thresholds, "thresholds")
    issues.raise_if_errors("ceac")
    k = np.atleast_1d(k)
    labels = tuple(str(n) for n in names) if names is not None else tuple(
        f"option {o}" for o in range(c.shape[1]))
    nb = e[None, :, :] * k[:, None, None] - c[None, :, :]  # (K, D, O)
    top = nb.max(axis=2, keepdims=True)
    tied = np.isclose(nb, top, rtol=1e-12, atol=0.0)
    share = tied / tied.sum(axis=2, keepdims=True)
    probability = share.mean(axis=1)
    expected = nb.mean(axis=1)
    return CEAC(thresholds=k, names=labels, probability=probability, expected_nb=expected,
                best=np.argmax(expected, axis=1))
