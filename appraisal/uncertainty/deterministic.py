"""Deterministic sensitivity analyses on a :class:`~appraisal.uncertainty.case_model.CaseModel`.

- :func:`scenario_table`: the named scenarios (plus the implicit ``central``);
- :func:`one_way`: each input at its low and high value (5th and 95th percentile by
  default), others central, ordered as a tornado by the swing in the focus option's
  incremental NPSV;
- :func:`two_way`: a grid of two inputs;
- :func:`switching_value` / :func:`switching_values`: the value of an input at which the
  focus option stops being preferred (its NPSV equals the best other option's), solved
  with :func:`scipy.optimize.brentq` after bracketing on a vectorised grid. For ``eta``
  the decision metric is the distributionally weighted NPSV.

Every analysis evaluates all its points in one vectorised model call (the root finder's
refinement steps are single draws).

Examples
--------
>>> import appraisal.uncertainty.lens  # registers the section
>>> from appraisal import example_path, load_case
>>> model = CaseModel(load_case(example_path("prevention")))
>>> tornado = one_way(model)
>>> tornado.option, len(tornado.rows) > 3
('Whole-family service', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq

from appraisal.errors import AppraisalValidationError, Issue, NoSwitchingValueError
from appraisal.uncertainty.case_model import CaseModel
from appraisal.uncertainty.distributions import Discrete

__all__ = ["FIELD_UNITS", "OneWayResult", "SwitchingResult", "TwoWayResult", "one_way",
           "scenario_table", "search_bounds", "switching_value", "switching_values", "two_way"]

#: How each field's values read in tables.
FIELD_UNITS = {"scale": "multiplier", "value_multiplier": "multiplier",
               "additionality": "multiplier", "drop_off": "multiplier",
               "ob_uplift": "fraction", "delay": "years", "rate_shift": "rate (fraction)",
               "eta": "elasticity"}
_GRID = 201
_WIDEN = 4.0


def _unknown(model: CaseModel, name: str) -> None:
    if name not in model.spec.input_names:
        raise AppraisalValidationError([Issue(
            "unknown-input", f"{name!r} is not an uncertain input of the case",
            field="uncertainty.inputs", fix=f"inputs: {', '.join(model.spec.input_names)}")],
            source="uncertainty")


def _points(model: CaseModel, n: int) -> dict[str, np.ndarray]:
    return {k: np.repeat(v, n) for k, v in model.central_inputs().items()}


def _value(model: CaseModel, name: str, q: float) -> float:
    """The numeric value of an input at quantile ``q``."""
    return float(model.values(name, model.spec.input(name).distribution.ppf([q]))[0])


def _raw(model: CaseModel, name: str, value: float) -> Any:
    """Raw input for a numeric value (the nearest index for a discrete input)."""
    dist = model.spec.input(name).distribution
    if isinstance(dist, Discrete):
        return int(np.argmin(np.abs(np.asarray(dist.values, dtype=np.float64) - value)))
    return value


def _central(model: CaseModel, name: str) -> float:
    return float(model.values(name, [model.spec.input(name).distribution.central])[0])


# ------------------------------------------------------------------------ scenarios
def scenario_table(model: CaseModel) -> list[dict[str, Any]]:
    """NPSV of every option in ``central`` and each named scenario (one model call).

    Returns one row per scenario: ``scenario``, ``inputs`` (values set), ``npsv`` and
    ``inc_npsv`` (``{option: £}``) and ``preferred_option``.
    """
    names = ["central", *model.spec.scenarios]
    pts = _points(model, len(names))
    for k, scenario in enumerate(names[1:], start=1):
        for name, value in model.spec.scenarios[scenario].items():
            pts[name] = pts[name].astype(np.float64)
            pts[name][k] = _raw(model, name, value)
    out = model(pts)
    rows = []
    for k, scenario in enumerate(names):
        row: dict[str, Any] = {
            "scenario": scenario,
            "inputs": {} if k == 0 else dict(model.spec.scenarios[scenario]),
            "npsv": dict(zip(model.option_names, map(float, out["npsv"][k]), strict=True)),
            "inc_npsv": dict(zip(model.option_names, map(float, out["inc_npsv"][k]),
                                 strict=True)),
            "preferred_option": model.option_names[int(np.argmax(out["npsv"][k]))]}
        if "weighted_npsv" in out:
            row["weighted_npsv"] = dict(zip(model.option_names,
                                            map(float, out["weighted_npsv"][k]), strict=True))
        rows.append(row)
    return rows


# ------------------------------------------------------------------------ one-way
@dataclass(frozen=True)
class OneWayResult:
    """A tornado: rows sorted by swing, largest first.

    Each row: ``parameter``, ``field``, ``low``, ``high`` (input values), ``npsv_low``,
    ``npsv_high`` (incremental NPSV of ``option`` at them) and ``swing``.
    """

    option: str
    base_npsv: float
    rows: tuple[dict[str, Any], ...]
    quantiles: tuple[float, float]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"option": self.option, "base_inc_npsv": self.base_npsv,
                "quantiles": list(self.quantiles), "rows": [dict(r) for r in self.rows],
                "note": self.note}


def one_way(model: CaseModel, *, low: float = 0.05, high: float = 0.95,
            inputs: Sequence[str] | None = None) -> OneWayResult:
    """One-way analysis of each input between two quantiles, as a tornado.

    The output is the incremental NPSV of the focus option (the preferred option, or
    the best alternative when the counterfactual is preferred). ``eta`` does not move the
    unweighted NPSV and is left out (see :func:`switching_value` for it).

    Raises
    ------
    AppraisalValidationError
        If the quantiles are not ``0 <= low < high <= 1`` or an input is unknown.
    """
    if not 0.0 <= low < high <= 1.0:
        raise AppraisalValidationError([Issue(
            "invalid-argument", f"quantiles must satisfy 0 <= low < high <= 1 (got {low}, "
            f"{high})", field="low/high", fix="use e.g. low=0.05, high=0.95")],
            source="one_way")
    names = list(inputs) if inputs is not None else list(model.spec.input_names)
    for name in names:
        _unknown(model, name)
    names = [n for n in names if model.spec.input(n).field != "eta"]
    qs = (max(low, 1e-9), min(high, 1.0 - 1e-9))
    pts = _points(model, 1 + 2 * len(names))
    for k, name in enumerate(names):
        dist = model.spec.input(name).distribution
        pts[name] = pts[name].astype(np.asarray(dist.ppf([0.5])).dtype)
        pts[name][1 + 2 * k] = dist.ppf([qs[0]])[0]
        pts[name][2 + 2 * k] = dist.ppf([qs[1]])[0]
    values = model(pts)["focus_inc_npsv"]
    rows = []
    for k, name in enumerate(names):
        inp = model.spec.input(name)
        lo, hi = (float(model.values(name, [pts[name][1 + 2 * k + j]])[0]) for j in (0, 1))
        a, b = float(values[1 + 2 * k]), float(values[2 + 2 * k])
        rows.append({"parameter": name, "field": inp.field, "unit": FIELD_UNITS[inp.field],
                     "low": lo, "high": hi, "npsv_low": a, "npsv_high": b,
                     "swing": abs(b - a)})
    rows.sort(key=lambda r: -r["swing"])
    note = "eta moves only the weighted NPSV; see its switching value" if any(
        model.spec.input(n).field == "eta" for n in model.spec.input_names) else ""
    return OneWayResult(model.option_names[model.focus], float(values[0]), tuple(rows),
                        (low, high), note)


# ------------------------------------------------------------------------ two-way
@dataclass(frozen=True)
class TwoWayResult:
    """Incremental NPSV of ``option`` on a grid: ``values[i, j]`` at ``x[i]``, ``y[j]``."""

    option: str
    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    preferred: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (``preferred`` holds option names)."""
        return {"option": self.option, "x_name": self.x_name, "y_name": self.y_name,
                "x": self.x.tolist(), "y": self.y.tolist(),
                "inc_npsv": self.values.tolist(), "preferred": self.preferred.tolist()}


