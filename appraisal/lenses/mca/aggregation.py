"""Aggregation: the linear additive model and TOPSIS, and ranking.

Shapes: ``matrix`` is ``[..., O, C]`` (options × criteria, draws first when
present) and ``weights`` ``[..., C]``; results are ``[..., O]``. The ``*_kernel``
functions do not validate; :func:`linear_additive` and :func:`topsis` do.

TOPSIS (Hwang & Yoon 1981) applies the named normalisation to the raw matrix
*first* and then picks the ideal (best) and anti-ideal (worst) point of each
criterion by its direction, as in the original method:

``"vector"`` (default)  ``x / sqrt(sum x²)`` over the options
``"max"``               ``x / max x``
``"minmax"``            ``(x − min) / (max − min)``
``"sum"``               ``x / sum x``

A criterion on which every option scores the same has no spread; it is set to
zero after normalisation and cannot affect the result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue

__all__ = [
    "NORMALISATIONS",
    "linear_additive",
    "linear_additive_kernel",
    "rank_descending",
    "topsis",
    "topsis_kernel",
]

NORMALISATIONS = ("vector", "max", "minmax", "sum")
#: Scores closer than this count as tied when ranking.
TIE_ATOL = 1e-9

FloatArray = npt.NDArray[np.float64]


def rank_descending(scores: npt.ArrayLike, present: npt.ArrayLike | None = None
                    ) -> npt.NDArray[np.int64]:
    """Kernel: competition ranks over the last axis, 1 = highest; ties share the better rank.

    No validation. Scores within ``TIE_ATOL`` of each other count as tied.

    ``present`` (``[O]`` booleans) leaves options out: they get rank 0.

    Examples
    --------
    >>> rank_descending([[70.0, 55.0, 70.0, 10.0]]).tolist()
    [[1, 3, 1, 4]]
    """
    s = np.asarray(scores, dtype=float)
    mask = (np.ones(s.shape[-1], dtype=bool) if present is None
            else np.asarray(present, dtype=bool))
    better = (s[..., None, :] > s[..., :, None] + TIE_ATOL) & mask
    return np.where(mask, 1 + better.sum(axis=-1), 0).astype(np.int64)


def linear_additive_kernel(values: npt.ArrayLike, weights: npt.ArrayLike
                           ) -> tuple[FloatArray, FloatArray]:
    """Overall scores ``[..., O]`` and contributions ``[..., O, C]`` (no validation)."""
    contributions = np.asarray(values, dtype=float) * np.asarray(weights, dtype=float)[..., None, :]
    return contributions.sum(axis=-1), contributions


def linear_additive(values: npt.ArrayLike, weights: npt.ArrayLike
                    ) -> tuple[FloatArray, FloatArray]:
    """The linear additive model: overall score = Σ weight × value.

    Parameters
    ----------
    values : array_like ``[O, C]`` or ``[D, O, C]``
        0–100 value scores.
    weights : array_like ``[C]`` or ``[D, C]``
        Non-negative global weights summing to one (per draw).

    Returns
    -------
    scores : ndarray ``[..., O]``
    contributions : ndarray ``[..., O, C]``
        Each criterion's part of each score; they sum to the score.

    Raises
    ------
    AppraisalValidationError
        Values outside 0–100, negative weights, weights not summing to one, or
        mismatched shapes.

    Examples
    --------
    >>> scores, parts = linear_additive([[80, 20], [40, 90]], [0.75, 0.25])
    >>> scores.tolist(), parts[1].tolist()
    ([65.0, 52.5], [30.0, 22.5])
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    issues = _shape_issues(v, w)
    if not issues:
        if np.any(~np.isfinite(v) | (v < 0) | (v > 100)):
            issues.append(Issue("score-out-of-range", "a value is outside 0–100",
                                field="values", fix="score options from 0 (worst) to 100 (best)"))
        issues += _weight_issues(w)
        total = w.sum(axis=-1)
        if not issues and np.any(np.abs(total - 1.0) > 1e-6):
            issues.append(Issue("weights-not-summing-to-one",
                                f"weights sum to {float(np.ravel(total)[0]):.6g}, not 1",
                                field="weights", fix="divide the weights by their sum"))
    if issues:
        raise AppraisalValidationError(issues, source="linear_additive")
    return linear_additive_kernel(v, w)


