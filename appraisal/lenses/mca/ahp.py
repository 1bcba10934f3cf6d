"""Analytic hierarchy process (AHP): weights from pairwise comparisons.

A pairwise comparison matrix ``A`` holds ``a_ij`` = how many times more important
item ``i`` is than item ``j`` (Saaty's 1–9 scale), with ``a_ji = 1 / a_ij`` and
ones on the diagonal. Two named ways to derive the weights:

``"eigenvector"`` (default)
    The normalised principal (Perron) eigenvector of ``A`` (Saaty 1977, 1980).
``"geometric_mean"``
    The normalised geometric means of the rows, also called the logarithmic
    least-squares method (Crawford & Williams 1985). For 3 × 3 matrices it gives
    the same weights as the eigenvector; for larger inconsistent ones it differs,
    which is why the variant is named in every result (see pyDecision#15).

Consistency is a property of the matrix, not of the variant: ``λmax`` is always
the principal eigenvalue, ``CI = (λmax − n) / (n − 1)`` and ``CR = CI / RI(n)``,
with the random index ``RI`` from Saaty (1980) shipped in
``data/mca/ahp_consistency.csv`` (orders 1–10; larger orders are refused because
published values disagree). A CR above the threshold for the matrix's order in the
same file produces a warning: Saaty (1994) 0.05 for n = 3, 0.08 for n = 4 and 0.10
for n ≥ 5 (:func:`consistency_threshold`); matrices of order 1 and 2 are always
consistent.

References
----------
Saaty, T.L. (1977) A scaling method for priorities in hierarchical structures.
J. Math. Psychol. 15(3), 234–281.
Saaty, T.L. (1980) The Analytic Hierarchy Process. McGraw-Hill.
Saaty, T.L. (1994) How to make a decision: the analytic hierarchy process.
Interfaces 24(6), 19–43.
Crawford, G. & Williams, C. (1985) A note on the analysis of subjective judgment
matrices. J. Math. Psychol. 29(4), 387–405.
"""

from __future__ import annotations

import csv
import functools
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from appraisal._resources import data_dir
from appraisal.errors import AppraisalValidationError, Issue, ParameterError, Severity

__all__ = [
    "AHP_VARIANTS",
    "AHPResult",
    "ahp",
    "ahp_kernel",
    "consistency_threshold",
    "random_index",
]

AHP_VARIANTS = ("eigenvector", "geometric_mean")
RANDOM_INDEX_TABLE = "data/mca/ahp_consistency.csv (Saaty 1980)"
#: Relative tolerance on ``a_ij * a_ji == 1``: lets 0.333 stand for 1/3.
RECIPROCAL_RTOL = 1e-2

FloatArray = npt.NDArray[np.float64]


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict[int, float], dict[int, float]]:
    # a bundled file: data/mca in a checkout, appraisal/_data/mca in a wheel
    path = data_dir() / "mca" / "ahp_consistency.csv"
    rows = list(csv.DictReader(path.read_text("utf-8").splitlines()))
    ri = {int(r["order"]): float(r["value"]) for r in rows if r["parameter"] == "random_index"}
    # threshold rows are keyed by the smallest order they apply to (the last covers larger n)
    thresholds = {int(r["order"]): float(r["value"]) for r in rows
                  if r["parameter"] == "consistency_ratio_threshold"}
    return ri, thresholds


def random_index(n: int) -> float:
    """Saaty's (1980) random consistency index for a matrix of order ``n``.

    Raises
    ------
    ParameterError
        ``n`` is outside the shipped table (1–10).

    Examples
    --------
    >>> random_index(3), random_index(10)
    (0.58, 1.49)
    """
    table, _ = _table()
    if n not in table:
        message = (
            f"no published random index for a matrix of order {n} in {RANDOM_INDEX_TABLE}: "
            f"orders {min(table)}–{max(table)} are shipped; split the comparisons into a "
            "hierarchy of smaller groups, or pass random_index= explicitly")
        raise ParameterError(message)
    return table[n]


def consistency_threshold(n: int) -> float:
    """The consistency ratio above which a matrix of order ``n`` is flagged.

    Saaty (1994): 0.05 for n = 3, 0.08 for n = 4, 0.10 for n ≥ 5, from
    ``data/mca/ahp_consistency.csv``. Orders 1 and 2 are always consistent (their CR
    is 0), so any threshold passes them; 0.10 is returned.

    Examples
    --------
    >>> [consistency_threshold(n) for n in (3, 4, 5, 9)]
    [0.05, 0.08, 0.1, 0.1]
    """
    table = _table()[1]
    keys = [k for k in sorted(table) if k <= n]
    return table[keys[-1]] if keys else table[max(table)]