def two_way(model: CaseModel, x_name: str, y_name: str, *, points: int = 5,
            low: float = 0.05, high: float = 0.95) -> TwoWayResult:
    """Two inputs over a ``points × points`` grid of quantiles, others central.

    Examples
    --------
    >>> import appraisal.uncertainty.lens  # registers the section
    >>> from appraisal import example_path, load_case
    >>> model = CaseModel(load_case(example_path("prevention")))
    >>> grid = two_way(model, *model.spec.input_names[:2], points=3)
    >>> grid.values.shape
    (3, 3)
    """
    for name in (x_name, y_name):
        _unknown(model, name)
    if x_name == y_name or isinstance(points, bool) or not isinstance(points, int) \
            or points < 2:
        raise AppraisalValidationError([Issue(
            "invalid-argument", "two different inputs and points >= 2 are needed (got "
            f"{x_name!r}, {y_name!r}, points={points!r})", field="two_way",
            fix="name two different inputs")], source="two_way")
    qs = np.linspace(max(low, 1e-9), min(high, 1 - 1e-9), points)
    xr = model.spec.input(x_name).distribution.ppf(qs)
    yr = model.spec.input(y_name).distribution.ppf(qs)
    pts = _points(model, points * points)
    pts[x_name] = np.repeat(xr, points)
    pts[y_name] = np.tile(yr, points)
    out = model(pts)
    metric = "inc_weighted_npsv" if "eta" in (model.spec.input(x_name).field,
                                              model.spec.input(y_name).field) \
        and "inc_weighted_npsv" in out else "inc_npsv"
    values = out[metric][:, model.focus].reshape(points, points)
    base = "weighted_npsv" if metric == "inc_weighted_npsv" else "npsv"
    pref = np.asarray(model.option_names, dtype=object)[out[base].argmax(axis=1)]
    return TwoWayResult(model.option_names[model.focus], x_name, y_name,
                        model.values(x_name, xr), model.values(y_name, yr), values,
                        pref.reshape(points, points))