def topsis_kernel(matrix: npt.ArrayLike, weights: npt.ArrayLike, benefit: npt.ArrayLike,
                  normalisation: str = "vector",
                  present: npt.ArrayLike | None = None) -> FloatArray:
    """Closeness to the ideal ``[..., O]`` (no validation).

    ``present`` (``[O]`` booleans) restricts normalisation and the ideal points to
    some options (for rank-reversal checks); absent options get NaN.
    """
    x = np.asarray(matrix, dtype=float)
    n_opt = x.shape[-2]
    mask = (np.ones(n_opt, dtype=bool) if present is None
            else np.asarray(present, dtype=bool))[:, None]
    if normalisation == "vector":
        scale = np.sqrt(np.sum(np.where(mask, x * x, 0.0), axis=-2, keepdims=True))
        r = x / np.where(scale > 0, scale, 1.0)
    elif normalisation == "max":
        scale = np.max(np.where(mask, x, -np.inf), axis=-2, keepdims=True)
        r = x / np.where(scale != 0, scale, 1.0)
    elif normalisation == "sum":
        scale = np.sum(np.where(mask, x, 0.0), axis=-2, keepdims=True)
        r = x / np.where(scale != 0, scale, 1.0)
    else:  # minmax
        lo = np.min(np.where(mask, x, np.inf), axis=-2, keepdims=True)
        span = np.max(np.where(mask, x, -np.inf), axis=-2, keepdims=True) - lo
        r = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.0)
    # Weights are non-negative, so the weighted ideal is the weight times the ideal of
    # the normalised matrix, and each squared distance is a weighted sum over criteria:
    # this avoids an options x criteria array per weight set and draw.
    hi = np.max(np.where(mask, r, -np.inf), axis=-2, keepdims=True)
    lo = np.min(np.where(mask, r, np.inf), axis=-2, keepdims=True)
    is_benefit = np.asarray(benefit, dtype=bool)
    ideal = np.where(is_benefit, hi, lo)
    anti = np.where(is_benefit, lo, hi)
    w2 = np.square(np.asarray(weights, dtype=float))[..., :, None]            # [..., C, 1]
    d_plus = np.sqrt(np.maximum((np.square(r - ideal) @ w2)[..., 0], 0.0))
    d_minus = np.sqrt(np.maximum((np.square(r - anti) @ w2)[..., 0], 0.0))
    total = d_plus + d_minus
    # Every option at the ideal (no spread at all): all are equally close.
    close = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 1.0)
    return np.where(mask[:, 0], close, np.nan)


def topsis(matrix: npt.ArrayLike, weights: npt.ArrayLike, benefit: Sequence[bool] | npt.ArrayLike,
           normalisation: str = "vector") -> FloatArray:
    """TOPSIS closeness of each option to the ideal solution (Hwang & Yoon 1981).

    Parameters
    ----------
    matrix : array_like ``[O, C]`` or ``[D, O, C]``
        Raw performance of each option on each criterion.
    weights : array_like ``[C]`` or ``[D, C]``
        Non-negative weights. Their scale does not matter: multiplying them all by
        the same number leaves the closeness unchanged.
    benefit : sequence of bool ``[C]``
        True where more is better, False for cost criteria.
    normalisation : {"vector", "max", "minmax", "sum"}
        See the module docstring; ``"vector"`` is the original method's.

    Returns
    -------
    ndarray ``[..., O]``
        Closeness coefficients in 0–1; higher is better.

    Raises
    ------
    AppraisalValidationError
        Unknown normalisation, non-finite or (for ratio normalisations) negative
        entries, negative weights, or mismatched shapes.

    Examples
    --------
    >>> topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3],
    ...        [True, True, True]).round(4).tolist()
    [0.5037, 0.6581, 0.7482, 0.334]
    """
    x = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    b = np.asarray(benefit)
    issues: list[Issue] = []
    if normalisation not in NORMALISATIONS:
        issues.append(Issue("bad-choice", f"unknown normalisation {normalisation!r}",
                            field="normalisation", fix=f"use one of {', '.join(NORMALISATIONS)}"))
    issues += _shape_issues(x, w)
    if not issues:
        if b.shape != (x.shape[-1],) or b.dtype != bool:
            issues.append(Issue("bad-benefit", f"expected {x.shape[-1]} booleans, got {b!r}",
                                field="benefit",
                                fix="give True (benefit) or False (cost) for each criterion"))
        if not np.all(np.isfinite(x)):
            issues.append(Issue("not-finite", "the matrix holds a non-finite value",
                                field="matrix", fix="give a number for every option and criterion"))
        elif normalisation in ("vector", "max", "sum") and np.any(x < 0):
            issues.append(Issue("negative-performance",
                                f"negative entries do not suit {normalisation!r} normalisation",
                                field="matrix", fix="use normalisation='minmax'"))
        issues += _weight_issues(w)
    if issues:
        raise AppraisalValidationError(issues, source="topsis")
    return topsis_kernel(x, w, b, normalisation)


def _shape_issues(x: FloatArray, w: FloatArray) -> list[Issue]:
    if x.ndim not in (2, 3) or w.ndim not in (1, 2) or x.shape[-1] != w.shape[-1]:
        return [Issue("bad-shape", f"matrix {x.shape} and weights {w.shape} do not match",
                      field="weights",
                      fix="matrix is [options, criteria] or [draws, options, criteria]; weights "
                          "[criteria] or [draws, criteria]")]
    if x.ndim == 3 and w.ndim == 2 and w.shape[0] not in (1, x.shape[0]):
        return [Issue("bad-shape", f"{w.shape[0]} weight draws for {x.shape[0]} matrix draws",
                      field="weights", fix="use the same number of draws")]
    return []


def _weight_issues(w: FloatArray) -> list[Issue]:
    if np.any(~np.isfinite(w) | (w < 0)):
        return [Issue("negative-weight", "a weight is negative or not finite", field="weights",
                      fix="weights are zero or more")]
    if np.any(w.sum(axis=-1) <= 0):
        return [Issue("zero-weights", "all weights are zero", field="weights",
                      fix="give at least one criterion a positive weight")]
    return []
