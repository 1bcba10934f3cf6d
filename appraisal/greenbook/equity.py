"""Equity weights (kernels): weights by income, income ratios from weights, incidence, Atkinson/EDE.

The distributional lens that applies them to a case (weighted NPSV, the η sweep) is
:mod:`appraisal.lenses.distributional`.

Green Book 2018 Annex A3 (paras A3.12–A3.22; chapter 7 of the 2026 edition): a pound to
someone on income ``y`` is worth ``w = (ŷ / y) ** η`` pounds to someone on the reference
income ``ŷ`` (median equivalised household income), with ``η = 1.3`` (Layard, Mayraz and
Nickell 2008), shipped in ``data/green_book/equity.csv``. Weighted results are always
reported **beside** unweighted ones, never instead of them.

Each line may say how its impact falls across groups (``incidence``: shares summing to
one). Lines without an incidence fall on taxpayers at the reference income (weight 1,
Green Book A3.19), shown as "unallocated". Then, per option::

    NPSV_w(η) = Σ_lines ± PV_l · (u_l + Σ_g s_lg · (ŷ / y_g) ** η)

Lines valued in WELLBYs keep weight 1 (:func:`weighting_incidence`, the one place line
weights are set up, used by this module, :mod:`appraisal.lenses.lens_draws` and the uncertainty
lens): income weights rest on the diminishing marginal utility of *income* (Green Book
2018 A3.12–A3.13: "financial benefits for lower income households are given a higher
social value"), and a WELLBY is already a unit of wellbeing, valued at one standard
amount whoever gains it, so weighting it by income would count that effect twice. A case
may opt in (``distribution: {weight_wellbeing: true}``), with a warning; the output shows
the weighted NPSV both ways and which lines were left unweighted.

The η sweep (0 to 2), the η at which the preferred option changes (root of the NPSV
difference, found with Brent's method between the sweep points where the preference
flips) and an Atkinson / equally-distributed-equivalent (EDE) summary follow. The
incomes are the user's (the Green Book quintile table could not be confirmed, so none
is shipped): give them with their source in the case's ``distribution:`` section.

The EDE summary (Atkinson 1970, inequality aversion ε = η) turns each group's
incremental net benefit into an equivalent annual amount per household (PV divided by
the same annuity factor as the EAC, :func:`appraisal.greenbook.discounting.annuity_factor`: the sum
of the STPR's discount factors over the years of the appraisal period, and by the group's
households; unallocated impacts shared equally per household) and compares
``EDE = (Σ p_g y_g^(1−ε))^(1/(1−ε))`` (geometric mean when ε = 1) before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = [
    "ETA_SWEEP",
    "DistributionSpec",
    "atkinson_index",
    "ede_income",
    "equity_weights",
    "incidence_arrays",
    "income_ratios",
    "line_weights",
    "shipped_eta",
    "weights_kernel",
]

#: The range of η swept in every distributional analysis (issue 3: "η runs from 0 to 2").
ETA_SWEEP = (0.0, 2.0)
_SWEEP_POINTS = 201


def shipped_eta(pack: ParameterPack | None = None) -> ParameterRow:
    """The shipped elasticity of marginal utility of income (η), with its provenance.

    Examples
    --------
    >>> row = shipped_eta()
    >>> row.value, row.confidence
    (1.3, 'C')
    """
    return (pack or ParameterPack.green_book()).row("equity", parameter="eta")


# ------------------------------------------------------------------------------ kernels
def weights_kernel(incomes: npt.ArrayLike, reference: npt.ArrayLike, eta: npt.ArrayLike
                   ) -> np.ndarray:
    """``(reference / incomes) ** eta`` (kernel; does not validate).

    ``eta`` of shape ``(D,)`` gives weights of shape ``(D, G)``.
    """
    ratio = np.asarray(reference, dtype=np.float64) / np.asarray(incomes, dtype=np.float64)
    e = np.asarray(eta, dtype=np.float64)
    return ratio ** (e[..., None] if e.ndim else e)


def line_weights(group_weights: npt.ArrayLike, shares: npt.ArrayLike,
                 unallocated: npt.ArrayLike) -> np.ndarray:
    """Weight of each line: ``unallocated_l + Σ_g shares_lg · w_g`` (kernel).

    ``group_weights`` ``(..., G)`` (e.g. draws by groups), ``shares`` ``(L, G)``,
    ``unallocated`` ``(L,)``; returns ``(..., L)``.

    Examples
    --------
    >>> line_weights([2.0, 0.5], [[0.5, 0.5], [0.0, 0.0]], [0.0, 1.0]).tolist()
    [1.25, 1.0]
    """
    return (np.asarray(group_weights, dtype=np.float64) @ np.asarray(shares, dtype=np.float64).T
            + np.asarray(unallocated, dtype=np.float64))


def _ede(incomes: np.ndarray, epsilon: float, population: np.ndarray) -> float:
    p = population / population.sum()
    if np.isclose(epsilon, 1.0):
        return float(np.exp(np.sum(p * np.log(incomes))))
    return float(np.sum(p * incomes ** (1.0 - epsilon)) ** (1.0 / (1.0 - epsilon)))


# ------------------------------------------------------------------- validating wrappers
def _positive(issues: Issues, name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr > 0))
    if arr.size == 0 or bad.any():
        got = arr[bad].ravel()[0] if bad.any() else "nothing"
        issues.error("out-of-range", f"'{name}' must be positive incomes (got {got})",
                     location=name, field=name,
                     fix="give every group a positive income, in £ a year")
    return arr


def _eta(issues: Issues, eta: Any) -> np.ndarray:
    if eta is None:
        return np.asarray(float(shipped_eta().value))
    arr = np.asarray(eta, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        issues.error("out-of-range", f"'eta' must be a finite number >= 0 (got {eta!r})",
                     location="eta", field="eta", fix="the Green Book value is 1.3")
    return arr


def equity_weights(incomes: npt.ArrayLike, reference_income: float,
                   eta: npt.ArrayLike | None = None) -> np.ndarray:
    """Distributional weights ``w = (reference_income / income) ** eta``.

    Parameters
    ----------
    incomes : array_like
        Equivalised income of each group (e.g. quintile medians), £ a year.
    reference_income : float
        The reference income ŷ (Green Book: median equivalised household income).
    eta : float or array_like, optional
        Elasticity of marginal utility of income; default the shipped value, 1.3
        (Green Book 2018 A3.12, Layard, Mayraz and Nickell 2008). An array of shape
        ``(D,)`` gives weights of shape ``(D, G)``.

    Raises
    ------
    AppraisalValidationError
        If an income or the reference income is not positive, or ``eta`` is negative.

    References
    ----------
    HM Treasury (2018), The Green Book, Annex A3, paras A3.12–A3.14.

    Examples
    --------
    >>> equity_weights([20_000, 40_000], 40_000, eta=1.0).tolist()
    [2.0, 1.0]
    >>> round(float(equity_weights([20_000], 40_000)[0]), 3)   # 2 ** 1.3
    2.462
    """
    issues = Issues()
    y = _positive(issues, "incomes", incomes)
    ref = _positive(issues, "reference_income", reference_income)
    e = _eta(issues, eta)
    issues.raise_if_errors("equity_weights")
    return weights_kernel(y, ref, e)


def income_ratios(weights: npt.ArrayLike, eta: npt.ArrayLike | None = None) -> np.ndarray:
    """Group income relative to the reference income implied by distributional weights.

    The inverse of :func:`equity_weights`: from ``w = (ŷ / y) ** eta``,
    ``y / ŷ = w ** (-1 / eta)``. Use it to read a published table of weights (e.g. by
    income quintile) as the incomes the weights assume.

    Parameters
    ----------
    weights : array_like
        Distributional weight of each group (positive; 1 at the reference income).
    eta : float or array_like, optional
        The elasticity the weights were derived with; default the shipped value, 1.3
        (Green Book 2018 A3.12). Must be positive: at ``eta = 0`` every weight is 1 and
        no income ratio can be recovered.

    Raises
    ------
    AppraisalValidationError
        If a weight is not positive, or ``eta`` is not positive.

    Examples
    --------
    >>> income_ratios([2.0, 1.0, 0.5], eta=1.0).tolist()
    [0.5, 1.0, 2.0]
    >>> w = equity_weights([15_000, 29_000, 62_000], 29_000)
    >>> np.allclose(income_ratios(w) * 29_000, [15_000, 29_000, 62_000])
    True
    """
    issues = Issues()
    w = np.asarray(weights, dtype=np.float64)
    bad = ~(np.isfinite(w) & (w > 0))
    if w.size == 0 or bad.any():
        got = w[bad].ravel()[0] if bad.any() else "nothing"
        issues.error("out-of-range", f"'weights' must be positive numbers (got {got})",
                     location="weights", field="weights",
                     fix="give each group's weight (1 at the reference income)")
    e = _eta(issues, eta)
    if not issues.has_errors and np.any(e <= 0):
        issues.error("out-of-range", "'eta' must be positive to recover incomes from "
                     "weights (at eta = 0 every weight is 1)", location="eta", field="eta",
                     fix="give the eta the weights were derived with")
    issues.raise_if_errors("income_ratios")
    return w ** (-1.0 / (e[..., None] if e.ndim else e))


def ede_income(incomes: npt.ArrayLike, eta: float | None = None,
               population: npt.ArrayLike | None = None) -> float:
    """Equally-distributed-equivalent income (Atkinson 1970), inequality aversion ``eta``.

    Examples
    --------
    >>> round(ede_income([10_000, 40_000], eta=1.0), 2)   # the geometric mean
    20000.0
    """
    issues = Issues()
    y = _positive(issues, "incomes", incomes)
    e = _eta(issues, eta)
    p = np.ones_like(y) if population is None else _positive(issues, "population", population)
    issues.raise_if_errors("ede_income")
    return _ede(y, float(e), p)


def atkinson_index(incomes: npt.ArrayLike, eta: float | None = None,
                   population: npt.ArrayLike | None = None) -> float:
    """Atkinson inequality index ``1 − EDE / mean`` (0 = equal; towards 1 = unequal).

    Examples
    --------
    >>> round(atkinson_index([10_000, 40_000], eta=1.0), 4)
    0.2
    >>> atkinson_index([30_000, 30_000])
    0.0
    """
    issues = Issues()
    y = _positive(issues, "incomes", incomes)
    p = np.ones_like(y) if population is None else _positive(issues, "population", population)
    e = _eta(issues, eta)
    issues.raise_if_errors("atkinson_index")
    mean = float(np.sum(p * y) / p.sum())
    return max(0.0, 1.0 - _ede(y, float(e), p) / mean)


# ---------------------------------------------------------------------------- the spec
@dataclass(frozen=True, slots=True)
class DistributionSpec:
    """The groups of a case's distributional analysis, lowest income first.

    ``reference_income`` defaults to the (household-weighted) median of the group
    incomes, which for quintile medians is the middle quintile's: the overall median.
    """

    groups: tuple[str, ...]
    incomes: tuple[float, ...]
    reference_income: float | None = None
    eta: float | None = None
    households: tuple[float, ...] | None = None
    grouping: str = "income quintile"
    income_source: str = ""
    weight_wellbeing: bool = False
    weights: tuple[float, ...] | None = None
    weights_source: str = ""

    @property
    def reference(self) -> float:
        """The reference income ŷ."""
        if self.reference_income is not None:
            return float(self.reference_income)
        y = np.asarray(self.incomes, dtype=np.float64)
        w = np.asarray(self.households or [1.0] * len(y), dtype=np.float64)
        order = np.argsort(y)
        cum = np.cumsum(w[order]) / w.sum()
        k = int(np.searchsorted(cum, 0.5))
        if np.isclose(cum[k], 0.5) and k + 1 < len(y):
            return float((y[order][k] + y[order][k + 1]) / 2)
        return float(y[order][k])

    def eta_value(self, pack: ParameterPack | None = None) -> float:
        """η for this case: its own, else the shipped value."""
        return float(self.eta) if self.eta is not None else float(shipped_eta(pack).value)


def incidence_arrays(lines: Sequence[Any], groups: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Shares ``(L, G)`` and unallocated share ``(L,)`` from the lines' incidence maps.

    A line without an incidence is wholly unallocated (it falls at the reference income).
    """
    index = {g: k for k, g in enumerate(groups)}
    shares = np.zeros((len(lines), len(groups)))
    for i, line in enumerate(lines):
        for g, s in line.incidence.items():
            shares[i, index[g]] = s
    unallocated = np.where(shares.sum(axis=1) > 0, 0.0, 1.0)
    return shares, unallocated
