"""Robustness: dominance, how far each weight can move, and rank reversal.

All functions are array kernels (no validation) that broadcast over a leading
draws axis: ``values`` is ``[..., O, C]`` (0–100 value scores), ``weights``
``[..., C]`` (global, summing to one).

Weight ranges follow the usual one-at-a-time rule (DCLG, *Multi-criteria
analysis: a manual*, 2009, ch. 6, sensitivity analysis): one weight ``w_k`` (a
criterion's, or a purpose's, the sum of its criteria's) moves over 0–1 and the
others are rescaled in proportion so the total stays one. Every option's score
is then a straight line in ``w_k``, ``S_o(t) = t·a_o + (1 − t)·b_o``, so the
range over which the current top option stays top, and where it is overtaken,
follow in closed form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from appraisal.lenses.mca._frozen import freeze_arrays
from appraisal.lenses.mca.aggregation import TIE_ATOL

__all__ = ["WeightRanges", "dominance", "rank_reversals", "weight_ranges"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def dominance(values: npt.ArrayLike, present: npt.ArrayLike | None = None
              ) -> npt.NDArray[np.bool_]:
    """``[..., O, O]``: option ``i`` dominates option ``j``.

    ``i`` dominates ``j`` when it scores at least as well on every criterion and
    better on at least one, so no choice of weights can rank ``j`` above ``i``.

    Examples
    --------
    >>> dominance([[80, 60], [70, 60], [90, 10]]).astype(int).tolist()
    [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    v = np.asarray(values, dtype=float)
    n_opt = v.shape[-2]
    no_worse = np.ones((*v.shape[:-2], n_opt, n_opt), dtype=bool)
    better = np.zeros_like(no_worse)
    for c in range(v.shape[-1]):  # one criterion at a time keeps memory at [..., O, O]
        diff = v[..., :, None, c] - v[..., None, :, c]
        no_worse &= diff >= -TIE_ATOL
        better |= diff > TIE_ATOL
    dom = no_worse & better
    if present is not None:
        mask = np.asarray(present, dtype=bool)
        dom &= mask[:, None] & mask[None, :]
    return dom


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightRanges:
    """For each node ``k`` (``[..., K]``): its weight and the range keeping the top option top.

    ``lower``/``upper`` bound the weights (0–1) over which ``top`` stays first;
    ``taken_by_lower``/``taken_by_upper`` name (by index) the option that overtakes
    it just beyond each bound, or ``-1`` when it stays top to 0 or to 1. Bounds are
    NaN where the weight cannot move (a node holding all the weight).

    ``change_below``/``change_above`` (only with ``all_pairs=True``) are the
    nearest weights below and above the current one at which *any* two options
    swap places: NaN when no pair swaps on that side.
    """

    weight: FloatArray
    lower: FloatArray
    upper: FloatArray
    taken_by_lower: IntArray
    taken_by_upper: IntArray
    top: IntArray
    change_below: FloatArray | None = None
    change_above: FloatArray | None = None

    def __post_init__(self) -> None:
        freeze_arrays(self)


def weight_ranges(values: npt.ArrayLike, weights: npt.ArrayLike,
                  membership: npt.ArrayLike, *, all_pairs: bool = False) -> WeightRanges:
    """One-at-a-time weight ranges for every node of ``membership`` (``[K, C]``).

    ``all_pairs`` also finds where any two options swap (memory ``O² × K`` per draw).

    Examples
    --------
    Two options, two criteria, weights 0.5/0.5: A (80, 40) scores 60, B (50, 60)
    scores 55. A stays top while criterion 1's weight is at least 0.4:

    >>> r = weight_ranges([[80, 40], [50, 60]], [0.5, 0.5], [[1, 0], [0, 1]])
    >>> r.lower.round(4).tolist(), r.upper.round(4).tolist(), r.taken_by_lower.tolist()
    ([0.4, 0.0], [1.0, 0.6], [1, -1])
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    m = np.asarray(membership, dtype=float)
    parts = v * w[..., None, :]                       # [..., O, C]
    score = parts.sum(axis=-1)                        # [..., O]
    wk = w @ m.T                                      # [..., K]
    inside = parts @ m.T                              # [..., O, K]
    mean_inside = (v @ m.T) / m.sum(axis=-1)          # used when a node has no weight
    a = np.where(wk[..., None, :] > 0, inside / np.where(wk > 0, wk, 1.0)[..., None, :],
                 mean_inside)
    rest = 1.0 - wk
    b = (score[..., :, None] - inside) / np.where(rest > 0, rest, 1.0)[..., None, :]
    top = np.argmax(score, axis=-1)                   # [...]
    a_top = np.take_along_axis(a, top[..., None, None], axis=-2)   # [..., 1, K]
    b_top = np.take_along_axis(b, top[..., None, None], axis=-2)
    # Top minus option o at weight t: (b_top - b_o) + t * slope.
    gap0 = b_top - b
    slope = (a_top - a) - gap0
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(np.abs(slope) > TIE_ATOL, -gap0 / slope, np.nan)   # [..., O, K]
    current = wk[..., None, :]
    below = np.where((cross < current) & (slope > 0), cross, -np.inf)
    above = np.where((cross > current) & (slope < 0), cross, np.inf)
    lower = np.clip(below.max(axis=-2), 0.0, None)
    upper = np.clip(above.min(axis=-2), None, 1.0)
    by_lower = np.where(np.isfinite(below.max(axis=-2)) & (below.max(axis=-2) >= 0),
                        np.argmax(below, axis=-2), -1)
    by_upper = np.where(np.isfinite(above.min(axis=-2)) & (above.min(axis=-2) <= 1),
                        np.argmin(above, axis=-2), -1)
    stuck = rest <= 0
    change_below = change_above = None
    if all_pairs:
        gap = b[..., :, None, :] - b[..., None, :, :]              # [..., O, O, K]
        pair_slope = (a[..., :, None, :] - a[..., None, :, :]) - gap
        with np.errstate(divide="ignore", invalid="ignore"):
            at = np.where(np.abs(pair_slope) > TIE_ATOL, -gap / pair_slope, np.nan)
        now = wk[..., None, None, :]
        lo = np.where((at >= 0) & (at < now - TIE_ATOL), at, -np.inf).max(axis=(-3, -2))
        hi = np.where((at <= 1) & (at > now + TIE_ATOL), at, np.inf).min(axis=(-3, -2))
        change_below = np.where(np.isfinite(lo) & ~stuck, lo, np.nan)
        change_above = np.where(np.isfinite(hi) & ~stuck, hi, np.nan)
    return WeightRanges(weight=wk, lower=np.where(stuck, np.nan, lower),
                        upper=np.where(stuck, np.nan, upper),
                        taken_by_lower=np.where(stuck, -1, by_lower).astype(np.int64),
                        taken_by_upper=np.where(stuck, -1, by_upper).astype(np.int64),
                        top=np.asarray(top, dtype=np.int64), change_below=change_below,
                        change_above=change_above)


def rank_reversals(score_fn: Callable[[npt.NDArray[np.bool_]], FloatArray],
                   n_options: int) -> list[tuple[int, int, int, float]]:
    """Pairs whose order flips when one option is removed (or, read backwards, added).

    Parameters
    ----------
    score_fn : callable
        Maps a ``present`` mask ``[O]`` to scores ``[..., O]`` computed with only
        those options (so local scales and TOPSIS normalisation are recomputed).
    n_options : int

    Returns
    -------
    list of (removed, i, j, share)
        Option ``i`` is above ``j`` with every option present but not after
        ``removed`` is taken out, in ``share`` (0–1) of the draws; only pairs
        that flip in some draw are listed.

    Examples
    --------
    Scores on a local scale rebuilt from the options present:

    >>> perf = np.array([[2.0, 3.0], [9.0, 4.0], [3.0, 9.0], [2.0, 4.0]])
    >>> def score(present):
    ...     lo = perf[present].min(axis=0); hi = perf[present].max(axis=0)
    ...     return ((perf - lo) / (hi - lo) * [0.5, 0.5]).sum(axis=-1)
    >>> rank_reversals(score, 4)   # removing option 0 puts option 2 above option 1
    [(0, 1, 2, 1.0)]
    """
    if n_options < 3:  # removing one leaves at most one option: no pair can flip
        return []
    full = np.asarray(score_fn(np.ones(n_options, dtype=bool)), dtype=float)
    above = full[..., :, None] > full[..., None, :] + TIE_ATOL          # [..., O, O]
    found: list[tuple[int, int, int, float]] = []
    for removed in range(n_options):
        present = np.ones(n_options, dtype=bool)
        present[removed] = False
        s = np.asarray(score_fn(present), dtype=float)
        flipped = above & (s[..., None, :] > s[..., :, None] + TIE_ATOL)
        flipped &= present[:, None] & present[None, :]
        share = flipped.reshape(-1, n_options, n_options).mean(axis=0)
        for i, j in np.argwhere(share > 0):
            found.append((removed, int(i), int(j), float(share[i, j])))
    return found