def ahp_kernel(matrix: npt.ArrayLike, variant: str = "eigenvector"
               ) -> tuple[FloatArray, FloatArray]:
    """Weights and ``λmax`` of reciprocal matrices ``[..., n, n]`` (no validation).

    Returns
    -------
    weights : ndarray ``[..., n]``
        Summing to one.
    lambda_max : ndarray ``[...]``
        Principal eigenvalue.
    """
    a = np.asarray(matrix, dtype=float)
    values, vectors = np.linalg.eig(a)
    top = np.argmax(values.real, axis=-1)
    lam = np.take_along_axis(values.real, top[..., None], axis=-1)[..., 0]
    if variant == "geometric_mean":
        w = np.exp(np.mean(np.log(a), axis=-1))
    else:
        # The Perron vector of a positive matrix has one sign; abs() removes eig's arbitrary one.
        w = np.abs(np.take_along_axis(vectors, top[..., None, None], axis=-1)[..., 0].real)
    return w / w.sum(axis=-1, keepdims=True), lam


@dataclass(frozen=True, slots=True, kw_only=True)
class AHPResult:
    """Weights and consistency diagnostics of one pairwise comparison matrix.

    Arrays carry the matrix's leading (draws) axes: ``weights`` is ``[n]`` or
    ``[D, n]``; the diagnostics are scalars or ``[D]``.
    """

    weights: FloatArray
    lambda_max: FloatArray
    consistency_index: FloatArray
    consistency_ratio: FloatArray
    random_index: float
    threshold: float
    variant: str
    random_index_source: str
    issues: tuple[Issue, ...] = ()

    @property
    def is_consistent(self) -> bool:
        """True when every consistency ratio is at or below the threshold."""
        return bool(np.all(self.consistency_ratio <= self.threshold))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (values for draw-free matrices, lists otherwise)."""
        return {
            "variant": self.variant,
            "weights": np.asarray(self.weights).tolist(),
            "lambda_max": np.asarray(self.lambda_max).tolist(),
            "consistency_index": np.asarray(self.consistency_index).tolist(),
            "consistency_ratio": np.asarray(self.consistency_ratio).tolist(),
            "random_index": self.random_index,
            "random_index_source": self.random_index_source,
            "threshold": self.threshold,
            "consistent": self.is_consistent,
        }


def matrix_problems(a: FloatArray, field: str = "matrix") -> list[Issue]:
    """Problems with a pairwise matrix ``[..., n, n]``: shape, sign, diagonal, reciprocity."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[-1] == 0:
        return [Issue("not-square", f"expected a square n × n matrix, got shape {a.shape}",
                      field=field, fix="give one row per item, each with one entry per item")]
    out: list[Issue] = []
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    bad = ~np.isfinite(flat) | (flat <= 0)
    first: dict[tuple[int, int], float] = {}
    for d, i, j in np.argwhere(bad):
        first.setdefault((int(i), int(j)), float(flat[d, i, j]))
    for (i, j), value in sorted(first.items()):
        out.append(Issue("not-positive", f"entry {value:g} must be a positive finite number",
                         field=f"{field}[{i}][{j}]", fix="use Saaty's scale 1/9 … 9"))
    if out:
        return out
    diag = np.diagonal(flat, axis1=-2, axis2=-1)
    for i in sorted({int(i) for i in np.argwhere(~np.isclose(diag, 1.0))[:, 1]}):
        out.append(Issue("bad-diagonal", f"diagonal entry is {diag[0, i]:g}, expected 1",
                         field=f"{field}[{i}][{i}]", fix="an item is equally important as itself"))
    prod = flat * np.swapaxes(flat, -1, -2)
    off = ~np.isclose(prod, 1.0, rtol=RECIPROCAL_RTOL, atol=0.0)
    for i, j in sorted({(int(i), int(j)) for _, i, j in np.argwhere(off) if i < j}):
        out.append(Issue("not-reciprocal",
                         f"entries [{i}][{j}] = {flat[0, i, j]:g} and [{j}][{i}] = "
                         f"{flat[0, j, i]:g} are not reciprocal (their product must be 1)",
                         field=f"{field}[{j}][{i}]",
                         fix=f"set [{j}][{i}] to 1/{flat[0, i, j]:g} (fractions such as '1/3' "
                             "may be written as strings)"))
    return out