# ------------------------------------------------------------------------ switching
@dataclass(frozen=True)
class SwitchingResult:
    """Where the decision switches as one input moves (others central).

    ``value`` is ``None`` when no value in ``bounds`` switches it (``note`` says why);
    ``change`` is ``(value - base_value) / base_value`` (``None`` when the base is 0).
    """

    parameter: str
    field: str
    unit: str
    base_value: float
    value: float | None
    change: float | None
    bounds: tuple[float, float]
    option: str
    rival: str | None
    metric: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"parameter": self.parameter, "field": self.field, "unit": self.unit,
                "base_value": self.base_value, "switching_value": self.value,
                "change": self.change, "search_range": list(self.bounds),
                "option": self.option, "rival": self.rival, "metric": self.metric,
                "note": self.note}

    def report_row(self) -> dict[str, Any]:
        """A row of the report's ``uncertainty.switching_values``."""
        row = {"parameter": f"{self.parameter} ({self.field})", "unit": self.unit,
               "base_value": self.base_value, "switching_value": self.value,
               "change": self.change}
        text = self.note or (f"{self.option} stops being preferred over {self.rival}"
                             if self.rival else "")
        if text:
            row["note"] = text
        return row


def search_bounds(model: CaseModel, name: str) -> tuple[float, float]:
    """Default search range: the 0.1-99.9 percentile range widened by four times its width
    on each side, clipped to the values the field can take."""
    _unknown(model, name)
    inp = model.spec.input(name)
    dist = inp.distribution
    if isinstance(dist, Discrete):
        vals = np.asarray(dist.values, dtype=np.float64)
        return float(vals.min()), float(vals.max())
    lo, hi = _value(model, name, 0.001), _value(model, name, 0.999)
    width = hi - lo
    if width == 0.0:
        width = max(abs(lo), 1.0)
    lo, hi = lo - _WIDEN * width, hi + _WIDEN * width
    floor = {"rate_shift": -float(np.min(model.compiled.rates)), "delay": -float(
        model.compiled.case.horizon_years), "ob_uplift": -1.0}.get(inp.field, 0.0)
    ceiling = float(model.compiled.case.horizon_years) if inp.field == "delay" else np.inf
    return max(lo, floor), min(hi, ceiling)


def _metric(model: CaseModel, name: str) -> tuple[str, int, int | None]:
    if model.spec.input(name).field == "eta" and model.weighted_focus is not None:
        return ("weighted_npsv", *model.weighted_focus)
    return "npsv", model.focus, model.runner_up


