"""Frozen input distributions with a vectorised inverse CDF (``ppf``).

Every distribution maps uniform numbers ``u`` in (0, 1), of any shape, to values of the
same shape with :meth:`Distribution.ppf`. Sampling, correlation and global sensitivity
analysis all work on the unit hypercube and map through ``ppf``, so that one method is all
a distribution needs to take part in every analysis.

Each distribution states its ``mean``, ``median`` and ``central`` value. ``central`` is the
value a deterministic (single-draw) appraisal uses: the point the elicitation was centred on.

=================  ==========================================================
distribution       central value
=================  ==========================================================
``Uniform``        midpoint
``Triangular``     mode (the elicited most likely value)
``PERT``           mode
``Normal``         the ``mean`` parameter (clipped into the truncation range)
``LogNormal``      median, ``exp(meanlog)``
``Interval90``     median: midpoint (normal) or geometric midpoint (lognormal)
``Discrete``       index of ``default``, else of the most probable value
``Constant``       the value
=================  ==========================================================

:class:`Discrete` returns integer *indices* into its ``values`` from ``ppf`` (and as its
``central``), so choices such as a discount-schedule name or a carbon-value scenario travel
through numeric arrays; :meth:`Discrete.lookup` turns indices back into values.

:func:`parse_distribution` builds a distribution from a plain mapping such as
``{"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3}`` and records every problem
as a located :class:`~appraisal.errors.Issue`. Building a distribution in Python runs the
same checks and raises one :class:`~appraisal.errors.AppraisalValidationError` holding every
problem.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues
from appraisal.fields import did_you_mean, field_path

__all__ = [
    "DISTRIBUTION_KINDS",
    "PERT",
    "Constant",
    "Discrete",
    "Distribution",
    "Interval90",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "parse_distribution",
]

PathKey = str | int
Locator = Callable[[tuple[PathKey, ...]], str]
# report(key, code, message, fix): key is the parameter at fault, or None for the whole spec
Report = Callable[[str | None, str, str, str], None]

# Smallest truncated-normal mass accepted: below it the range sits far in a tail, which
# almost always means the bounds and the mean are in different units.
_MIN_TRUNCATED_MASS = 1e-12
# Tolerance on probabilities summing to one (values typed from spreadsheets are rounded).
_PROBABILITY_SUM_TOLERANCE = 1e-6


def _special() -> Any:
    """:mod:`scipy.special`, imported on first use (``import appraisal`` stays light)."""
    from scipy import special

    return special


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_float(value: Any, key: str, report: Report, *, required: bool = True) -> float | None:
    """Return ``value`` as a finite float, or report why it is not one."""
    if value is None:
        if required:
            report(key, "missing-parameter", f"'{key}' is required", f"add '{key}: <number>'")
        return None
    if not _is_number(value):
        report(key, "not-a-number",
               f"'{key}' must be a number (got {value!r} of type {type(value).__name__})",
               "write a plain number without units or quotes")
        return None
    if not math.isfinite(out := float(value)):
        report(key, "not-finite", f"'{key}' must be finite (got {out})", "give a finite number")
        return None
    return out


def _check_order(low: float | None, high: float | None, report: Report) -> None:
    if low is not None and high is not None and low > high:
        report("low", "low-above-high", f"'low' ({low:g}) must not exceed 'high' ({high:g})",
               "swap 'low' and 'high'")


def _check_sign(value: float | None, key: str, report: Report, *, strict: bool,
                fix: str) -> None:
    if value is not None and (value <= 0 if strict else value < 0):
        need = "greater than 0" if strict else "zero or positive"
        report(key, "not-positive" if strict else "negative-spread",
               f"'{key}' must be {need} (got {value:g})", fix)


def _check_uniform(p: Mapping[str, Any], report: Report) -> None:
    _check_order(_as_float(p.get("low"), "low", report),
                 _as_float(p.get("high"), "high", report), report)


def _check_low_mode_high(p: Mapping[str, Any], report: Report) -> None:
    low = _as_float(p.get("low"), "low", report)
    mode = _as_float(p.get("mode"), "mode", report)
    high = _as_float(p.get("high"), "high", report)
    _check_order(low, high, report)
    if low is not None and mode is not None and high is not None and low <= high \
            and not low <= mode <= high:
        report("mode", "mode-outside-range",
               f"'mode' ({mode:g}) must lie between 'low' ({low:g}) and 'high' ({high:g})",
               "move the mode inside the range or widen the range")


def _check_pert(p: Mapping[str, Any], report: Report) -> None:
    _check_low_mode_high(p, report)
    _check_sign(_as_float(p.get("lamb", 4.0), "lamb", report), "lamb", report, strict=True,
                fix="use lamb: 4 for classic PERT")


def _truncated_mass(alpha: float, beta: float) -> float:
    """Standard-normal probability of ``[alpha, beta]``, accurate in either tail."""
    if alpha > 0.0:
        return float(_special().ndtr(-alpha) - _special().ndtr(-beta))
    return float(_special().ndtr(beta) - _special().ndtr(alpha))


def _check_normal(p: Mapping[str, Any], report: Report) -> None:
    mean = _as_float(p.get("mean"), "mean", report)
    sd = _as_float(p.get("sd"), "sd", report)
    low = _as_float(p.get("low"), "low", report, required=False)
    high = _as_float(p.get("high"), "high", report, required=False)
    _check_sign(sd, "sd", report, strict=False, fix="give the standard deviation as a "
                "positive number")
    if low is not None and high is not None and low >= high:
        report("low", "low-above-high", f"truncation 'low' ({low:g}) must be below 'high' "
               f"({high:g})", "swap the bounds, or use a constant for a fixed value")
    elif mean is None or sd is None or sd < 0 or (low is None and high is None):
        pass
    elif sd == 0.0:
        if (low is not None and mean < low) or (high is not None and mean > high):
            report("mean", "mean-outside-range", f"with sd 0 the 'mean' ({mean:g}) must lie "
                   "inside the truncation range", "move the mean inside [low, high]")
    else:
        alpha = -math.inf if low is None else (low - mean) / sd
        beta = math.inf if high is None else (high - mean) / sd
        if not (mass := _truncated_mass(alpha, beta)) >= _MIN_TRUNCATED_MASS:
            report(None, "truncation-empty",
                   f"the range [{low}, {high}] holds almost none of the normal's probability "
                   f"(mean {mean:g}, sd {sd:g}; mass {mass:.3g})",
                   "check that mean, sd and bounds are in the same units")


def _check_lognormal(p: Mapping[str, Any], report: Report) -> None:
    _as_float(p.get("meanlog"), "meanlog", report)
    _check_sign(_as_float(p.get("sdlog"), "sdlog", report), "sdlog", report, strict=False,
                fix="give sdlog as a positive number")


def _check_lognormal_median(p: Mapping[str, Any], report: Report) -> None:
    _check_sign(_as_float(p.get("median"), "median", report), "median", report, strict=True,
                fix="a log-normal quantity must be positive")
    gsd = _as_float(p.get("gsd"), "gsd", report)
    if gsd is not None and gsd < 1.0:
        report("gsd", "gsd-below-one", f"'gsd' (geometric sd) must be at least 1 (got {gsd:g})",
               "give the multiplicative spread, e.g. gsd: 1.5 for about ±50%")


def _check_lognormal_mean(p: Mapping[str, Any], report: Report) -> None:
    _check_sign(_as_float(p.get("mean"), "mean", report), "mean", report, strict=True,
                fix="a log-normal quantity must have a positive mean")
    _check_sign(_as_float(p.get("sd"), "sd", report), "sd", report, strict=False,
                fix="give sd as a positive number")


def _check_interval90(p: Mapping[str, Any], report: Report) -> None:
    low = _as_float(p.get("low"), "low", report)
    _check_order(low, _as_float(p.get("high"), "high", report), report)
    shape = p.get("shape", "normal")
    if shape not in ("normal", "lognormal"):
        report("shape", "unknown-shape", f"'shape' must be normal or lognormal (got {shape!r})",
               "use shape: lognormal for positive, skewed quantities")
    elif shape == "lognormal":
        _check_sign(low, "low", report, strict=True,
                    fix="a log-normal interval needs low > 0; use shape: normal otherwise")


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _check_discrete(p: Mapping[str, Any], report: Report) -> None:
    values, probs, default = p.get("values"), p.get("probabilities"), p.get("default")
    if not _is_list(values) or not values or \
            not all((_is_number(v) and math.isfinite(v)) or isinstance(v, str) for v in values):
        report("values", "bad-values",
               f"'values' must be a non-empty list of numbers or names (got {values!r})",
               "list the possible values, e.g. values: [low, central, high]")
        return
    if len(set(values)) != len(values):
        report("values", "duplicate-value", f"'values' lists a value twice ({list(values)!r})",
               "list each value once and add up their probabilities")
    if probs is None:
        pass
    elif not _is_list(probs) or len(probs) != len(values) or \
            not all(_is_number(x) and math.isfinite(x) for x in probs):
        report("probabilities", "bad-probabilities",
               f"'probabilities' must be a list of {len(values)} numbers, one per value "
               f"(got {probs!r})", "give one probability per value")
    elif any(x < 0 or x > 1 for x in probs):
        report("probabilities", "bad-probabilities",
               f"each probability must lie in [0, 1] (got {list(probs)!r})",
               "give probabilities between 0 and 1, not percentages")
    elif abs(math.fsum(probs) - 1.0) > _PROBABILITY_SUM_TOLERANCE:
        report("probabilities", "probabilities-not-one",
               f"probabilities must sum to 1 (they sum to {math.fsum(probs):.6g})",
               "rescale the probabilities so they add up to 1")
    if default is not None and default not in values:
        report("default", "unknown-default",
               f"'default' {default!r} is not one of the values {list(values)!r}",
               "set default to one of the listed values")


def _check_constant(p: Mapping[str, Any], report: Report) -> None:
    _as_float(p.get("value"), "value", report)


# Beta inverse CDF for large arrays: scipy's betaincinv costs about 1.5 µs a value, so big
# samples use a cubic Hermite table in logit(u) (exact derivatives from the density;
# relative error below 1e-10 in the tests) and the exact function outside the table.
_BETA_TABLE_MIN_SIZE = 4096
_LOGIT_SPAN = 14.0  # the table covers u in (8.3e-7, 1 - 8.3e-7)
_TABLE_POINTS = 2**14 + 1


@functools.lru_cache(maxsize=64)
def _beta_table(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Values and logit-derivatives of the Beta(a, b) inverse CDF on the table grid."""
    u = _special().expit(np.linspace(-_LOGIT_SPAN, _LOGIT_SPAN, _TABLE_POINTS))
    x = _special().betaincinv(a, b, u)
    log_pdf = (a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - _special().betaln(a, b)
    return x, np.exp(np.log(u) + np.log1p(-u) - log_pdf)  # dx/dlogit(u) = u(1-u)/pdf(x)


def _beta_ppf(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """Beta(a, b) inverse CDF (a, b >= 1) by table interpolation; pure kernel."""
    x, dx = _beta_table(a, b)
    step = 2.0 * _LOGIT_SPAN / (_TABLE_POINTS - 1)
    t = _special().logit(u)
    s = (np.clip(t, -_LOGIT_SPAN, _LOGIT_SPAN) + _LOGIT_SPAN) / step
    i = np.minimum(s.astype(np.intp), _TABLE_POINTS - 2)
    f = s - i
    f2 = f * f
    out = (x[i] * (1.0 + f2 * (2.0 * f - 3.0)) + x[i + 1] * (f2 * (3.0 - 2.0 * f))
           + step * (dx[i] * (f * (f - 1.0) ** 2) + dx[i + 1] * (f2 * (f - 1.0))))
    outside = np.abs(t) >= _LOGIT_SPAN
    if outside.any():
        out[outside] = _special().betaincinv(a, b, u[outside])
    return out


def _raise_if_invalid(check: Callable[[Report], None], source: str) -> None:
    """Run ``check`` with an unlocated reporter and raise every problem at once."""
    issues = Issues()

    def report(key: str | None, code: str, message: str, fix: str) -> None:
        issues.error(code, message, field=key or "", fix=fix)

    check(report)
    issues.raise_if_errors(source)


class Distribution(abc.ABC):
    """Base class: a frozen distribution with a vectorised inverse CDF.

    Subclasses are frozen dataclasses; construction validates the parameters (raising
    :class:`~appraisal.errors.AppraisalValidationError` with every problem) and stores
    numbers as floats. ``parse_distribution(d.to_dict(), ...)`` rebuilds ``d``.
    """

    kind: ClassVar[str]
    _check: ClassVar[Callable[[Mapping[str, Any], Report], None]]
    _floats: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        params = vars(self)
        _raise_if_invalid(lambda r: type(self)._check(params, r), type(self).__name__)
        for name in self._floats:
            object.__setattr__(self, name, float(getattr(self, name)))

    @abc.abstractmethod
    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF at ``u`` in (0, 1), elementwise; the result has ``u``'s shape."""

    @property
    @abc.abstractmethod
    def mean(self) -> float | None:
        """Expected value (``None`` where undefined, e.g. categorical choices)."""

    @property
    def median(self) -> float | None:
        """Median (``None`` where undefined)."""
        return float(self.ppf(0.5))

    @property
    def central(self) -> float | int:
        """The value a deterministic appraisal uses (see the module docstring)."""
        return self.median  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form accepted by :func:`parse_distribution`."""
        out: dict[str, Any] = {"dist": self.kind}
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            if (value := getattr(self, item.name)) is not None:
                out[item.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``; ``low == high`` gives a constant.

    Examples
    --------
    >>> Uniform(0.0, 10.0).ppf([0.1, 0.5]).tolist(), Uniform(0.0, 10.0).central
    ([1.0, 5.0], 5.0)
    """

    low: float
    high: float
    kind: ClassVar[str] = "uniform"
    _check = staticmethod(_check_uniform)
    _floats = ("low", "high")

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        return self.low + np.asarray(u, dtype=np.float64) * (self.high - self.low)

    @property
    def mean(self) -> float:
        """Midpoint."""
        return 0.5 * (self.low + self.high)


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on ``[low, high]`` with most likely value ``mode``.

    Examples
    --------
    >>> d = Triangular(0.8, 1.0, 1.3)
    >>> round(d.mean, 4), d.central, d.ppf([0.0, 1.0]).tolist()
    (1.0333, 1.0, [0.8, 1.3])
    """

    low: float
    mode: float
    high: float
    kind: ClassVar[str] = "triangular"
    _check = staticmethod(_check_low_mode_high)
    _floats = ("low", "mode", "high")

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        u = np.asarray(u, dtype=np.float64)
        width = self.high - self.low
        if width == 0.0:
            return np.full(u.shape, self.low)
        left = self.low + np.sqrt(u * width * (self.mode - self.low))
        right = self.high - np.sqrt((1.0 - u) * width * (self.high - self.mode))
        return np.where(u < (self.mode - self.low) / width, left, right)

    @property
    def mean(self) -> float:
        """``(low + mode + high) / 3``."""
        return (self.low + self.mode + self.high) / 3.0

    @property
    def central(self) -> float:
        """The mode."""
        return self.mode


@dataclass(frozen=True)
class PERT(Distribution):
    """(Modified) PERT: a Beta on ``[low, high]`` with mode ``mode`` and shape ``lamb``.

    The Beta shapes are ``1 + lamb (mode - low) / (high - low)`` and
    ``1 + lamb (high - mode) / (high - low)``; ``lamb = 4`` is classic PERT, whose mean is
    ``(low + 4 mode + high) / 6``.

    Examples
    --------
    >>> d = PERT(0.0, 1.0, 4.0)
    >>> round(d.mean, 6), d.central
    (1.333333, 1.0)
    """

    low: float
    mode: float
    high: float
    lamb: float = 4.0
    kind: ClassVar[str] = "pert"
    _check = staticmethod(_check_pert)
    _floats = ("low", "mode", "high", "lamb")

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        u = np.asarray(u, dtype=np.float64)
        width = self.high - self.low
        if width == 0.0:
            return np.full(u.shape, self.low)
        a = 1.0 + self.lamb * (self.mode - self.low) / width
        b = 1.0 + self.lamb * (self.high - self.mode) / width
        if u.size < _BETA_TABLE_MIN_SIZE:
            return self.low + width * _special().betaincinv(a, b, u)
        return self.low + width * _beta_ppf(a, b, u)

    @property
    def mean(self) -> float:
        """``(low + lamb mode + high) / (lamb + 2)``."""
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2.0)

    @property
    def central(self) -> float:
        """The mode."""
        return self.mode


@dataclass(frozen=True, init=False)
class Normal(Distribution):
    """Normal with ``mean`` and ``sd``, optionally truncated to ``[low, high]``.

    ``sd = 0`` gives a constant. The parameter ``mean`` is stored as ``loc``: the
    :attr:`mean` property is the expected value, which truncation moves.

    Examples
    --------
    >>> round(float(Normal(10.0, 2.0).ppf(0.975)), 4)
    13.9199
    >>> d = Normal(0.0, 1.0, low=0.0)
    >>> d, round(d.mean, 4), d.central
    (Normal(mean=0.0, sd=1.0, low=0.0), 0.7979, 0.0)
    """

    loc: float
    sd: float
    low: float | None = None
    high: float | None = None
    kind: ClassVar[str] = "normal"
    _check = staticmethod(_check_normal)

    def __init__(self, mean: float, sd: float, low: float | None = None,
                 high: float | None = None) -> None:
        params = {"mean": mean, "sd": sd, "low": low, "high": high}
        _raise_if_invalid(lambda r: _check_normal(params, r), "Normal")
        object.__setattr__(self, "loc", float(mean))
        object.__setattr__(self, "sd", float(sd))
        object.__setattr__(self, "low", None if low is None else float(low))
        object.__setattr__(self, "high", None if high is None else float(high))

    def __repr__(self) -> str:
        bounds = "".join(f", {k}={v!r}" for k, v in (("low", self.low), ("high", self.high))
                         if v is not None)
        return f"Normal(mean={self.loc!r}, sd={self.sd!r}{bounds})"

    def _standard_bounds(self) -> tuple[float, float]:
        alpha = -math.inf if self.low is None else (self.low - self.loc) / self.sd
        beta = math.inf if self.high is None else (self.high - self.loc) / self.sd
        return alpha, beta

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        u = np.asarray(u, dtype=np.float64)
        if self.sd == 0.0:
            return np.full(u.shape, self.central)
        if self.low is None and self.high is None:
            return self.loc + self.sd * _special().ndtri(u)
        alpha, beta = self._standard_bounds()
        if alpha > 0.0:
            # Both bounds in the upper tail: invert the survival function, which keeps its
            # precision there (the CDF rounds to 1).
            s_a, s_b = _special().ndtr(-alpha), _special().ndtr(-beta)
            z = -_special().ndtri(s_a - u * (s_a - s_b))
        else:
            p_a, p_b = _special().ndtr(alpha), _special().ndtr(beta)
            z = _special().ndtri(p_a + u * (p_b - p_a))
        return self.loc + self.sd * np.clip(z, alpha, beta)

    @property
    def mean(self) -> float:
        """Expected value, allowing for truncation."""
        if self.sd == 0.0 or (self.low is None and self.high is None):
            return self.central
        alpha, beta = self._standard_bounds()
        phi = [math.exp(-0.5 * x * x) if math.isfinite(x) else 0.0 for x in (alpha, beta)]
        return self.loc + self.sd * (phi[0] - phi[1]) / (
            math.sqrt(2.0 * math.pi) * _truncated_mass(alpha, beta))

    @property
    def central(self) -> float:
        """The ``mean`` parameter, clipped into ``[low, high]``."""
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return min(max(self.loc, low), high)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form accepted by :func:`parse_distribution`."""
        out = super().to_dict()
        out["mean"] = out.pop("loc")
        return out


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal: ``log X`` is normal with mean ``meanlog`` and sd ``sdlog``.

    Build it from the log-scale parameters, from the median and the geometric standard
    deviation (:meth:`from_median`; ``gsd = exp(sdlog)``, so about 68% of draws lie in
    ``[median / gsd, median * gsd]``), or from the arithmetic mean and sd
    (:meth:`from_mean_sd`).

    Examples
    --------
    >>> d = LogNormal.from_median(100.0, 2.0)
    >>> round(d.central, 6), round(float(d.ppf(0.841344746)), 3)
    (100.0, 200.0)
    >>> round(LogNormal.from_mean_sd(50.0, 10.0).mean, 6)
    50.0
    """

    meanlog: float
    sdlog: float
    kind: ClassVar[str] = "lognormal"
    _check = staticmethod(_check_lognormal)
    _floats = ("meanlog", "sdlog")

    @classmethod
    def from_median(cls, median: float, gsd: float) -> LogNormal:
        """From the median (> 0) and the geometric standard deviation ``gsd >= 1``."""
        params = {"median": median, "gsd": gsd}
        _raise_if_invalid(lambda r: _check_lognormal_median(params, r), "LogNormal")
        return cls(math.log(median), math.log(gsd))

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float) -> LogNormal:
        """From the arithmetic mean (> 0) and standard deviation (>= 0)."""
        params = {"mean": mean, "sd": sd}
        _raise_if_invalid(lambda r: _check_lognormal_mean(params, r), "LogNormal")
        sdlog2 = math.log1p((sd / mean) ** 2)
        return cls(math.log(mean) - 0.5 * sdlog2, math.sqrt(sdlog2))

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        return np.exp(self.meanlog + self.sdlog * _special().ndtri(np.asarray(u, np.float64)))

    @property
    def mean(self) -> float:
        """``exp(meanlog + sdlog² / 2)``."""
        return math.exp(self.meanlog + 0.5 * self.sdlog**2)


@dataclass(frozen=True)
class Interval90(Distribution):
    """A 90% interval elicitation: ``P(X < low) = 0.05`` and ``P(X < high) = 0.95``.

    ``shape="normal"`` fits a normal; ``shape="lognormal"`` fits a log-normal (needs
    ``low > 0``) and suits quantities that are positive and skewed.

    Examples
    --------
    >>> [round(float(x), 6) for x in Interval90(10.0, 30.0).ppf([0.05, 0.95])]
    [10.0, 30.0]
    >>> round(Interval90(10.0, 40.0, shape="lognormal").central, 6)
    20.0
    """

    low: float
    high: float
    shape: str = "normal"
    kind: ClassVar[str] = "interval90"
    _check = staticmethod(_check_interval90)
    _floats = ("low", "high")

    @property
    def fitted(self) -> Normal | LogNormal:
        """The normal or log-normal fitted to the interval."""
        z95 = float(_special().ndtri(0.95))
        if self.shape == "lognormal":
            log_lo, log_hi = math.log(self.low), math.log(self.high)
            return LogNormal(0.5 * (log_lo + log_hi), (log_hi - log_lo) / (2.0 * z95))
        return Normal(0.5 * (self.low + self.high), (self.high - self.low) / (2.0 * z95))

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Inverse CDF (see :meth:`Distribution.ppf`)."""
        return self.fitted.ppf(u)

    @property
    def mean(self) -> float:
        """Mean of the fitted distribution."""
        return self.fitted.mean


@dataclass(frozen=True)
class Discrete(Distribution):
    """A finite set of ``values`` with ``probabilities`` (equal if omitted).

    Values may be numbers or names (a schedule, a scenario). :meth:`ppf` and
    :attr:`central` return integer *indices* into ``values``; :meth:`lookup` maps indices
    back to values. ``mean`` and ``median`` are ``None`` unless every value is a number.

    Examples
    --------
    >>> d = Discrete(("low", "central", "high"), (0.25, 0.5, 0.25))
    >>> d.ppf([0.1, 0.5, 0.9]).tolist(), d.central
    ([0, 1, 2], 1)
    >>> d.lookup(d.ppf([0.9])).tolist(), Discrete((1.0, 2.0)).mean
    (['high'], 1.5)
    """

    values: tuple[Any, ...]
    probabilities: tuple[float, ...] | None = None
    default: Any = None
    kind: ClassVar[str] = "discrete"
    _check = staticmethod(_check_discrete)

    def __post_init__(self) -> None:
        super().__post_init__()
        values = tuple(self.values)
        raw = [1.0] * len(values) if self.probabilities is None else \
            [float(p) for p in self.probabilities]
        total = math.fsum(raw)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "probabilities", tuple(p / total for p in raw))

    @property
    def numeric(self) -> bool:
        """True when every value is a number."""
        return all(_is_number(v) for v in self.values)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """Indices into ``values`` (see :meth:`Distribution.ppf`)."""
        cumulative = np.cumsum(self.probabilities)
        cumulative[-1] = 1.0
        index = np.searchsorted(cumulative, np.asarray(u, dtype=np.float64), side="right")
        return np.minimum(index, len(self.values) - 1).astype(np.intp)

    def lookup(self, indices: npt.ArrayLike) -> np.ndarray:
        """Values at ``indices`` (floats if every value is a number, else objects)."""
        table = np.asarray(self.values, dtype=np.float64 if self.numeric else object)
        return table[np.asarray(indices, dtype=np.intp)]

    @property
    def mean(self) -> float | None:
        """Probability-weighted mean of numeric values, else ``None``."""
        if not self.numeric:
            return None
        return math.fsum(float(v) * p for v, p in zip(self.values, self.probabilities,
                                                      strict=True))

    @property
    def median(self) -> float | None:
        """Smallest numeric value with cumulative probability >= 1/2, else ``None``."""
        if not self.numeric:
            return None
        cumulative = 0.0
        for value, prob in sorted(zip(self.values, self.probabilities, strict=True)):
            cumulative += prob
            if cumulative >= 0.5 - 1e-12:
                return float(value)
        return float(max(self.values))

    @property
    def central(self) -> int:
        """Index of ``default``, else of the most probable value."""
        if self.default is not None:
            return self.values.index(self.default)
        return int(np.argmax(self.probabilities))


@dataclass(frozen=True)
class Constant(Distribution):
    """A fixed value (no uncertainty).

    Examples
    --------
    >>> Constant(3.5).ppf([0.2, 0.9]).tolist()
    [3.5, 3.5]
    """

    value: float
    kind: ClassVar[str] = "constant"
    _check = staticmethod(_check_constant)
    _floats = ("value",)

    def ppf(self, u: npt.ArrayLike) -> np.ndarray:
        """The value, in ``u``'s shape."""
        return np.full(np.shape(u), self.value)

    @property
    def mean(self) -> float:
        """The value."""
        return self.value


# --- parsing from plain data ---------------------------------------------------------------

_Checker = Callable[[Mapping[str, Any], Report], None]
# kind -> parameter forms: (keys, checker, factory); only lognormal has several forms
_FORMS: dict[str, tuple[tuple[tuple[str, ...], _Checker, Callable[..., Distribution]], ...]] = {
    "uniform": ((("low", "high"), _check_uniform, Uniform),),
    "triangular": ((("low", "mode", "high"), _check_low_mode_high, Triangular),),
    "pert": ((("low", "mode", "high", "lamb"), _check_pert, PERT),),
    "normal": ((("mean", "sd", "low", "high"), _check_normal, Normal),),
    "lognormal": ((("meanlog", "sdlog"), _check_lognormal, LogNormal),
                  (("median", "gsd"), _check_lognormal_median, LogNormal.from_median),
                  (("mean", "sd"), _check_lognormal_mean, LogNormal.from_mean_sd)),
    "interval90": ((("low", "high", "shape"), _check_interval90, Interval90),),
    "discrete": ((("values", "probabilities", "default"), _check_discrete, Discrete),),
    "constant": ((("value",), _check_constant, Constant),),
}
DISTRIBUTION_KINDS: tuple[str, ...] = tuple(_FORMS)


def parse_distribution(data: Any, *, locate: Locator, issues: Issues,
                       path: tuple[PathKey, ...] = ()) -> Distribution | None:
    """Build a distribution from plain data, recording every problem in ``issues``.

    Parameters
    ----------
    data : mapping or number
        ``{"dist": <kind>, <parameters>}``; a bare number means :class:`Constant`. Kinds
        and keys: ``uniform`` (low, high), ``triangular`` (low, mode, high), ``pert``
        (low, mode, high, lamb=4), ``normal`` (mean, sd, low?, high?), ``lognormal``
        (meanlog, sdlog | median, gsd | mean, sd), ``interval90`` (low, high,
        shape=normal|lognormal), ``discrete`` (values, probabilities?, default?),
        ``constant`` (value).
    locate : callable
        Maps a path tuple to a location string such as ``"case.yaml:41:7"``.
    issues : Issues
        Collector that receives one located error per problem.
    path : tuple
        Path of ``data`` inside the document, e.g. ``("inputs", "demand")``.

    Returns
    -------
    Distribution or None
        ``None`` when any problem was found (all of them are in ``issues``).

    Examples
    --------
    >>> from appraisal.fields import field_path
    >>> found = Issues()
    >>> where = lambda path: "case.yaml:" + field_path(path)
    >>> parse_distribution({"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3},
    ...                    locate=where, issues=found, path=("inputs", "uplift"))
    Triangular(low=0.8, mode=1.0, high=1.3)
    >>> parse_distribution({"dist": "uniform", "low": 2, "high": 1}, locate=where,
    ...                    issues=found, path=("inputs", "x"))
    >>> print(found.items[0])  # doctest: +ELLIPSIS
    case.yaml:inputs.x.low: error [low-above-high] inputs.x.low: 'low' (2) must not exceed ...
    """
    start = len(issues)

    def report(key: str | None, code: str, message: str, fix: str) -> None:
        keyed = path if key is None else (*path, key)
        where = keyed if isinstance(data, Mapping) and key in data else path
        issues.error(code, message, location=locate(where), field=field_path(keyed), fix=fix)

    if _is_number(data):
        value = _as_float(data, "value", report)
        return None if value is None else Constant(value)
    if not isinstance(data, Mapping):
        report(None, "not-a-distribution",
               f"expected a number or a mapping with 'dist' (got {type(data).__name__})",
               "write e.g. {dist: triangular, low: 0.8, mode: 1.0, high: 1.3}")
        return None
    kind = data.get("dist")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if not isinstance(kind, str) or kind not in _FORMS:
        close = did_you_mean(str(kind), DISTRIBUTION_KINDS)
        hint = close or \
            f"use one of: {', '.join(DISTRIBUTION_KINDS)}"
        report("dist", "unknown-distribution", f"unknown distribution {data.get('dist')!r}",
               hint)
        return None
    params = {k: v for k, v in data.items() if k != "dist"}
    forms = [f for f in _FORMS[kind] if any(k in params for k in f[0])] or [_FORMS[kind][0]]
    if len(forms) > 1:
        options = " | ".join("+".join(f[0]) for f in _FORMS[kind])
        report(None, "ambiguous-parameters", f"give exactly one parameter form for a {kind}: "
               f"{options} (got {sorted(map(str, params))})",
               "keep one pair of parameters")
        return None
    keys, checker, factory = forms[0]
    for key in params:
        if key not in keys:
            close = did_you_mean(str(key), keys)
            hint = close or f"{kind} takes: {', '.join(keys)}"
            report(str(key), "unknown-key", f"unknown key {key!r} for a {kind}", hint)
    checker(params, report)
    if len(issues) > start:
        return None
    args = {k: params[k] for k in keys if params.get(k) is not None}
    for key in ("values", "probabilities"):
        if key in args:
            args[key] = tuple(args[key])
    return factory(**args)
