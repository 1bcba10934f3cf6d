"""Evaluating an :class:`~appraisal.lenses.mca.spec.MCASpec`, vectorised over draws.

The steps, in this order (each explicit, none hidden inside another):

1. measures: the scores table, with the CBA-scored columns filled from ``cba``
   (``[D, O, C]``; ``D = 1`` for a deterministic run);
2. values: each criterion's scale maps its measure to 0–100;
3. weights: each weight set's global weights, then the combined set (or
   ``weights_override``), ``[D, S + 1, C]`` with the combined set last;
4. aggregation: linear additive scores, contributions and ranks under every set;
   TOPSIS closeness on the value scores when asked for;
5. robustness: dominance, one-at-a-time weight ranges, rank reversal when an
   option is removed; stakeholder agreement; the decision view beside the CBA.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue, Issues, Severity
from appraisal.lenses.mca.aggregation import linear_additive_kernel, rank_descending, topsis_kernel
from appraisal.lenses.mca.decision import benefit_weights, vfm_frontier
from appraisal.lenses.mca.result import DecisionView, MCAResult
from appraisal.lenses.mca.robustness import dominance, rank_reversals, weight_ranges
from appraisal.lenses.mca.spec import MCASpec
from appraisal.lenses.mca.stakeholders import agreement, combine_weight_sets
from appraisal.lenses.mca.tree import ValueTree
from appraisal.lenses.mca.value_functions import DirectScale, LocalScale
from appraisal.lenses.mca.weights import ResolvedWeights, resolve_weights

__all__ = ["criterion_values", "evaluate_mca"]

FloatArray = npt.NDArray[np.float64]
CBAInput = Mapping[str, Mapping[str, "npt.ArrayLike | float"]]


def criterion_values(tree: ValueTree, measures: npt.ArrayLike,
                     present: npt.NDArray[np.bool_] | None = None) -> FloatArray:
    """Kernel: measures ``[..., O, C]`` to 0–100 values ``[..., O, C]`` (no validation).

    ``present`` masks options out of local scales (for rank-reversal checks).
    """
    x = np.asarray(measures, dtype=float)
    out = np.empty_like(x)
    for c, crit in enumerate(tree.criteria):
        out[..., c] = crit.scale.apply(x[..., c], crit.direction, present)
    return out


def evaluate_mca(spec: MCASpec, *, cba: CBAInput | None = None,
                 weights_override: npt.ArrayLike | None = None,
                 scores_override: npt.ArrayLike | None = None) -> MCAResult:
    """Evaluate a multi-criteria analysis.

    Parameters
    ----------
    spec : MCASpec
    cba : mapping, optional
        Option name → ``{"npsv", "bcr", "pv_costs", "pv_benefits"}`` → float or
        ``[D]`` array. Needed when a criterion is scored from the CBA; gives the
        decision view when present.
    weights_override : array_like ``[C]`` or ``[D, C]``, optional
        Replaces the *combined* weights (e.g. draws from the uncertainty module);
        rescaled to sum to one. The stakeholder sets are still reported as elicited.
    scores_override : array_like ``[O, C]`` or ``[D, O, C]``, optional
        Replaces the scores table (same units; columns of CBA-scored criteria are
        ignored).

    Returns
    -------
    MCAResult

    Raises
    ------
    AppraisalValidationError
        Missing or non-finite CBA metrics, overrides of the wrong shape, negative
        weights, or direct ratings outside 0–100.
    """
    tree = spec.tree
    n_opt, n_crit = len(spec.option_names), len(tree.criteria)
    issues = Issues()
    measures = _measures(spec, cba, scores_override, issues)
    override = _weights(weights_override, n_crit, issues)
    issues.raise_if_errors("evaluate_mca")
    if measures is None:  # _measures records an error whenever it returns None
        raise AppraisalValidationError(issues.items, source="evaluate_mca")
    n_draws = measures.shape[0] if override is None else max(measures.shape[0], override.shape[0])
    if override is not None and {measures.shape[0], override.shape[0]} - {1, n_draws}:
        raise AppraisalValidationError([Issue(
            "bad-shape", f"{override.shape[0]} weight draws but {measures.shape[0]} score draws",
            field="weights_override", fix="use the same number of draws")], source="evaluate_mca")
    measures = np.broadcast_to(measures, (n_draws, n_opt, n_crit))
    values = criterion_values(tree, measures)

    resolved = [resolve_weights(ws, tree) for ws in spec.weight_sets]
    set_weights = np.stack([r.criteria for r in resolved])                     # [S, C]
    combined = (np.broadcast_to(override, (n_draws, n_crit)) if override is not None
                else np.broadcast_to(combine_weight_sets(set_weights, spec.combine),
                                     (n_draws, n_crit)))
    weights = np.concatenate([np.broadcast_to(set_weights, (n_draws, *set_weights.shape)),
                              combined[:, None, :]], axis=1)                  # [D, S+1, C]
    member = tree.membership().astype(float)
    scores, _ = linear_additive_kernel(values[:, None], weights)               # [D, S+1, O]
    contributions = values * combined[:, None, :]
    closeness = None
    if spec.topsis_normalisation is not None:
        closeness = topsis_kernel(values[:, None], weights, np.ones(n_crit, dtype=bool),
                                  spec.topsis_normalisation)

    reversals = _rank_reversals(tree, measures, values, combined, spec.topsis_normalisation)
    warnings = _warnings(spec, resolved, values)
    return MCAResult(
        spec=spec, values=values, weights=weights, node_weights=weights @ member.T,
        scores=scores, ranks=rank_descending(scores), contributions=contributions,
        topsis=closeness, ahp=tuple((ws.name, node, items, res)
                                    for ws, r in zip(spec.weight_sets, resolved, strict=True)
                                    for node, items, res in r.ahp),
        dominance=dominance(values),
        weight_ranges=weight_ranges(values, combined, member),
        central_weight_ranges=weight_ranges(values.mean(axis=0), combined.mean(axis=0), member,
                                            all_pairs=True),
        rank_reversals=tuple(reversals),
        agreement=agreement(scores[:, :-1]) if len(spec.weight_sets) > 1 else None,
        decision=_decision(spec, cba, values, combined, scores[:, -1], n_draws),
        weights_overridden=override is not None,
        warnings=tuple(warnings),
    )


def _rank_reversals(tree: ValueTree, measures: FloatArray, values: FloatArray,
                    combined: FloatArray, normalisation: str | None
                    ) -> list[tuple[int, int, int, float, str]]:
    """Leave-one-out rank reversals under the combined weights, by method."""
    n_opt, n_crit = values.shape[-2:]
    # Only local scales depend on which options are present; other values are reused.
    local = [c for c, crit in enumerate(tree.criteria) if isinstance(crit.scale, LocalScale)]

    def values_with(present: npt.NDArray[np.bool_]) -> FloatArray:
        v = values.copy()
        for c in local:
            crit = tree.criteria[c]
            v[..., c] = crit.scale.apply(measures[..., c], crit.direction, present)
        return v

    def additive(present: npt.NDArray[np.bool_]) -> FloatArray:
        return np.where(present, (values_with(present) * combined[:, None, :]).sum(axis=-1),
                        np.nan)

    def by_topsis(present: npt.NDArray[np.bool_]) -> FloatArray:
        return topsis_kernel(values_with(present), combined, np.ones(n_crit, dtype=bool),
                             normalisation or "vector", present)

    # With fixed scales an option's score does not depend on the others: no reversal.
    found = ([(*rev, "linear_additive") for rev in rank_reversals(additive, n_opt)]
             if local else [])
    if normalisation is not None:
        found += [(*rev, "topsis") for rev in rank_reversals(by_topsis, n_opt)]
    return found


def _as_draws(value: object, field: str, issues: Issues) -> FloatArray | None:
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        issues.error("bad-shape", f"expected a number or a [draws] array, got shape {arr.shape}",
                     field=field, fix="give one value per draw")
        return None
    return arr.reshape(-1)


def _measures(spec: MCASpec, cba: CBAInput | None, override: npt.ArrayLike | None,
              issues: Issues) -> FloatArray | None:
    n_opt, n_crit = spec.performance.shape
    if override is None:
        base = spec.performance[None]
    else:
        base = np.asarray(override, dtype=float)
        base = base[None] if base.ndim == 2 else base
        if base.ndim != 3 or base.shape[1:] != (n_opt, n_crit):
            issues.error("bad-shape", f"scores_override has shape {np.shape(override)}, expected "
                         f"({n_opt}, {n_crit}) or (draws, {n_opt}, {n_crit})",
                         field="scores_override", fix="options × criteria, draws first")
            return None
    columns: dict[int, FloatArray] = {}
    for c, crit in enumerate(spec.tree.criteria):
        if crit.cba_metric is None:
            col = base[..., c]
            scored = ~np.isfinite(col)
            if scored.any():
                issues.error("missing-score", f"criterion '{crit.id}' has a missing score",
                             field=f"scores_override[..., {c}]", fix="give every score")
            if isinstance(crit.scale, DirectScale) and np.any((col < 0) | (col > 100)):
                issues.error("score-out-of-range", f"a rating of '{crit.id}' is outside 0–100",
                             field=f"scores_override[..., {c}]", fix="ratings run from 0 to 100")
            continue
        if cba is None:
            issues.error("no-cba", f"criterion '{crit.id}' is scored from the CBA's "
                         f"{crit.cba_metric}, but no CBA results were given", field="cba",
                         fix="pass cba={option: {metric: value}}")
            continue
        per_option = []
        for name in spec.option_names:
            metrics = cba.get(name)
            if metrics is None or crit.cba_metric not in metrics:
                issues.error("missing-cba-metric", f"no {crit.cba_metric} for option '{name}'",
                             field=f"cba.{name}.{crit.cba_metric}", fix="add it to the CBA results")
                continue
            arr = _as_draws(metrics[crit.cba_metric], f"cba.{name}.{crit.cba_metric}", issues)
            if arr is not None and not np.all(np.isfinite(arr)):
                issues.error("not-finite", f"{crit.cba_metric} of '{name}' is not finite "
                             "(a BCR is undefined when PV costs are zero)",
                             field=f"cba.{name}.{crit.cba_metric}",
                             fix="score this criterion on npsv or pv_costs instead")
            per_option.append(arr)
        if len(per_option) == n_opt and all(a is not None for a in per_option):
            n = max(a.shape[0] for a in per_option if a is not None)
            if any(a is not None and a.shape[0] not in (1, n) for a in per_option):
                issues.error("bad-shape", f"{crit.cba_metric} arrays have different numbers of "
                             "draws", field=f"cba.*.{crit.cba_metric}", fix="use the same draws")
                continue
            columns[c] = np.stack([np.broadcast_to(a, (n,)) for a in per_option if a is not None],
                                  axis=-1)
    if issues.has_errors:
        return None
    n_draws = max([base.shape[0], *(col.shape[0] for col in columns.values())])
    sizes = {base.shape[0], *(col.shape[0] for col in columns.values())} - {1}
    if len(sizes) > 1:
        issues.error("bad-shape", f"inputs have different numbers of draws: {sorted(sizes)}",
                     field="cba", fix="use the same number of draws throughout")
        return None
    out = np.array(np.broadcast_to(base, (n_draws, n_opt, n_crit)))
    for c, col in columns.items():
        out[..., c] = col
    return out


def _weights(override: npt.ArrayLike | None, n_crit: int, issues: Issues) -> FloatArray | None:
    if override is None:
        return None
    w = np.asarray(override, dtype=float)
    w = w[None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[1] != n_crit:
        issues.error("bad-shape", f"weights_override has shape {np.shape(override)}, expected "
                     f"({n_crit},) or (draws, {n_crit})", field="weights_override",
                     fix="one weight per criterion, draws first")
        return None
    if np.any(~np.isfinite(w) | (w < 0)) or np.any(w.sum(axis=1) <= 0):
        issues.error("negative-weight", "weights must be non-negative with a positive sum",
                     field="weights_override", fix="check the sampled weights")
        return None
    return w / w.sum(axis=1, keepdims=True)


def _warnings(spec: MCASpec, resolved: list[ResolvedWeights], values: FloatArray
              ) -> list[Issue]:
    out: list[Issue] = []
    for ws, r in zip(spec.weight_sets, resolved, strict=True):
        for node, _items, res in r.ahp:
            for issue in res.issues:
                where = "matrix" if ws.scope == "global" else f"matrices[{node or 'root'}]"
                out.append(Issue(issue.code, f"weight set '{ws.name}': {issue.message}",
                                 field=f"mca.weights.{ws.name}.{where}", fix=issue.fix,
                                 severity=issue.severity))
    for c, crit in enumerate(spec.tree.criteria):
        if isinstance(crit.scale, LocalScale):
            spread = np.ptp(values[..., c], axis=-1)
            if np.any(spread == 0):
                out.append(Issue("no-spread", f"criterion '{crit.id}' does not separate the "
                                 "options (in some draws), so it cannot change a ranking",
                                 field=f"mca.criteria.{crit.id}",
                                 fix="check its measures, or drop it", severity=Severity.WARNING))
    return out


def _decision(spec: MCASpec, cba: CBAInput | None, values: FloatArray, combined: FloatArray,
              score: FloatArray, n_draws: int) -> DecisionView | None:
    if cba is None:
        return None
    metrics: dict[str, FloatArray] = {}
    for metric in ("npsv", "bcr", "pv_costs", "pv_benefits"):
        cols = []
        for name in spec.option_names:
            raw = cba.get(name, {}).get(metric, np.nan)
            arr = np.asarray(raw, dtype=float).reshape(-1)
            cols.append(np.broadcast_to(arr, (n_draws,)) if arr.shape[0] in (1, n_draws)
                        else np.full(n_draws, np.nan))
        metrics[metric] = np.stack(cols, axis=-1)
    is_cost = np.array([c.cba_metric == "pv_costs" for c in spec.tree.criteria])
    benefit = (values * benefit_weights(combined, is_cost)[:, None, :]).sum(axis=-1)
    cost = metrics["pv_costs"]
    if np.all(np.isfinite(cost)):
        on, beaten = vfm_frontier(benefit, cost)
    else:
        on = np.zeros_like(benefit, dtype=bool)
        beaten = np.zeros((*benefit.shape, benefit.shape[-1]), dtype=bool)
    return DecisionView(npsv=metrics["npsv"], bcr=metrics["bcr"], pv_costs=cost,
                        pv_benefits=metrics["pv_benefits"], mca_score=score,
                        mca_benefit_score=benefit, on_frontier=on, beaten_by=beaten,
                        frontier_available=bool(np.all(np.isfinite(cost))))
