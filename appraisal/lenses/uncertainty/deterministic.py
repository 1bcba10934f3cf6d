"""Deterministic sensitivity analyses on a case model.

The model is a :class:`~appraisal.lenses.uncertainty.case_model.CaseModel`.

Every analysis starts from the case's own values (:attr:`CaseModel.case_values`), so its
base equals :func:`appraisal.evaluate`; inputs not being moved stay there.

- :func:`scenario_table`: the named scenarios (plus the implicit ``central``: the case);
- :func:`one_way`: each input at its low and high value (5th and 95th percentile by
  default), others at the case's values, ordered as a tornado by the swing in the focus
  option's incremental NPSV;
- :func:`two_way`: a grid of two inputs;
- :func:`switching_value` / :func:`switching_values`: the value of an input at which the
  preferred option stops being preferred (its NPSV equals the best other option's), solved
  with :func:`scipy.optimize.brentq` after bracketing on a vectorised grid; the rival named
  is the option that is preferred just past that value. For ``eta`` the decision metric is
  the distributionally weighted NPSV.

Every analysis evaluates all its points in one vectorised model call (the root finder's
refinement steps are single draws).

Examples
--------
>>> import appraisal.lenses.uncertainty.lens  # registers the section
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

from appraisal.errors import AppraisalValidationError, Issue, NoSwitchingValueError
from appraisal.lenses.uncertainty.case_model import CaseModel
from appraisal.lenses.uncertainty.distributions import Discrete

__all__ = ["FIELD_UNITS", "OneWayResult", "SwitchingResult", "TwoWayResult", "mean_effects",
           "one_way",
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
    """``n`` numeric points with every input at the case's own value (``nan`` where the
    targeted lines hold different values); evaluate with ``model.evaluate_values``."""
    return {k: np.full(n, v) for k, v in model.case_values.items()}


def _value(model: CaseModel, name: str, q: float) -> float:
    """The numeric value of an input at quantile ``q``."""
    return float(model.values(name, model.spec.input(name).distribution.ppf([q]))[0])


def _central(model: CaseModel, name: str) -> float:
    """The distribution's central value (mode or median), as a number."""
    return float(model.values(name, [model.spec.input(name).distribution.central])[0])


def _base(model: CaseModel, name: str) -> float:
    """Where a deterministic analysis starts: the case's value, else (when the targeted
    lines hold different values) the distribution's central value."""
    value = model.case_values[name]
    return value if np.isfinite(value) else _central(model, name)


# ------------------------------------------------------------------------ scenarios
def scenario_table(model: CaseModel) -> list[dict[str, Any]]:
    """NPSV of every option in ``central`` (the case as appraised) and each named scenario
    (one model call); inputs a scenario does not name keep the case's values.

    Returns one row per scenario: ``scenario``, ``inputs`` (values set), ``npsv`` and
    ``inc_npsv`` (``{option: £}``) and ``preferred_option``.
    """
    names = ["central", *model.spec.scenarios]
    pts = _points(model, len(names))
    for k, scenario in enumerate(names[1:], start=1):
        for name, value in model.spec.scenarios[scenario].items():
            pts[name][k] = value
    out = model.evaluate_values(pts)
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

    ``base_npsv`` is the incremental NPSV of ``option`` in the case as appraised. Each row:
    ``parameter``, ``field``, ``base`` (the case's value, ``None`` when the targeted lines
    differ), ``low``, ``high`` (input values), ``npsv_low``, ``npsv_high`` (incremental
    NPSV of ``option`` at them) and ``swing``.
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
    the best alternative when the counterfactual is preferred). Every other input keeps
    the case's own value, so the base is the appraisal's result. ``eta`` does not move the
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
        pts[name][1 + 2 * k] = _value(model, name, qs[0])
        pts[name][2 + 2 * k] = _value(model, name, qs[1])
    values = model.evaluate_values(pts)["focus_inc_npsv"]
    rows = []
    for k, name in enumerate(names):
        inp = model.spec.input(name)
        lo, hi = float(pts[name][1 + 2 * k]), float(pts[name][2 + 2 * k])
        a, b = float(values[1 + 2 * k]), float(values[2 + 2 * k])
        own = model.case_values[name]
        rows.append({"parameter": name, "field": inp.field, "unit": FIELD_UNITS[inp.field],
                     "base": own if np.isfinite(own) else None,
                     "low": lo, "high": hi, "npsv_low": a, "npsv_high": b,
                     "swing": abs(b - a)})
    rows.sort(key=lambda r: -r["swing"])
    note = "eta moves only the weighted NPSV; see its switching value" if any(
        model.spec.input(n).field == "eta" for n in model.spec.input_names) else ""
    return OneWayResult(model.option_names[model.focus], float(values[0]), tuple(rows),
                        (low, high), note)


