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

from appraisal.engine.kernel import row_tiled_product
from appraisal.greenbook.equity import line_weights, weights_kernel

__all__ = ["BestAtEta", "best_shares", "mask_dtype"]


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
