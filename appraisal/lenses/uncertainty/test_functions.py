"""Functions with known Sobol indices, to check the sensitivity machinery yourself.

Each function is a model in the form the uncertainty kernels take (``model(inputs) ->
{"y": array}``, inputs a mapping of name to draws), with the input distributions it is
defined on (:attr:`TestFunction.specs`) and its analytic variance decomposition: total
variance ``V``, first-order partial variances ``V_i`` and total-order partial variances
``V_Ti``, and the indices ``S1 = V_i / V`` and ``ST = V_Ti / V``.

- :func:`ishigami`: ``y = sin x1 + a sin² x2 + b x3⁴ sin x1``, ``x_i ~ U(-π, π)``
  (Ishigami and Homma 1990). ``V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2``,
  ``V1 = (1 + bπ⁴/5)² / 2``, ``V2 = a²/8``, ``V3 = 0``, and the only interaction
  ``V13 = b²π⁸ (1/18 - 1/50) = 8 b²π⁸ / 225``, so ``V_T1 = V1 + V13``, ``V_T2 = V2``,
  ``V_T3 = V13`` (Saltelli et al. 2008, sec. 4.9; Sobol' and Levitan 1999).
- :func:`sobol_g`: ``y = Π (|4 x_i - 2| + a_i) / (1 + a_i)``, ``x_i ~ U(0, 1)``
  (Sobol' 1998; Saltelli et al. 2008, sec. 3.6; Saltelli et al. 2010). Each factor has
  mean 1 and variance ``V_i = (1/3) / (1 + a_i)²``; ``V = Π (1 + V_i) - 1`` and
  ``V_Ti = V_i Π_{j≠i} (1 + V_j)``.

Run a Sobol analysis on one and compare (the known-answer tests in
``tests/test_method_uncertainty.py`` do this):

>>> from appraisal.lenses.uncertainty.gsa import sobol_analysis
>>> f = ishigami()
>>> f.first_order.round(4).tolist(), f.total_order.round(4).tolist()
([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437])
>>> res = sobol_analysis(f, f.specs, 2**12, rng=1)
>>> bool(np.allclose(res.indices["S1"][0], f.first_order, atol=0.05))
True

(This module is not a pytest test module despite its name: ``pyproject.toml`` limits
``python_files`` to the ``tests/`` folder; its examples run as doctests.)

References
----------
Ishigami, T. and Homma, T. (1990). An importance quantification technique in uncertainty
analysis for computer models. *Proc. ISUMA '90*, 398-403.
Sobol', I. M. (1998). On quasi-Monte Carlo integrations. *Mathematics and Computers in
Simulation* 47, 103-112.
Sobol', I. M. and Levitan, Yu. L. (1999). On the use of variance reducing multipliers in
Monte Carlo computations of a global sensitivity index. *Computer Physics Communications*
117, 52-61.
Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley.
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. *Computer Physics Communications*
181(2), 259-270.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from appraisal.lenses.uncertainty.distributions import Distribution, Uniform

__all__ = ["TestFunction", "ishigami", "sobol_g"]


@dataclass(frozen=True, eq=False)
class TestFunction:
    """A model with its input distributions and analytic variance decomposition.

    ``partial_variance[i]`` is ``V_i`` (first order) and ``total_partial_variance[i]``
    is ``V_Ti`` (everything involving input ``i``), both in output units squared.
    """

    __test__ = False  # not a pytest test class

    name: str
    specs: Mapping[str, Distribution]
    function: Callable[[Mapping[str, np.ndarray]], np.ndarray]
    variance: float
    partial_variance: np.ndarray
    total_partial_variance: np.ndarray

    def __call__(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Evaluate draws (``{name: (D,) array}``) to ``{"y": (D,) array}``."""
        return {"y": np.asarray(self.function(inputs), dtype=np.float64)}

    @property
    def first_order(self) -> np.ndarray:
        """Analytic first-order indices ``S1_i = V_i / V``."""
        return self.partial_variance / self.variance

    @property
    def total_order(self) -> np.ndarray:
        """Analytic total-order indices ``ST_i = V_Ti / V``."""
        return self.total_partial_variance / self.variance


def ishigami(a: float = 7.0, b: float = 0.1) -> TestFunction:
    """The Ishigami function on ``U(-π, π)³`` (see the module docstring).

    Examples
    --------
    >>> f = ishigami()
    >>> round(f.variance, 4), f.partial_variance.round(4).tolist()
    (13.8446, [4.3459, 6.125, 0.0])
    >>> f({"x1": np.array([np.pi / 2]), "x2": np.array([0.0]), "x3": np.array([1.0])})
    {'y': array([1.1])}
    """
    pi4, pi8 = np.pi**4, np.pi**8
    v1 = 0.5 * (1.0 + b * pi4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = b**2 * pi8 * (1.0 / 18.0 - 1.0 / 50.0)
    variance = a**2 / 8.0 + b * pi4 / 5.0 + b**2 * pi8 / 18.0 + 0.5

    def function(x: Mapping[str, np.ndarray]) -> np.ndarray:
        return (np.sin(x["x1"]) + a * np.sin(x["x2"]) ** 2
                + b * x["x3"] ** 4 * np.sin(x["x1"]))

    specs = {f"x{i}": Uniform(-np.pi, np.pi) for i in (1, 2, 3)}
    return TestFunction(f"Ishigami (a={a:g}, b={b:g})", specs, function, variance,
                        np.array([v1, v2, 0.0]), np.array([v1 + v13, v2, v13]))


def sobol_g(a: Sequence[float] = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0)
            ) -> TestFunction:
    """Sobol's G function on ``U(0, 1)^k``, ``k = len(a)`` (see the module docstring).

    The default ``a`` is the eight-input version in SALib's ``test_functions.Sobol_G``
    (whose comments round its first-order indices to 0.7165, 0.1791, 0.0237, 0.0072 and
    0.0001; the formula gives the values below).

    Examples
    --------
    >>> f = sobol_g()
    >>> f.first_order.round(4).tolist()[:5]
    [0.7162, 0.179, 0.0237, 0.0072, 0.0001]
    >>> bool(np.isclose(f.variance, np.prod(1 + f.partial_variance) - 1))
    True
    """
    coeffs = np.asarray(a, dtype=np.float64)
    vi = (1.0 / 3.0) / (1.0 + coeffs) ** 2
    variance = float(np.prod(1.0 + vi) - 1.0)
    vti = np.array([vi[i] * np.prod(np.delete(1.0 + vi, i)) for i in range(coeffs.size)])

    def function(x: Mapping[str, np.ndarray]) -> np.ndarray:
        terms = [(np.abs(4.0 * x[f"x{i}"] - 2.0) + coeffs[i]) / (1.0 + coeffs[i])
                 for i in range(coeffs.size)]
        return np.prod(terms, axis=0)

    specs = {f"x{i}": Uniform(0.0, 1.0) for i in range(coeffs.size)}
    return TestFunction(f"Sobol G (a={list(coeffs)})", specs, function, variance, vi, vti)
