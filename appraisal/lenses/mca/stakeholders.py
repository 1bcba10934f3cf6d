"""Stakeholder weight sets: combining them, and where their rankings agree.

Several groups (a citizens' panel, officers, partners …) may weight the same
value tree. Their global weights ``[..., S, C]`` are combined into one set by a
:class:`CombineRule`:

``"mean"``       the arithmetic mean of the sets (every group counts equally)
``"weighted"``   a weighted arithmetic mean with stated stakeholder weights
                 (non-negative, summing to one)
``"geometric"``  the (weighted) geometric mean, renormalised to sum to one, the
                 usual rule for pooling AHP priorities (Aczél & Saaty 1983)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from appraisal.lenses.mca._frozen import freeze_arrays
from appraisal.lenses.mca.aggregation import TIE_ATOL, rank_descending

__all__ = ["COMBINE_METHODS", "Agreement", "CombineRule", "agreement", "combine_weight_sets"]

COMBINE_METHODS = ("mean", "weighted", "geometric")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class CombineRule:
    """How weight sets are combined; ``stakeholder_weights`` aligns with the sets' order."""

    method: str = "mean"
    stakeholder_weights: tuple[float, ...] | None = None


def combine_weight_sets(weights: npt.ArrayLike, rule: CombineRule) -> FloatArray:
    """Kernel: combine ``[..., S, C]`` weight sets into one ``[..., C]`` set (no validation).

    Examples
    --------
    >>> sets = [[0.6, 0.4], [0.2, 0.8]]
    >>> combine_weight_sets(sets, CombineRule()).round(2).tolist()
    [0.4, 0.6]
    >>> combine_weight_sets(sets, CombineRule(method="weighted",
    ...                                       stakeholder_weights=(0.75, 0.25))).round(2).tolist()
    [0.5, 0.5]
    """
    w = np.asarray(weights, dtype=float)
    n_sets = w.shape[-2]
    lam = (np.full(n_sets, 1.0 / n_sets) if rule.stakeholder_weights is None
           else np.asarray(rule.stakeholder_weights, dtype=float))
    if rule.method == "geometric":
        with np.errstate(divide="ignore"):
            logs = np.where(w > 0, np.log(np.where(w > 0, w, 1.0)), -np.inf)
        combined = np.exp(np.einsum("...sc,s->...c", np.where(lam[:, None] > 0, logs, 0.0), lam))
    else:
        combined = np.einsum("...sc,s->...c", w, lam)
    return combined / combined.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """How the rankings under several weight sets compare.

    Attributes
    ----------
    ranks : ``[..., S, O]``
        Rank of each option under each set (1 = best).
    rank_spread : ``[..., O]``
        Worst minus best rank of each option across the sets (0 = they agree).
    same_top : ``[...]``
        True when every set ranks the same option(s) first.
    kendall_tau : ``[..., S, S]``
        Kendall's tau-b between each pair of sets' scores (1 = same order).
    preference : ``[..., S, O, O]``
        +1 where a set puts option i above j, -1 below, 0 tied.
    """

    ranks: npt.NDArray[np.int64]
    rank_spread: npt.NDArray[np.int64]
    same_top: npt.NDArray[np.bool_]
    kendall_tau: FloatArray
    preference: npt.NDArray[np.int8]

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def disputed_pairs(self) -> npt.NDArray[np.bool_]:
        """``[..., O, O]``: some set puts ``i`` above ``j`` and another puts ``j`` above ``i``."""
        up = (self.preference > 0).any(axis=-3)
        return up & np.swapaxes(up, -1, -2)


def agreement(scores: npt.ArrayLike) -> Agreement:
    """Kernel: compare the rankings several weight sets give (scores ``[..., S, O]``).

    No validation: scores are any finite numbers.

    Examples
    --------
    >>> a = agreement([[60, 50, 40], [40, 50, 60]])
    >>> a.ranks.tolist(), a.rank_spread.tolist(), bool(a.same_top)
    ([[1, 2, 3], [3, 2, 1]], [2, 0, 2], False)
    >>> a.kendall_tau.round(3).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    s = np.asarray(scores, dtype=float)
    ranks = rank_descending(s)
    diff = s[..., :, None] - s[..., None, :]                       # [..., S, O, O]
    pref = np.where(diff > TIE_ATOL, 1, np.where(diff < -TIE_ATOL, -1, 0)).astype(np.int8)
    n_opt = s.shape[-1]
    upper = np.triu(np.ones((n_opt, n_opt), dtype=bool), k=1)
    p = pref.astype(float) * upper
    concord = np.einsum("...sij,...tij->...st", p, p)              # Σ sign_s · sign_t
    untied = np.einsum("...sij->...s", np.abs(p))                   # pairs not tied in s
    denom = np.sqrt(untied[..., :, None] * untied[..., None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(denom > 0, concord / np.where(denom > 0, denom, 1.0), np.nan)
    top = ranks == 1
    same_top = np.all(top == top[..., :1, :], axis=(-2, -1))
    return Agreement(ranks=ranks, rank_spread=ranks.max(axis=-2) - ranks.min(axis=-2),
                     same_top=same_top, kendall_tau=tau, preference=pref)