def switching_value(model: CaseModel, name: str, *,
                    bounds: tuple[float, float] | None = None,
                    xtol: float = 1e-10) -> SwitchingResult:
    """The value of input ``name`` at which the focus option stops being preferred.

    The gap ``g(x) = NPSV_focus(x) - max_{o != focus} NPSV_o(x)`` (weighted NPSV for
    ``eta``) is evaluated on a vectorised grid over ``bounds`` (default
    :func:`search_bounds`); the sign change nearest the central value is refined with
    :func:`scipy.optimize.brentq`. Delays move in whole years, so for ``delay`` the
    result is the first whole number of years at which the option is no longer preferred.

    Raises
    ------
    NoSwitchingValueError
        If no value in ``bounds`` switches the decision.
    AppraisalValidationError
        If ``name`` is not an uncertain input or ``bounds`` are not increasing.
    """
    _unknown(model, name)
    inp = model.spec.input(name)
    metric, focus, rival = _metric(model, name)
    lo, hi = bounds if bounds is not None else search_bounds(model, name)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise AppraisalValidationError([Issue(
            "invalid-argument", f"bounds must be finite and increasing (got {(lo, hi)})",
            field="bounds", fix="give (low, high) with low < high")], source="switching_value")
    base = _central(model, name)
    if rival is None:
        msg = f"{name!r}: the case has one option, nothing to switch to"
        raise NoSwitchingValueError(msg)

    def gap_of(out: dict[str, np.ndarray]) -> np.ndarray:
        m = out[metric]
        others = np.delete(m, focus, axis=1)
        return m[:, focus] - others.max(axis=1)

    integer = inp.field == "delay" or isinstance(inp.distribution, Discrete)
    grid = np.unique(np.rint(np.linspace(lo, hi, _GRID))) if inp.field == "delay" else \
        np.asarray(inp.distribution.values, dtype=np.float64) if integer else \
        np.linspace(lo, hi, _GRID)
    grid = np.unique(np.append(grid, base))
    raw = grid if not isinstance(inp.distribution, Discrete) else np.asarray(
        [_raw(model, name, v) for v in grid])
    pts = _points(model, grid.size)
    pts[name] = raw
    gaps = gap_of(model(pts))
    g0 = gaps[np.searchsorted(grid, base)]
    flips = np.flatnonzero(np.sign(gaps) != np.sign(g0)) if g0 != 0 else np.array([], int)
    if flips.size == 0:
        msg = (f"{name!r}: {model.option_names[focus]} stays preferred for every value in "
               f"[{lo:.4g}, {hi:.4g}]")
        raise NoSwitchingValueError(msg)
    k = int(flips[np.argmin(np.abs(grid[flips] - base))])
    if integer:
        value = float(grid[k])
    else:
        j = k - 1 if grid[k] > base else k + 1

        def f(x: float) -> float:
            single = {n: v[:1] for n, v in _points(model, 1).items()}
            single[name] = np.asarray([x])
            return float(gap_of(model(single))[0])

        value = float(brentq(f, min(grid[j], grid[k]), max(grid[j], grid[k]), xtol=xtol,
                             rtol=4 * np.finfo(float).eps))
    change = None if base == 0 else (value - base) / abs(base)
    return SwitchingResult(name, inp.field, FIELD_UNITS[inp.field], base, value, change,
                           (float(lo), float(hi)), model.option_names[focus],
                           model.option_names[rival], metric,
                           "whole years" if inp.field == "delay" else "")


def switching_values(model: CaseModel) -> list[SwitchingResult]:
    """:func:`switching_value` of every input; ``value`` is ``None`` where none exists."""
    out = []
    for name in model.spec.input_names:
        try:
            out.append(switching_value(model, name))
        except NoSwitchingValueError as exc:
            inp = model.spec.input(name)
            metric, focus, rival = _metric(model, name)
            lo, hi = search_bounds(model, name)
            out.append(SwitchingResult(name, inp.field, FIELD_UNITS[inp.field],
                                       _central(model, name), None, None, (lo, hi),
                                       model.option_names[focus],
                                       None if rival is None else model.option_names[rival],
                                       metric, str(exc)))
    return out