def mean_effects(model: CaseModel, tornado: OneWayResult) -> list[dict[str, Any]]:
    """Each input's estimated effect of moving from the case's value to its mean.

    The effect is the tornado's slope (change in the option's incremental NPSV between
    the input's low and high values, per unit) times ``mean - case value``: what the
    input alone contributes to the gap between the Monte Carlo mean and the central
    estimate, to first order. Returns ``input``, ``case_value``, ``mean`` and ``effect``
    per tornado row (inputs without a numeric mean are left out).
    """
    out = []
    for r in tornado.rows:
        mean = model.spec.input(r["parameter"]).distribution.mean
        if mean is None or r["high"] == r["low"]:
            continue
        own = r["base"] if r["base"] is not None else _central(model, r["parameter"])
        slope = (r["npsv_high"] - r["npsv_low"]) / (r["high"] - r["low"])
        out.append({"input": r["parameter"], "case_value": own, "mean": float(mean),
                    "effect": slope * (float(mean) - own)})
    return out


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
    """Two inputs over a ``points × points`` grid of quantiles, others at the case's values.

    Examples
    --------
    >>> import appraisal.lenses.uncertainty.lens  # registers the section
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
    xr = model.values(x_name, model.spec.input(x_name).distribution.ppf(qs))
    yr = model.values(y_name, model.spec.input(y_name).distribution.ppf(qs))
    pts = _points(model, points * points)
    pts[x_name] = np.repeat(xr, points)
    pts[y_name] = np.tile(yr, points)
    out = model.evaluate_values(pts)
    metric = "inc_weighted_npsv" if "eta" in (model.spec.input(x_name).field,
                                              model.spec.input(y_name).field) \
        and "inc_weighted_npsv" in out else "inc_npsv"
    values = out[metric][:, model.focus].reshape(points, points)
    base = "weighted_npsv" if metric == "inc_weighted_npsv" else "npsv"
    pref = np.asarray(model.option_names, dtype=object)[out[base].argmax(axis=1)]
    return TwoWayResult(model.option_names[model.focus], x_name, y_name, xr, yr, values,
                        pref.reshape(points, points))


# ------------------------------------------------------------------------ switching
@dataclass(frozen=True)
class SwitchingResult:
    """Where the decision switches as one input moves (others at the case's values).

    ``option`` is the option preferred in the case (on ``metric``); ``rival`` is the option
    that is preferred just past ``value`` (``None`` when no value switches it, or the case
    has one option). ``value`` is ``None`` when no value in ``bounds`` switches it
    (``note`` says why); ``base_value`` is the case's value of the input and ``change`` is
    ``(value - base_value) / |base_value|`` (``None`` when the base is 0).
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
        text = self.note if self.value is None else (
            f"{self.rival} becomes preferred instead of {self.option}"
            + (f" ({self.note})" if self.note else ""))
        if text:
            row["note"] = text
        return row


def search_bounds(model: CaseModel, name: str) -> tuple[float, float]:
    """Default search range: the 0.1-99.9 percentile range (and the case's value) widened
    by four times its width on each side, clipped to the values the field can take."""
    _unknown(model, name)
    inp = model.spec.input(name)
    dist = inp.distribution
    base = _base(model, name)
    if isinstance(dist, Discrete):
        vals = np.append(np.asarray(dist.values, dtype=np.float64), base)
        return float(vals.min()), float(vals.max())
    lo = min(_value(model, name, 0.001), base)
    hi = max(_value(model, name, 0.999), base)
    width = hi - lo
    if width == 0.0:
        width = max(abs(lo), 1.0)
    lo, hi = lo - _WIDEN * width, hi + _WIDEN * width
    rates = model.compiled.rates
    horizon = float(model.compiled.case.horizon_years)
    floor = {"rate_shift": -float(np.min(rates)) if rates.size else -np.inf,
             "delay": -horizon, "ob_uplift": -1.0}.get(inp.field, 0.0)
    ceiling = horizon if inp.field == "delay" else np.inf
    return max(lo, floor), min(hi, ceiling)


def _metric(model: CaseModel, name: str) -> tuple[str, int, int | None]:
    """Decision metric, the option preferred in the case on it, and its runner-up."""
    if model.spec.input(name).field == "eta" and model.weighted_focus is not None:
        return ("weighted_npsv", *model.weighted_focus)
    return ("npsv", *model.preferred)


def switching_value(model: CaseModel, name: str, *,
                    bounds: tuple[float, float] | None = None,
                    xtol: float = 1e-10) -> SwitchingResult:
    """The value of input ``name`` at which the preferred option stops being preferred.

    The preferred option is the one with the highest NPSV in the case as appraised (every
    input at the case's own value; business as usual included). The gap
    ``g(x) = NPSV_pref(x) - max_{o != pref} NPSV_o(x)`` (weighted NPSV for ``eta``) is
    evaluated on a vectorised grid over ``bounds`` (default :func:`search_bounds`); the
    sign change nearest the case's value is refined with :func:`scipy.optimize.brentq`.
    The rival reported is the option with the highest NPSV just past the switching value
    (it need not be the runner-up in the case). Delays move in whole years, so for
    ``delay`` the result is the first whole number of years at which the option is no
    longer preferred.

    Raises
    ------
    NoSwitchingValueError
        If no value in ``bounds`` switches the decision.
    AppraisalValidationError
        If ``name`` is not an uncertain input or ``bounds`` are not increasing.
    """
    _unknown(model, name)
    inp = model.spec.input(name)
    metric, pref, rival = _metric(model, name)
    lo, hi = bounds if bounds is not None else search_bounds(model, name)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise AppraisalValidationError([Issue(
            "invalid-argument", f"bounds must be finite and increasing (got {(lo, hi)})",
            field="bounds", fix="give (low, high) with low < high")], source="switching_value")
    base = _base(model, name)
    if rival is None:
        msg = f"{name!r}: the case has one option, nothing to switch to"
        raise NoSwitchingValueError(msg)

    def evaluate(x: np.ndarray) -> np.ndarray:
        pts = _points(model, x.size)
        pts[name] = x
        return model.evaluate_values(pts)[metric]

    def gap(m: np.ndarray) -> np.ndarray:
        return m[:, pref] - np.delete(m, pref, axis=1).max(axis=1)

    integer = inp.field == "delay" or isinstance(inp.distribution, Discrete)
    grid = np.unique(np.rint(np.linspace(lo, hi, _GRID))) if inp.field == "delay" else \
        np.asarray(inp.distribution.values, dtype=np.float64) if integer else \
        np.linspace(lo, hi, _GRID)
    grid = np.unique(np.append(grid[(grid >= lo) & (grid <= hi)], base))
    gaps = gap(evaluate(grid))
    g0 = float(gap(model.evaluate_values({})[metric])[0])  # the case itself: >= 0
    flips = np.flatnonzero(gaps <= 0.0 if g0 > 0 else np.zeros_like(gaps, bool))
    if flips.size == 0:
        msg = (f"{name!r}: {model.option_names[pref]} stays preferred for every value in "
               f"[{lo:.4g}, {hi:.4g}]")
        raise NoSwitchingValueError(msg)
    k = int(flips[np.argmin(np.abs(grid[flips] - base))])
    j = k - 1 if grid[k] > base else k + 1
    if integer or not 0 <= j < grid.size or gaps[j] <= 0.0:
        value = float(grid[k])
        past = value
    else:
        def f(x: float) -> float:
            return float(gap(evaluate(np.asarray([x])))[0])

        from scipy.optimize import brentq

        value = float(brentq(f, min(grid[j], grid[k]), max(grid[j], grid[k]), xtol=xtol,
                             rtol=4 * np.finfo(float).eps))
        # just past the root, on the far side from the case's value
        step = max(abs(value), 1.0) * 1e-7 + 2 * xtol
        past = value + step if grid[k] > base else value - step
        if f(past) > 0.0:
            past = float(grid[k])
    m_past = evaluate(np.asarray([past]))[0]
    others = [o for o in range(m_past.size) if o != pref]
    taker = others[int(np.argmax(m_past[others]))]
    change = None if base == 0 else (value - base) / abs(base)
    return SwitchingResult(name, inp.field, FIELD_UNITS[inp.field], base, value, change,
                           (float(lo), float(hi)), model.option_names[pref],
                           model.option_names[taker], metric,
                           "whole years" if inp.field == "delay" else "")


def switching_values(model: CaseModel) -> list[SwitchingResult]:
    """:func:`switching_value` of every input; ``value`` is ``None`` where none exists."""
    out = []
    for name in model.spec.input_names:
        try:
            out.append(switching_value(model, name))
        except NoSwitchingValueError as exc:
            inp = model.spec.input(name)
            metric, pref, _ = _metric(model, name)
            lo, hi = search_bounds(model, name)
            out.append(SwitchingResult(name, inp.field, FIELD_UNITS[inp.field],
                                       _base(model, name), None, None, (lo, hi),
                                       model.option_names[pref], None, metric, str(exc)))
    return out
