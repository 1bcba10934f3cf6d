"""Summaries of Monte Carlo draws: moments, percentiles, probabilities and acceptability.

Draw arrays have the draws on axis 0: ``[D]`` for one output or ``[D, O]`` for one value
per option (further trailing axes are flattened into columns).

- :func:`summarise`: mean, sd, percentiles, the Monte Carlo standard error of the mean and
  ``P(x > 0)`` with a Wilson score interval, per column.
- :func:`probability_best`: the share of draws in which each option is best.
- :func:`probability_above`: ``P(x > threshold)`` for several thresholds (e.g. the BCR
  value-for-money band edges, which the caller takes from the parameter pack).
- :func:`mean_versus_central`: why the Monte Carlo mean differs from the central estimate
  (the deterministic result at the case's own values), in one sentence built from the
  numbers.
- :func:`acceptability_curve` and :func:`acceptability_sweep`: probability that each option
  is preferred as a parameter is swept (the public-value analogue of a cost-effectiveness
  acceptability curve). A sweep recomputes the objective from stored draw-level components,
  e.g. ``npsv(eta) = unweighted + (weights(eta) - 1) @ by_group``, so no model is re-run.

The percentiles, thresholds and confidence level are display choices with defaults, not
Green Book parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues

__all__ = [
    "DEFAULT_PERCENTILES",
    "AcceptabilityCurve",
    "OutputSummary",
    "acceptability_curve",
    "acceptability_sweep",
    "mean_versus_central",
    "probability_above",
    "probability_best",
    "summarise",
    "wilson_interval",
]

DEFAULT_PERCENTILES: tuple[float, ...] = (5, 25, 50, 75, 95)


def _special() -> Any:
    """:mod:`scipy.special`, imported on first use (``import appraisal`` stays light)."""
    from scipy import special

    return special


def wilson_interval(successes: npt.ArrayLike, n: npt.ArrayLike, *,
                    confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (elementwise).

    Pure kernel: does not validate. Unlike the normal approximation it stays inside
    [0, 1] and is sensible for proportions near 0 or 1 (Wilson 1927).

    Examples
    --------
    >>> low, high = wilson_interval(0, 100)
    >>> float(low), round(float(high), 4)
    (0.0, 0.037)
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = float(_special().ndtri(0.5 + confidence / 2.0))
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding would leave ~1e-18.
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def probability_best(values: npt.ArrayLike, *, maximise: bool = True) -> np.ndarray:
    """Share of draws in which each option is best: ``[D, O] -> [O]``.

    Pure kernel: does not validate. Ties share the draw equally, so the shares sum to 1.

    Examples
    --------
    >>> probability_best([[1.0, 2.0], [3.0, 0.0], [1.0, 1.0], [0.0, 5.0]]).tolist()
    [0.375, 0.625]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2 and 1 < values.shape[1] <= _COUNTED_OPTIONS and \
            values.shape[0] >= _COUNTED_DRAWS and not np.isnan(values).any():
        # counted by the size of the tie (one pass of integer counts instead of a float
        # share per draw and option); the same number to the last bit whenever every tie
        # has 1, 2, 4 or 8 options (each share then exact, so the float mean is exact
        # before its one rounding), which the counts show; otherwise the shares below
        from appraisal.lenses.uncertainty.streaming import shares_from_counts, tie_counts

        counts = tie_counts(values if maximise else -values)  # (O, O): [option, size - 1]
        sizes = np.flatnonzero(counts.any(axis=0)) + 1
        if not (sizes & (sizes - 1)).any():
            return shares_from_counts(counts, values.shape[0])
    extreme = values.max(axis=-1, keepdims=True) if maximise else \
        values.min(axis=-1, keepdims=True)
    best = values == extreme
    return (best / best.sum(axis=-1, keepdims=True)).mean(axis=-2)


#: :func:`probability_best` counts ties for up to this many options (a bit pattern per
#: draw) and from this many draws (below, the per-draw shares cost nothing).
_COUNTED_OPTIONS = 8
_COUNTED_DRAWS = 4096


