"""The frozen result of a multi-criteria analysis, its JSON form, tables and summary.

Every array has a leading draws axis (``D = 1`` for a deterministic run). Weight
sets are indexed ``s`` with the combined set last (name ``"combined"``).
:meth:`MCAResult.to_dict` and :meth:`MCAResult.to_frame` report the mean over
draws, ranks of the mean scores, and the share of draws in which an option is
top, dominated or on the frontier (1 or 0 when deterministic). Weight ranges in
them are computed at the mean of the draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.lenses.mca._frozen import freeze_arrays
from appraisal.lenses.mca.aggregation import rank_descending
from appraisal.lenses.mca.ahp import AHPResult
from appraisal.lenses.mca.decision import vfm_frontier
from appraisal.lenses.mca.robustness import WeightRanges
from appraisal.lenses.mca.spec import COMBINED, MCASpec
from appraisal.lenses.mca.stakeholders import Agreement

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAMES", "DecisionView", "MCAResult", "summary_lines"]

FloatArray = npt.NDArray[np.float64]
FRAMES = ("scores", "weights", "values", "contributions", "decision", "weight_robustness",
          "ahp", "dominance", "rank_reversals")


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionView:
    """CBA and MCA side by side, ``[D, O]`` (``beaten_by`` ``[D, O, O]``)."""

    npsv: FloatArray
    bcr: FloatArray
    pv_costs: FloatArray
    pv_benefits: FloatArray
    mca_score: FloatArray
    mca_benefit_score: FloatArray
    on_frontier: npt.NDArray[np.bool_]
    beaten_by: npt.NDArray[np.bool_]
    frontier_available: bool

    def __post_init__(self) -> None:
        freeze_arrays(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class MCAResult:
    """Scores, ranks, weights and robustness of a multi-criteria analysis."""

    spec: MCASpec
    values: FloatArray
    weights: FloatArray
    node_weights: FloatArray
    scores: FloatArray
    ranks: npt.NDArray[np.int64]
    contributions: FloatArray
    topsis: FloatArray | None
    ahp: tuple[tuple[str, str | None, tuple[str, ...], AHPResult], ...]
    dominance: npt.NDArray[np.bool_]
    weight_ranges: WeightRanges
    central_weight_ranges: WeightRanges
    rank_reversals: tuple[tuple[int, int, int, float, str], ...]
    agreement: Agreement | None
    decision: DecisionView | None
    weights_overridden: bool
    warnings: tuple[Issue, ...]

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def option_names(self) -> tuple[str, ...]:
        """Options, in the order of the option axis."""
        return self.spec.option_names

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        """Criteria, in the order of the criterion axis."""
        return self.spec.tree.criterion_ids

    @property
    def weight_set_names(self) -> tuple[str, ...]:
        """Weight sets, combined last."""
        return (*(ws.name for ws in self.spec.weight_sets), COMBINED)

    @property
    def n_draws(self) -> int:
        """Number of draws ``D``."""
        return int(self.values.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready summary (floats, lists, str; NaN becomes None)."""
        opts, crits, sets = self.option_names, self.criterion_ids, self.weight_set_names
        tree = self.spec.tree
        mean_scores = self.scores.mean(axis=0)
        out: dict[str, Any] = {
            "method": "linear additive",
            "n_draws": self.n_draws,
            "options": list(opts),
            "purposes": [{"id": p.id, "name": p.name, "parent": p.parent} for p in tree.purposes],
            "criteria": [{"id": c.id, "name": c.name, "purpose": c.purpose,
                          "direction": c.direction.value, "unit": c.unit,
                          "scoring": "cba" if c.cba_metric else c.scale.kind,
                          "scale": c.scale.kind, "cba_metric": c.cba_metric}
                         for c in tree.criteria],
            "weight_sets": list(sets),
            "combine": {"method": "override" if self.weights_overridden
                        else self.spec.combine.method,
                        "stakeholder_weights": None if self.spec.combine.stakeholder_weights
                        is None else dict(zip(sets[:-1], self.spec.combine.stakeholder_weights,
                                              strict=True))},
            "weights": _table(self.weights.mean(axis=0), sets, crits),
            "node_weights": _table(self.node_weights.mean(axis=0), sets, tree.node_ids),
            "values": _table(self.values.mean(axis=0), opts, crits),
            "scores": _table(mean_scores, sets, opts),
            "ranks": _table(rank_descending(mean_scores), sets, opts),
            "probability_top": _table((self.ranks == 1).mean(axis=0), sets, opts),
            "contributions": _table(self.contributions.mean(axis=0), opts, crits),
            "topsis": None,
            "ahp": [{"weight_set": name, "node": node or "root", "items": list(items),
                     **res.to_dict(),
                     "weights": dict(zip(items, _plain(res.weights), strict=True))}
                    for name, node, items, res in self.ahp],
            "dominance": [{"option": opts[j], "dominated_by": opts[i], "share_of_draws": float(s)}
                          for (i, j), s in _nonzero(self.dominance.mean(axis=0))],
            "weight_robustness": self._robustness_rows(),
            "rank_reversals": [{"removed": opts[r], "above": opts[i], "below": opts[j],
                                "share_of_draws": share, "method": method}
                               for r, i, j, share, method in self.rank_reversals],
            "rank_reversal_check": {
                "methods": ["linear_additive"] + (["topsis"] if self.topsis is not None else []),
                "local_scale_criteria": [c.id for c in tree.criteria
                                         if c.scale.kind == "local"],
                "how": "each option removed in turn; pairs of the others whose order flips",
            },
            "decision": self._decision_rows(),
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.topsis is not None:
            out["topsis"] = {"normalisation": self.spec.topsis_normalisation,
                             "applied_to": "0-100 value scores (every criterion a benefit)",
                             "closeness": _table(self.topsis.mean(axis=0), sets, opts),
                             "ranks": _table(rank_descending(self.topsis.mean(axis=0)), sets,
                                             opts)}
        out["stakeholders"] = self._stakeholder_summary(mean_scores[:-1])
        return out

    def _stakeholder_summary(self, set_scores: FloatArray) -> dict[str, Any] | None:
        """Agreement between the stakeholder sets (not the combined one), at mean scores."""
        if self.agreement is None:
            return None
        opts, own = self.option_names, self.weight_set_names[:-1]
        ranks = rank_descending(set_scores)
        tau = self.agreement.kendall_tau
        counted = np.isfinite(tau).sum(axis=0)
        mean_tau = np.where(counted > 0, np.nansum(tau, axis=0) / np.maximum(counted, 1), np.nan)
        disputed = np.triu(self.agreement.disputed_pairs().mean(axis=0), k=1)
        return {
            "same_top_share_of_draws": float(self.agreement.same_top.mean()),
            "kendall_tau": _table(mean_tau, own, own),
            "rank_spread": dict(zip(opts, _plain(ranks.max(axis=0) - ranks.min(axis=0)),
                                    strict=True)),
            "disputed_pairs": [
                {"options": [opts[i], opts[j]], "share_of_draws": share,
                 "prefer_first": [s for k, s in enumerate(own)
                                  if set_scores[k, i] > set_scores[k, j]],
                 "prefer_second": [s for k, s in enumerate(own)
                                   if set_scores[k, i] < set_scores[k, j]]}
                for (i, j), share in _nonzero(disputed)],
        }

    def _robustness_rows(self) -> list[dict[str, Any]]:
        r, opts, tree = self.central_weight_ranges, self.option_names, self.spec.tree
        n_purposes = len(tree.purposes)
        return [{
            "node": node, "kind": "purpose" if k < n_purposes else "criterion",
            "weight": _num(r.weight[k]), "top_option": opts[int(r.top)],
            "lower": _num(r.lower[k]), "upper": _num(r.upper[k]),
            "overtaken_below_by": opts[r.taken_by_lower[k]] if r.taken_by_lower[k] >= 0 else None,
            "overtaken_above_by": opts[r.taken_by_upper[k]] if r.taken_by_upper[k] >= 0 else None,
            "ranking_changes_below": _num(r.change_below[k]) if r.change_below is not None
            else None,
            "ranking_changes_above": _num(r.change_above[k]) if r.change_above is not None
            else None,
        } for k, node in enumerate(tree.node_ids)]

    def _decision_rows(self) -> list[dict[str, Any]] | None:
        d = self.decision
        if d is None:
            return None
        mean = {k: getattr(d, k).mean(axis=0) for k in
                ("npsv", "bcr", "pv_costs", "pv_benefits", "mca_score", "mca_benefit_score")}
        on, beaten = (vfm_frontier(mean["mca_benefit_score"], mean["pv_costs"])
                      if d.frontier_available else (None, None))
        return [{"option": name, **{k: _num(v[o]) for k, v in mean.items()},
                 "on_frontier": None if on is None else bool(on[o]),
                 "beaten_by": [] if beaten is None else
                 [self.option_names[j] for j in np.flatnonzero(beaten[o])],
                 "probability_on_frontier": float(d.on_frontier[:, o].mean())
                 if d.frontier_available else None}
                for o, name in enumerate(self.option_names)]

    def to_frame(self, kind: str = "scores") -> pd.DataFrame:
        """A pandas view of one part of :meth:`to_dict` (``kind`` in :data:`FRAMES`)."""
        import pandas as pd

        if kind not in FRAMES:
            raise AppraisalValidationError([Issue(
                "bad-choice", f"unknown view {kind!r}", field="kind",
                fix=f"use one of {', '.join(FRAMES)}")], source="MCAResult.to_frame")
        d = self.to_dict()
        if kind == "scores":
            frame = pd.DataFrame(d["scores"]).add_prefix("score: ")
            frame = frame.join(pd.DataFrame(d["ranks"]).add_prefix("rank: "))
            return frame.join(pd.DataFrame(d["probability_top"]).add_prefix("P(top): "))
        if kind == "weights":
            return pd.DataFrame(d["weights"])
        if kind in ("values", "contributions"):
            return pd.DataFrame(d[kind]).T
        columns = _COLUMNS[kind]
        frame = pd.DataFrame(d[kind] or [], columns=columns)
        return frame.set_index(columns[0]) if kind in ("decision", "weight_robustness") else frame


_COLUMNS = {
    "decision": ["option", "npsv", "bcr", "pv_costs", "pv_benefits", "mca_score",
                 "mca_benefit_score", "on_frontier", "beaten_by", "probability_on_frontier"],
    "weight_robustness": ["node", "kind", "weight", "top_option", "lower", "upper",
                          "overtaken_below_by", "overtaken_above_by", "ranking_changes_below",
                          "ranking_changes_above"],
    "ahp": ["weight_set", "node", "items", "variant", "weights", "lambda_max",
            "consistency_index", "consistency_ratio", "random_index", "random_index_source",
            "threshold", "consistent"],
    "dominance": ["option", "dominated_by", "share_of_draws"],
    "rank_reversals": ["removed", "above", "below", "share_of_draws", "method"],
}


def summary_lines(result: MCAResult) -> list[str]:
    """A short plain-text summary for the command line.

    Examples
    --------
    See :func:`appraisal.lenses.mca.evaluate_mca`; the first line names the method:
    ``MCA (linear additive): 3 options, 4 criteria, 2 weight sets + combined``.
    """
    d = result.to_dict()
    opts, sets = d["options"], d["weight_sets"]
    combined = d["scores"][sets[-1]]
    order = sorted(opts, key=lambda o: d["ranks"][sets[-1]][o])
    n_crit = len(d["criteria"])
    lines = [f"MCA (linear additive): {len(opts)} option{'s' if len(opts) != 1 else ''}, "
             f"{n_crit} criteri{'a' if n_crit != 1 else 'on'}, "
             f"{len(sets) - 1} weight set{'s' if len(sets) != 2 else ''} + combined"
             + (f", {d['n_draws']} draws" if d["n_draws"] > 1 else "")]
    top = order[0]
    p_top = d["probability_top"][sets[-1]][top]
    lines.append(f"  Top option (combined weights): {top}, score {combined[top]:.1f}/100"
                 + (f", top in {p_top:.0%} of draws" if d["n_draws"] > 1 else ""))
    for s in sets[:-1]:
        ranked = sorted(opts, key=lambda o, s=s: d["ranks"][s][o])
        lines.append(f"  {s}: " + " > ".join(f"{o} ({d['scores'][s][o]:.1f})" for o in ranked))
    if d["stakeholders"] is not None:
        agree = d["stakeholders"]["same_top_share_of_draws"]
        lines.append("  Weight sets agree on the top option" if agree == 1 else
                     ("  Weight sets disagree on the top option"
                      + (f" ({1 - agree:.0%} of draws)" if d["n_draws"] > 1 else "")))
    if d["dominance"]:
        lines.append("  Dominated: " + "; ".join(f"{r['option']} by {r['dominated_by']}"
                                                   for r in d["dominance"]))
    rows = [r for r in d["weight_robustness"] if r["lower"] is not None
            and (r["overtaken_below_by"] or r["overtaken_above_by"])]
    if rows:
        tight = min(rows, key=lambda r: min(r["weight"] - r["lower"], r["upper"] - r["weight"]))
        lines.append(f"  Most sensitive weight: {tight['node']} ({tight['weight']:.2f}); "
                     f"{tight['top_option']} stays top for {tight['lower']:.2f}–"
                     f"{tight['upper']:.2f}")
    else:
        lines.append("  No single weight, moved alone, changes the top option")
    if d["rank_reversals"]:
        lines.append(f"  Rank reversal: {len(d['rank_reversals'])} pair(s) flip when an option "
                     "is removed")
    if d["decision"] is not None and d["decision"][0]["on_frontier"] is not None:
        off = [r["option"] for r in d["decision"] if not r["on_frontier"]]
        lines.append("  Value-for-money frontier: " + (f"off it: {', '.join(off)}" if off
                                                       else "every option is on it"))
    for w in result.warnings:
        lines.append(f"  warning: {w.message}")
    return lines


def _plain(x: npt.ArrayLike) -> list[Any]:
    return [_num(v) for v in np.asarray(x).tolist()]


def _num(x: Any) -> Any:
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    value = float(x)
    return None if not math.isfinite(value) else value


def _table(arr: npt.ArrayLike, rows: tuple[str, ...], cols: tuple[str, ...]
           ) -> dict[str, dict[str, Any]]:
    a = np.asarray(arr)
    return {r: {c: _num(a[i, j]) for j, c in enumerate(cols)} for i, r in enumerate(rows)}


def _nonzero(arr: npt.ArrayLike) -> list[tuple[tuple[int, int], float]]:
    a = np.asarray(arr, dtype=float)
    return [((int(i), int(j)), float(a[i, j])) for i, j in np.argwhere(a > 0)]
