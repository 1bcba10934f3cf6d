"""Monte Carlo outputs reduced chunk by chunk, so memory does not grow with lines × draws.

The acceptability curve against η needs, for every draw and every η of the grid, which
option has the highest distributionally weighted NPSV. Keeping each draw's signed line PVs
``(D, L)`` and weighting them all at the end holds ``D × (L + P × O)`` numbers (2 GB for
10^6 draws of the prevention example). :class:`BestAtEta` instead weights each chunk's
line PVs as the chunk is evaluated and keeps, per draw and η, only a bitmask of the
options that are best (ties included): ``P`` small integers per draw. The curve computed
from the masks (:func:`best_shares`) counts each draw's tied options exactly as
:func:`~appraisal.lenses.uncertainty.summaries.probability_best` does (a tie of ``m`` options
gives each ``1/m``), from integer counts, so it is exact and does not depend on the chunk
size. Percentiles, histograms and EVPI/EVPPI still use the per-draw outputs, which are
``O``-vectors per draw (not ``L``): exactness there needs every draw.

:class:`ChunkTotals` goes further for the full Monte Carlo: what only needs counting is
counted chunk by chunk into integer totals (:func:`~appraisal.lenses.uncertainty.sampling.
run_monte_carlo`'s ``totals``), so no per-draw array is kept for it at all: the options
best at each η, counted by the size of the tie (:func:`shares_from_counts` gives exactly
what :func:`best_shares` gives from the masks), the options with the highest weighted NPSV
(likewise), and the draws whose incremental BCR reaches each value-for-money band. Integer
sums do not depend on the chunks, their order or the backend.

Examples
--------
>>> import numpy as np
>>> masks = np.array([[0b01], [0b11], [0b10], [0b10]], dtype=np.uint8)  # (D, P=1)
>>> best_shares(masks, 2).tolist()  # option 0: 1 + 1/2 of 4 draws; option 1: 1/2 + 2
[[0.375, 0.625]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from appraisal.engine.kernel import blas_threads, row_tiled_product
from appraisal.greenbook.equity import line_weights, weights_kernel

__all__ = ["BestAtEta", "ChunkTotals", "best_shares", "mask_dtype", "shares_from_counts",
           "tie_counts"]


def mask_dtype(n_options: int) -> np.dtype:
    """The smallest unsigned integer type with a bit per option (at most 64 options)."""
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        if n_options <= np.iinfo(dtype).bits:
            return np.dtype(dtype)
    msg = f"at most 64 options have a bitmask (got {n_options})"
    raise ValueError(msg)


class BestAtEta:
    """A case model that also returns ``best_at_eta`` and drops ``signed_pv_lines``.

    ``best_at_eta`` ``(D, P)``: bit ``j`` set where option ``j`` has the highest weighted
    NPSV at the ``p``-th η of ``grid`` (all tied options set). Picklable when the wrapped
    model is.

    Parameters
    ----------
    model : CaseModel
        A case model with distributional weights (``model.has_equity``).
    grid : sequence of float
        The η values.
    """

    def __init__(self, model: Any, grid: Sequence[float]) -> None:
        self.model = model
        self.grid = tuple(float(e) for e in grid)
        incomes, reference, shares, unallocated, _ = model._equity
        lw = line_weights(weights_kernel(incomes, reference, np.asarray(self.grid)), shares,
                          unallocated)  # (P, L)
        onehot = model.compiled.option_matrix  # (L, O)
        per_eta = (lw[:, :, None] * onehot[None, :, :]).transpose(1, 0, 2)  # (L, P, O)
        self.per_eta = np.ascontiguousarray(per_eta.reshape(per_eta.shape[0], -1))
        self.n_options = onehot.shape[1]
        self.bits = (np.ones(1, mask_dtype(self.n_options))
                     << np.arange(self.n_options).astype(mask_dtype(self.n_options)))

    def __call__(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        out = dict(self.model(inputs))
        signed = out.pop("signed_pv_lines")
        weighted = row_tiled_product(signed, self.per_eta).reshape(
            signed.shape[0], len(self.grid), self.n_options)
        best = weighted == weighted.max(axis=-1, keepdims=True)
        out["best_at_eta"] = np.bitwise_or.reduce(np.where(best, self.bits, 0), axis=-1)
        return out

    def __repr__(self) -> str:
        return f"BestAtEta({self.model!r}, {len(self.grid)} η values)"


def best_shares(masks: np.ndarray, n_options: int) -> np.ndarray:
    """Share of draws in which each option is best at each η: ``(D, P)`` masks -> ``(P, O)``.

    A draw in which ``m`` options tie gives each ``1/m``; the shares of each η sum to 1.
    """
    masks = np.asarray(masks)
    D, P = masks.shape
    out = np.zeros((P, n_options))
    for p in range(P):
        best = ((masks[:, p, None] >> np.arange(n_options, dtype=masks.dtype)) & 1).astype(bool)
        ties = best.sum(axis=1)
        for m in np.unique(ties):
            out[p] += best[ties == m].sum(axis=0) / m
    return out / D


#: Up to this many options, :func:`tie_counts` counts the bit patterns of the best options.
_PATTERN_OPTIONS = 10


def _pattern_matrix(n_options: int) -> np.ndarray:
    """``(2**O, O * O)`` integers: pattern ``v`` puts 1 at ``(o, m - 1)`` for each bit ``o``
    of ``v``, ``m`` the number of bits set."""
    v = np.arange(1 << n_options)
    bits = (v[:, None] >> np.arange(n_options)) & 1  # (V, O)
    m = bits.sum(axis=1)
    out = np.zeros((v.size, n_options, n_options), dtype=np.int64)
    rows, cols = np.nonzero(bits)
    out[rows, cols, m[rows] - 1] = 1
    return out.reshape(v.size, -1)


def _pattern_counts(by_option: Sequence[np.ndarray]) -> np.ndarray:
    """:func:`tie_counts` of at most :data:`_PATTERN_OPTIONS` options given as one
    ``(D, cells)`` array of values per option: ``(cells, O, O)``.

    Each draw's set of best options as a bit pattern, counted per cell by one bincount;
    then each pattern's count goes to its options at its tie size. Option by option,
    elementwise (a reduction over a short last axis is slow in numpy), and fastest when
    each option's array is contiguous.
    """
    n_options = len(by_option)
    top = by_option[0].copy()
    for values in by_option[1:]:
        np.maximum(top, values, out=top)
    pattern = np.zeros(top.shape, dtype=np.uint8 if n_options <= 8 else np.uint16)
    equal = np.empty(top.shape, dtype=bool)
    for o, values in enumerate(by_option):
        np.equal(values, top, out=equal)
        bit = equal.view(np.uint8)
        if o:
            np.left_shift(bit, o, out=bit) if o < 8 else None
        pattern |= bit if o < 8 else bit.astype(np.uint16) << o
    n_patterns = 1 << n_options
    cells = top.shape[1]
    key = pattern.astype(np.intp)
    key += np.arange(0, cells * n_patterns, n_patterns)  # each cell its own patterns
    hist = np.bincount(key.ravel(), minlength=cells * n_patterns).reshape(
        cells, n_patterns)
    return (hist @ _pattern_matrix(n_options)).reshape(cells, n_options, n_options)


def tie_counts(values: np.ndarray) -> np.ndarray:
    """Draws in which each option is best, by the size of the tie: ``(D, ..., O)`` values
    give ``(..., O, O)`` integer counts, ``[..., o, m - 1]`` the draws in which option
    ``o`` is among ``m`` options tied for the highest value.

    Examples
    --------
    >>> tie_counts(np.array([[1.0, 2.0], [3.0, 0.0], [1.0, 1.0], [0.0, 5.0]])).tolist()
    [[1, 1], [2, 1]]
    """
    values = np.asarray(values)
    n_options = values.shape[-1]
    rest = values.shape[1:-1]
    cells = int(np.prod(rest, dtype=np.int64))
    flat = values.reshape(values.shape[0], cells, n_options)
    if n_options <= _PATTERN_OPTIONS:
        return _pattern_counts([flat[..., o] for o in range(n_options)]).reshape(
            *rest, n_options, n_options)
    # option by option (a reduction over a short last axis is slow in numpy)
    top = flat[..., 0].copy()
    for o in range(1, n_options):
        np.maximum(top, flat[..., o], out=top)
    best = [flat[..., o] == top for o in range(n_options)]
    ties = np.zeros(top.shape, dtype=np.int64)  # (D, cells)
    first = np.zeros(top.shape, dtype=np.int64)  # the first best option
    for o in range(n_options - 1, -1, -1):
        ties += best[o]
        first[best[o]] = o
    out = np.zeros((cells, n_options, n_options), dtype=np.int64)
    # a single best option (almost every draw): its index, counted by one bincount
    alone = ties == 1
    key = np.arange(cells) * n_options + first
    out[:, :, 0] = np.bincount(key[alone], minlength=cells * n_options).reshape(
        cells, n_options)
    for m in range(2, n_options + 1):  # ties: rare, counted row by row
        d, c = np.nonzero(ties == m)
        if d.size:
            np.add.at(out[:, :, m - 1], c, np.stack([b[d, c] for b in best], axis=-1)
                      .astype(np.int64))
    return out.reshape(*rest, n_options, n_options)


def shares_from_counts(counts: np.ndarray, n: int) -> np.ndarray:
    """Share of ``n`` draws in which each option is best, from :func:`tie_counts` (summed
    over chunks): ``(..., O, O) -> (..., O)``; a tie of ``m`` options gives each ``1/m``.

    The same arithmetic as :func:`best_shares` (integer counts over each tie size, in
    increasing size, then over ``n``), so the same numbers to the last digit; and the same
    as :func:`~appraisal.lenses.uncertainty.summaries.probability_best` to the last digit
    whenever no three (or five ...) options tie, whose shares ``1/m`` a float mean rounds.

    Examples
    --------
    >>> shares_from_counts(np.array([[1, 1], [2, 1]]), 4).tolist()
    [0.375, 0.625]
    """
    counts = np.asarray(counts)
    out = np.zeros(counts.shape[:-1])
    for m in range(1, counts.shape[-1] + 1):
        out += counts[..., m - 1] / m
    return out / n


class ChunkTotals:
    """A case model whose counting outputs are reduced chunk by chunk to integer totals.

    Returns the wrapped model's outputs (without ``signed_pv_lines``) and, as integer
    counts for the chunk (``run_monte_carlo(..., totals=ChunkTotals.TOTALS)``):

    ``best_weighted`` ``(O, O)``
        :func:`tie_counts` of the weighted NPSV (when the case has weights);
    ``best_at_eta`` ``(P, O, O)``
        :func:`tie_counts` of the weighted NPSV with η fixed at each value of ``grid``
        (when ``grid`` is given);
    ``inc_bcr_at_least`` ``(O, B)``
        draws whose incremental BCR is at least each of ``bands`` (undefined: not).

    Picklable when the wrapped model is.

    Parameters
    ----------
    model : CaseModel
        The case model.
    grid : sequence of float, optional
        η values of the acceptability curve (the case must have weights).
    bands : sequence of float
        Lower BCR edges of the value-for-money bands.
    """

    TOTALS = ("best_weighted", "best_at_eta", "inc_bcr_at_least")

    def __init__(self, model: Any, grid: Sequence[float] | None = None,
                 bands: Sequence[float] = ()) -> None:
        self.model = model
        self.bands = np.asarray(bands, dtype=np.float64)
        self.eta = None if grid is None else BestAtEta(model, grid)
        # the η products option by option: each option's lines against their weights at
        # each η, ``(L_o, P)`` (the other options' lines only add zeros)
        self.eta_parts: list[tuple[np.ndarray, np.ndarray]] = []
        if self.eta is not None and self.eta.n_options <= _PATTERN_OPTIONS:
            line_option = np.asarray(model.compiled.line_option)
            per_eta = self.eta.per_eta.reshape(line_option.size, len(self.eta.grid),
                                               self.eta.n_options)
            for o in range(self.eta.n_options):
                lines = np.flatnonzero(line_option == o)
                self.eta_parts.append((lines, np.ascontiguousarray(per_eta[lines, :, o])))

    def __call__(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        with blas_threads():  # the model's own small products too (line weights)
            return self._reduce(inputs)

    def _reduce(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        out = dict(self.model(inputs))
        signed = out.pop("signed_pv_lines")
        n_opt = out["npsv"].shape[1]
        inc_bcr = out["inc_bcr"]
        with np.errstate(invalid="ignore"):
            out["inc_bcr_at_least"] = (inc_bcr[:, :, None] >= self.bands).sum(axis=0)
        # no weights, no η grid: empty counts (a total is always returned)
        out["best_weighted"] = tie_counts(out["weighted_npsv"]) if "weighted_npsv" in out \
            else np.zeros((0, n_opt), dtype=np.int64)
        if self.eta_parts:
            # each option's weighted NPSV at each η, ``(D, P)`` contiguous, counted
            # elementwise across options: the same numbers as the one product below
            out["best_at_eta"] = _pattern_counts([row_tiled_product(signed[:, lines], weights)
                                                  for lines, weights in self.eta_parts])
        elif self.eta is not None:
            weighted = row_tiled_product(signed, self.eta.per_eta)
            out["best_at_eta"] = tie_counts(weighted.reshape(
                signed.shape[0], len(self.eta.grid), n_opt))
        else:
            out["best_at_eta"] = np.zeros((0, n_opt, n_opt), dtype=np.int64)
        return out

    def __repr__(self) -> str:
        return f"ChunkTotals({self.model!r})"