def _column_percentiles(columns: np.ndarray, qs: npt.ArrayLike) -> np.ndarray:
    """``np.percentile(columns, qs, axis=0)`` of a ``[D, C]`` array: ``[Q, C]``.

    Pure kernel: does not validate. The same numbers to the last bit (the same order
    statistics, interpolated by numpy), taken column by column from a sorted copy: a
    partition along the long, strided first axis is three times slower, and numpy's
    partition for several percentiles (and its NaN check) slower than a sort.

    Examples
    --------
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 20.0]])
    >>> _column_percentiles(x, [0, 50]).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    qs = np.asarray(qs, dtype=np.float64)
    out = np.empty((qs.size, columns.shape[1]))
    for j in range(columns.shape[1]):
        out[:, j] = np.percentile(np.sort(columns[:, j]), qs)
    return out.reshape((*qs.shape, columns.shape[1]))


def probability_above(values: npt.ArrayLike, thresholds: npt.ArrayLike) -> np.ndarray:
    """``P(x > t)`` for each threshold: ``[D, ...]`` and ``[T]`` give ``[T, ...]``.

    Pure kernel: does not validate.

    Examples
    --------
    >>> probability_above([[0.5, 1.2], [1.5, 2.5], [2.5, 0.9]], [1.0, 2.0]).round(3).tolist()
    [[0.667, 0.667], [0.333, 0.333]]
    """
    values = np.asarray(values, dtype=np.float64)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    expanded = thresholds.reshape(thresholds.shape + (1,) * values.ndim)
    return (values[np.newaxis] > expanded).mean(axis=thresholds.ndim)


def acceptability_curve(values_by_param: npt.ArrayLike, *, maximise: bool = True) -> np.ndarray:
    """Probability each option is best at each parameter value: ``[P, D, O] -> [P, O]``.

    Pure kernel: does not validate.

    Examples
    --------
    >>> v = np.array([[[1.0, 0.0], [1.0, 2.0]], [[0.0, 1.0], [0.0, 2.0]]])
    >>> acceptability_curve(v).tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """
    return probability_best(values_by_param, maximise=maximise)


def _columns(draws: Any, name: str, found: Issues) -> np.ndarray | None:
    """Draws as a finite ``[D, C]`` float array, or ``None`` with the reason recorded."""
    try:
        array = np.asarray(draws, dtype=np.float64)
    except (TypeError, ValueError):
        found.error("not-numeric", f"{name!r} must be an array of numbers", field=name,
                    fix="pass the draws as a numeric array")
        return None
    if array.ndim == 0 or array.shape[0] < 2:
        found.error("too-few-draws", f"{name!r} needs at least 2 draws on axis 0 (got shape "
                    f"{array.shape})", field=name, fix="run more draws")
        return None
    bad = int(array.size - np.isfinite(array).sum())
    if bad:
        found.error("not-finite", f"{name!r} has {bad} NaN or infinite value(s)", field=name,
                    fix="find the draws where the model divides by zero or overflows")
        return None
    return array.reshape(array.shape[0], -1)


def _labels(name: str, shape: tuple[int, ...]) -> tuple[str, ...]:
    if len(shape) == 1:
        return (name,)
    return tuple(f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*shape[1:]))


@dataclass(frozen=True, eq=False)
class OutputSummary:
    """Per-column summary of one output's draws (arrays have one entry per column)."""

    name: str
    labels: tuple[str, ...]
    n: int
    mean: np.ndarray
    sd: np.ndarray
    mcse: np.ndarray
    percentiles: Mapping[float, np.ndarray]
    p_positive: np.ndarray
    p_positive_low: np.ndarray
    p_positive_high: np.ndarray
    confidence: float

    def to_frame(self) -> Any:
        """A pandas DataFrame with one row per column of the output."""
        import pandas as pd

        data: dict[str, Any] = {"mean": self.mean, "sd": self.sd, "mcse": self.mcse}
        data.update({f"p{q:g}": v for q, v in self.percentiles.items()})
        data.update({"p_positive": self.p_positive, "p_positive_low": self.p_positive_low,
                     "p_positive_high": self.p_positive_high})
        return pd.DataFrame(data, index=pd.Index(self.labels, name=self.name))


