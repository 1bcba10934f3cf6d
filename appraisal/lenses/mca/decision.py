"""One decision view beside the CBA, and the value-for-money frontier.

For each short-listed option: NPSV, BCR and PV costs from the cost-benefit
analysis, the MCA overall score, and an MCA *benefit* score. The benefit score
leaves out criteria that measure cost (those scored from the CBA's ``pv_costs``)
and renormalises the remaining weights, so plotting it against PV cost does not
count cost twice (DCLG, *Multi-criteria analysis: a manual*, 2009, ch. 6, on
setting benefits against costs).

An option is on the value-for-money frontier when no other option gives at least
as much MCA benefit for no more PV cost, and strictly more of one or strictly less
of the other (Pareto efficiency). Options off it are listed with the options that
beat them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["benefit_weights", "vfm_frontier"]

FloatArray = npt.NDArray[np.float64]


def benefit_weights(weights: npt.ArrayLike, is_cost: npt.ArrayLike) -> FloatArray:
    """Kernel: weights ``[..., C]`` without the cost criteria, renormalised (NaN if none left).

    Examples
    --------
    >>> benefit_weights([0.5, 0.3, 0.2], [False, False, True]).round(3).tolist()
    [0.625, 0.375, 0.0]
    """
    w = np.where(np.asarray(is_cost, dtype=bool), 0.0, np.asarray(weights, dtype=float))
    total = w.sum(axis=-1, keepdims=True)
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), np.nan)


def vfm_frontier(benefit: npt.ArrayLike, cost: npt.ArrayLike, *, rtol: float = 1e-9
                 ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Kernel: who is on the benefit-versus-cost frontier (``[..., O]`` inputs).

    Returns
    -------
    on_frontier : ndarray of bool ``[..., O]``
    beaten_by : ndarray of bool ``[..., O, O]``
        ``beaten_by[..., i, j]``: option ``j`` gives at least as much benefit as
        ``i`` for no more cost, and is strictly better on one of the two.

    Examples
    --------
    >>> on, by = vfm_frontier([40, 60, 55, 80], [10, 20, 25, 40])
    >>> on.tolist(), np.flatnonzero(by[2]).tolist()
    ([True, True, False, True], [1])
    """
    b = np.asarray(benefit, dtype=float)
    c = np.asarray(cost, dtype=float)
    tol_b = rtol * np.maximum(1.0, np.abs(b).max(axis=-1, keepdims=True))[..., None]
    tol_c = rtol * np.maximum(1.0, np.abs(c).max(axis=-1, keepdims=True))[..., None]
    db = b[..., None, :] - b[..., :, None]      # [..., i, j] = b_j - b_i
    dc = c[..., None, :] - c[..., :, None]      # c_j - c_i
    beaten = (db >= -tol_b) & (dc <= tol_c) & ((db > tol_b) | (dc < -tol_c))
    return ~beaten.any(axis=-1), beaten