def ahp(matrix: npt.ArrayLike, *, variant: str = "eigenvector",
        random_index_value: float | None = None, warn: bool = True) -> AHPResult:
    """Weights, ``λmax`` and consistency ratio of a pairwise comparison matrix.

    Parameters
    ----------
    matrix : array_like, ``[n, n]`` or ``[D, n, n]``
        Positive reciprocal matrix; a leading draws axis is allowed.
    variant : {"eigenvector", "geometric_mean"}
        How the weights are derived (module docstring). ``λmax`` and the CR are
        the same for both.
    random_index_value : float, optional
        Override Saaty's (1980) random index, e.g. for ``n > 10``.
    warn : bool
        Emit a :class:`UserWarning` when the CR exceeds the threshold. The warning
        is also kept in ``result.issues`` either way.

    Returns
    -------
    AHPResult

    Raises
    ------
    AppraisalValidationError
        Non-square, non-positive, non-reciprocal matrices or a diagonal other than 1,
        each located as ``matrix[i][j]``; an unknown variant; ``n > 10`` without a
        random index.

    Examples
    --------
    Saaty's (2008) drinks-consumption matrix (coffee, wine, tea, beer, sodas,
    milk, water):

    >>> r = ahp([[1, 9, 5, 2, 1, 1, 1/2], [1/9, 1, 1/3, 1/9, 1/9, 1/9, 1/9],
    ...          [1/5, 3, 1, 1/3, 1/4, 1/3, 1/9], [1/2, 9, 3, 1, 1/2, 1, 1/3],
    ...          [1, 9, 4, 2, 1, 2, 1/2], [1, 9, 3, 1, 1/2, 1, 1/3],
    ...          [2, 9, 9, 3, 2, 3, 1]])
    >>> r.weights.round(3).tolist()
    [0.177, 0.019, 0.042, 0.116, 0.19, 0.129, 0.327]
    >>> round(float(r.consistency_ratio), 3), r.is_consistent
    (0.022, True)
    """
    if variant not in AHP_VARIANTS:
        raise AppraisalValidationError([Issue(
            "bad-choice", f"unknown AHP variant {variant!r}", field="variant",
            fix=f"use one of {', '.join(AHP_VARIANTS)}")], source="ahp")
    a = np.asarray(matrix, dtype=float)
    problems = matrix_problems(a)
    if problems:
        raise AppraisalValidationError(problems, source="ahp")
    n = a.shape[-1]
    if random_index_value is None:
        try:
            ri = random_index(n)
        except ParameterError as exc:
            raise AppraisalValidationError([Issue(
                "too-many-items", str(exc), field="matrix",
                fix="Saaty recommends comparing at most about 7 ± 2 items at once")],
                source="ahp") from None
        source = RANDOM_INDEX_TABLE
    else:
        ri, source = float(random_index_value), "given by the caller"
    weights, lam = ahp_kernel(a, variant)
    if n <= 2:
        lam = np.full_like(lam, float(n))  # exactly consistent; removes round-off
    ci = (lam - n) / (n - 1) if n > 2 else np.zeros_like(lam)
    cr = ci / ri if n > 2 else np.zeros_like(lam)
    threshold = consistency_threshold(n)
    issues: tuple[Issue, ...] = ()
    if np.any(cr > threshold):
        worst = float(np.max(cr))
        issue = Issue("ahp-inconsistent",
                      f"consistency ratio {worst:.3f} is above {threshold:.2f}, the "
                      f"threshold for a {n} x {n} matrix (Saaty 1994) "
                      f"(λmax = {float(np.max(lam)):.3f}, n = {n}, RI = {ri:.2f})",
                      field="matrix", severity=Severity.WARNING,
                      fix="revisit the judgements that disagree most with the derived weights")
        issues = (issue,)
        if warn:
            warnings.warn(str(issue), UserWarning, stacklevel=2)
    return AHPResult(weights=weights, lambda_max=lam, consistency_index=ci, consistency_ratio=cr,
                     random_index=ri, threshold=threshold, variant=variant,
                     random_index_source=source, issues=issues)