def summarise(draws: npt.ArrayLike, *, name: str = "output",
              labels: Sequence[str] | None = None,
              percentiles: Sequence[float] = DEFAULT_PERCENTILES,
              confidence: float = 0.95) -> OutputSummary:
    """Summarise draws ``[D]`` or ``[D, C, ...]`` column by column.

    Parameters
    ----------
    draws : array_like
        Draws on axis 0; all finite.
    name : str
        Output name, used in labels and messages.
    labels : sequence of str, optional
        One label per column (e.g. option names); default ``name[i]``.
    percentiles : sequence of float
        Percentiles in [0, 100].
    confidence : float
        Level of the Wilson interval for ``P(x > 0)``.

    Returns
    -------
    OutputSummary
        ``mcse`` is ``sd / sqrt(D)``, the Monte Carlo standard error of the mean for
        independent draws.

    Examples
    --------
    >>> s = summarise(np.array([[-1.0, 2.0], [1.0, 4.0], [3.0, 6.0]]), name="npsv",
    ...               labels=["A", "B"])
    >>> s.mean.tolist(), s.p_positive.round(3).tolist()
    ([1.0, 4.0], [0.667, 1.0])
    """
    found = Issues()
    columns = _columns(draws, name, found)
    if not 0.0 < confidence < 1.0:
        found.error("invalid-argument", f"'confidence' must lie in (0, 1) (got {confidence})",
                    field="confidence", fix="use e.g. 0.95")
    qs = np.asarray(percentiles, dtype=np.float64)
    if qs.ndim != 1 or not np.all((qs >= 0) & (qs <= 100)):
        found.error("invalid-argument", f"'percentiles' must lie in [0, 100] (got "
                    f"{list(percentiles)})", field="percentiles", fix="use e.g. (5, 50, 95)")
    shape = np.shape(draws)
    default = _labels(name, shape)
    if labels is not None and columns is not None and len(labels) != columns.shape[1]:
        found.error("invalid-argument", f"{len(labels)} labels for {columns.shape[1]} "
                    "columns", field="labels", fix="give one label per column")
    found.raise_if_errors("summarise")
    columns = cast(np.ndarray, columns)  # not None: a problem would have raised above
    d = columns.shape[0]
    sd = columns.std(axis=0, ddof=1)
    positive = (columns > 0).sum(axis=0)
    low, high = wilson_interval(positive, d, confidence=confidence)
    return OutputSummary(
        name=name, labels=tuple(labels) if labels is not None else default, n=d,
        mean=columns.mean(axis=0), sd=sd, mcse=sd / np.sqrt(d),
        percentiles=dict(zip((float(q) for q in qs), _column_percentiles(columns, qs),
                             strict=True)),
        p_positive=positive / d, p_positive_low=low, p_positive_high=high,
        confidence=confidence)


@dataclass(frozen=True, eq=False)
class AcceptabilityCurve:
    """Probability each option is preferred, and its expected value, across a sweep.

    ``probability_best`` and ``expected`` have shape ``[P, O]``; ``frontier[p]`` is the
    option with the highest expected value at ``parameter_values[p]`` (the option a
    risk-neutral decision maker would choose there).
    """

    parameter_values: tuple[Any, ...]
    probability_best: np.ndarray
    expected: np.ndarray
    maximise: bool = True

    @property
    def frontier(self) -> np.ndarray:
        """Index of the preferred option (by expected value) at each parameter value."""
        return (self.expected.argmax if self.maximise else self.expected.argmin)(axis=1)


def acceptability_sweep(objective: Callable[[Any], npt.ArrayLike],
                        parameter_values: Sequence[Any], *,
                        maximise: bool = True) -> AcceptabilityCurve:
    """Sweep a parameter and record how often each option is preferred.

    Parameters
    ----------
    objective : callable
        ``objective(value) -> [D, O]``: the decision metric (e.g. NPSV) of every option in
        every draw at that parameter value, recomputed from stored draw-level components.
    parameter_values : sequence
        Values to sweep (numbers, or names such as discount-schedule vintages).
    maximise : bool
        Whether larger values of the objective are better.

    Returns
    -------
    AcceptabilityCurve

    Examples
    --------
    Weighted NPSV as distributional weights change with ``eta``: only the group split of
    each draw is stored, and the sweep is a matrix product per value of ``eta``.

    >>> rng = np.random.default_rng(3)
    >>> by_group = rng.normal([[[1.0, 0.0], [0.0, 1.2]]], 0.3, size=(1000, 2, 2))  # D,O,G
    >>> incomes = np.array([0.5, 1.0])                  # group income / median income
    >>> curve = acceptability_sweep(lambda eta: by_group @ incomes**-eta, [0.0, 1.0, 2.0])
    >>> curve.frontier.tolist()
    [1, 0, 0]
    """
    found = Issues()
    if not callable(objective):
        found.error("invalid-argument", "'objective' must be callable", field="objective",
                    fix="pass a function of the parameter value returning [D, O]")
    values = list(parameter_values) if isinstance(parameter_values, Sequence | np.ndarray) \
        else []
    if not values:
        found.error("invalid-argument", "'parameter_values' must be a non-empty sequence",
                    field="parameter_values", fix="give the values to sweep")
    found.raise_if_errors("acceptability_sweep")
    best, expected = [], []
    shape: tuple[int, ...] | None = None
    for value in values:
        columns = _columns(objective(value), f"objective({value!r})", found)
        if columns is not None and shape not in (None, columns.shape):
            found.error("inconsistent-shape", f"objective({value!r}) has shape "
                        f"{columns.shape}, earlier values gave {shape}",
                        field="objective", fix="return [D, O] for every parameter value")
        found.raise_if_errors("acceptability_sweep")
        columns = cast(np.ndarray, columns)  # not None: a problem would have raised above
        shape = columns.shape
        best.append(probability_best(columns, maximise=maximise))
        expected.append(columns.mean(axis=0))
    return AcceptabilityCurve(tuple(values), np.array(best), np.array(expected), maximise)


