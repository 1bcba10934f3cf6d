"""Overall MCA scores for many draws of the weights and scores, and nothing else.

:func:`evaluate_mca` computes everything (ranks, contributions, dominance, weight
ranges, rank reversal …) and costs time and memory in proportion. The uncertainty
module only needs each option's overall score in each draw; :func:`mca_totals` gives
that, with one batched matrix product and no per-draw loop. When only the weights
vary, the ``[D, O, C]`` value array is never built: values ``[1, O, C]`` meet weights
``[D, C]`` in the product. Call it on chunks of draws to bound memory.

Examples
--------
>>> import numpy as np
>>> from appraisal.errors import Issues
>>> from appraisal.lenses.mca import parse_mca_section
>>> spec = parse_mca_section({
...     "criteria": [{"id": "trust", "direction": "increase"},
...                  {"id": "wait", "direction": "decrease", "scoring": "linear",
...                   "worst": 60, "best": 0}],
...     "scores": {"A": {"trust": 30, "wait": 45}, "B": {"trust": 80, "wait": 30}},
...     "weights": {"officers": {"method": "direct", "weights": {"trust": 0.5, "wait": 0.5}}}},
...     option_names=["A", "B"], locate=lambda p: "case.yaml", issues=Issues())
>>> mca_totals(spec).tolist()
[[27.5, 65.0]]
>>> mca_totals(spec, weights=[[1, 0], [0, 1], [1, 1]]).tolist()
[[30.0, 80.0], [25.0, 50.0], [27.5, 65.0]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue, Issues
from appraisal.lenses.mca.evaluate import _measures, _weights, criterion_values
from appraisal.lenses.mca.spec import MCASpec
from appraisal.lenses.mca.stakeholders import combine_weight_sets
from appraisal.lenses.mca.weights import resolve_weights

__all__ = ["additive_totals", "combined_weights", "mca_totals"]

FloatArray = npt.NDArray[np.float64]


def additive_totals(values: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Kernel: linear additive totals ``[D, O]`` from values ``[D or 1, O, C]`` and weights
    ``[D or 1, C]`` (no validation; weights are used as given).

    Examples
    --------
    >>> additive_totals([[[100, 0], [50, 50]]], [[0.25, 0.75], [1, 0]]).tolist()
    [[25.0, 50.0], [100.0, 50.0]]
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    return np.matmul(v, w[..., :, None])[..., 0]


def combined_weights(spec: MCASpec) -> FloatArray:
    """The combined (headline) global criterion weights ``[C]`` of a specification.

    Examples
    --------
    See :func:`mca_totals`: the deterministic totals use these weights.
    """
    sets = np.stack([resolve_weights(ws, spec.tree).criteria for ws in spec.weight_sets])
    return combine_weight_sets(sets, spec.combine)


def mca_totals(spec: MCASpec, *, weights: npt.ArrayLike | None = None,
               scores: npt.ArrayLike | None = None,
               cba: Mapping[str, Mapping[str, npt.ArrayLike | float]] | None = None
               ) -> FloatArray:
    """Overall linear additive scores ``[D, O]`` for draws of the weights and/or scores.

    Parameters
    ----------
    spec : MCASpec
    weights : array_like ``[C]`` or ``[D, C]``, optional
        Global criterion weights per draw (criteria in ``spec.tree.criteria`` order),
        rescaled to sum to one in each draw. Default: the combined weights.
    scores : array_like ``[O, C]`` or ``[D, O, C]``, optional
        Ratings or measures in the criteria's units (columns of CBA-scored criteria are
        ignored). Default: the case's scores.
    cba : mapping, optional
        Option name → metric (``npsv``, ``bcr``, ``pv_costs``, ``pv_benefits``) → float
        or ``[D]`` array; needed when a criterion is scored from the CBA.

    Returns
    -------
    ndarray ``[D, O]``
        ``D`` is the largest draw count of the inputs (1 when none has draws).

    Raises
    ------
    AppraisalValidationError
        Shapes that do not fit, negative or all-zero weights, ratings outside 0–100,
        missing or non-finite CBA metrics, or inputs with different draw counts.
    """
    issues = Issues()
    measures = _measures(spec, cba, scores, issues)
    w = _weights(weights, len(spec.tree.criteria), issues)
    issues.raise_if_errors("mca_totals")
    if measures is None:  # _measures records an error whenever it returns None
        raise AppraisalValidationError(issues.items, source="mca_totals")
    if w is None:
        w = combined_weights(spec)[None]
    sizes = {measures.shape[0], w.shape[0]} - {1}
    if len(sizes) > 1:
        raise AppraisalValidationError([Issue(
            "bad-shape", f"{w.shape[0]} weight draws but {measures.shape[0]} score draws",
            field="weights", fix="give the same number of draws, or one")], source="mca_totals")
    return additive_totals(criterion_values(spec.tree, measures), w)