def _money(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x):,.0f}"


def mean_versus_central(subject: str, central: float, mean: float, mcse: float,
                        effects: Sequence[Mapping[str, Any]], *,
                        money: Callable[[float], str] = _money, z: float = 2.0,
                        share: float = 0.1) -> str:
    """One sentence on why the Monte Carlo mean differs from the central estimate.

    The Green Book asks for expected values; the central estimate is the appraisal at the
    case's own input values. The two differ when the inputs' expected values differ from
    the case's values (skewed or off-centre distributions) or when the output responds
    non-linearly to the inputs.

    Parameters
    ----------
    subject : str
        What is measured, e.g. ``"the incremental NPSV of Option A"``.
    central, mean, mcse : float
        The central estimate, the Monte Carlo mean and its Monte Carlo standard error.
    effects : sequence of mapping
        Per input: ``input``, ``case_value``, ``mean`` (the distribution's mean) and
        ``effect``, the estimated change in the output from moving that input alone from
        its case value to its mean (e.g. the tornado slope times the difference).
    money : callable
        Formats an amount.
    z : float
        A difference within ``z`` standard errors is reported as sampling error.
    share : float
        Inputs whose effect has the difference's sign and at least this share of its
        size are named (the three largest), and then the two largest offsetting ones.

    Examples
    --------
    >>> import textwrap
    >>> effects = [{"input": "benefit scale", "case_value": 1.0, "mean": 1.1, "effect": 9.0},
    ...            {"input": "cost scale", "case_value": 1.0, "mean": 1.0, "effect": 0.0}]
    >>> print(textwrap.fill(mean_versus_central("the NPSV", 100.0, 110.0, 1.0, effects), 80))
    The Monte Carlo mean of the NPSV (£110) is £10 above the central estimate (£100)
    mainly because the expected value of benefit scale (1.1) differs from the case's
    value (1), worth about £9 on its own.
    >>> print(textwrap.fill(mean_versus_central("the NPSV", 100.0, 101.0, 1.0, effects), 80))
    The Monte Carlo mean of the NPSV (£101) is within sampling error of the central
    estimate (£100): the difference, £1, is within 2 Monte Carlo standard errors (£1
    each).
    """
    diff = mean - central
    head = f"The Monte Carlo mean of {subject} ({money(mean)})"
    if not np.isfinite(diff) or abs(diff) <= z * mcse:
        return (f"{head} is within sampling error of the central estimate "
                f"({money(central)}): the difference, {money(abs(diff))}, is within {z:g} "
                f"Monte Carlo standard errors ({money(mcse)} each).")
    where = f"{money(abs(diff))} {'above' if diff > 0 else 'below'}"
    named = sorted((e for e in effects if np.sign(e["effect"]) == np.sign(diff)
                    and abs(e["effect"]) >= share * abs(diff)),
                   key=lambda e: -abs(e["effect"]))[:3]
    if not named:
        return (f"{head} is {where} the central estimate ({money(central)}) because the "
                "NPSV responds non-linearly to the inputs (a delay, a clipped value or a "
                "product of inputs), so the average over the draws is not the value at "
                "the case's inputs.")
    if len(named) == 1:
        e = named[0]
        because = (f"the expected value of {e['input']} ({e['mean']:.3g}) differs from the "
                   f"case's value ({e['case_value']:.3g}), worth about {money(e['effect'])} "
                   "on its own")
    else:
        parts = [f"{e['input']} ({e['mean']:.3g} against {e['case_value']:.3g} in the case; "
                 f"about {money(e['effect'])} on its own)" for e in named]
        because = ("the expected values of " + ", ".join(parts[:-1]) + f" and {parts[-1]} "
                   "differ from the case's values")
    offset = sorted((e for e in effects if np.sign(e["effect"]) == -np.sign(diff)
                     and abs(e["effect"]) >= share * abs(diff)),
                    key=lambda e: -abs(e["effect"]))[:2]
    if offset:
        because += ", partly offset by " + " and ".join(
            f"{e['input']} ({e['mean']:.3g} against {e['case_value']:.3g}; about "
            f"{money(e['effect'])})" for e in offset)
    return f"{head} is {where} the central estimate ({money(central)}) mainly because {because}."
