"""Financial measures: NPV, IRR, MIRR, payback and the time-value-of-money functions.

The financial case of a business case (and many readers of an economic case) asks for
measures that the Green Book's NPSV does not give: an internal rate of return, a payback
year, an annuity payment. This module provides them with numpy-financial's signatures
and conventions, and with the **draws axis** where it is meaningful: cash flows run along
the *last* axis, and any leading axes (Monte Carlo draws, options) are kept.

- :func:`pmt`, :func:`fv`, :func:`rate`, :func:`nper` call numpy-financial (a dependency)
  unchanged: they broadcast already.
- :func:`npv` and :func:`mirr` follow numpy-financial's definitions (its test-suite values
  are this module's known-answer tests) but are written here over the last axis, because
  numpy-financial 1.0's ``npv`` and ``mirr`` take one stream at a time.
- :func:`irr` does **not** pick a rate when there is none or several: numpy-financial
  returns the root nearest zero (a guess when a stream has several) and Excel the root its
  Newton iteration happens to reach from ``guess``. Here a stream whose NPV never reaches
  zero, or whose NPV is zero at more than one rate, is reported as such
  (:func:`irr_all` lists every rate; :func:`irr_summary` reports the case for outputs).
- :func:`xnpv` and :func:`xirr` discount dated cash flows by actual/365 from the first
  date, as Excel's ``XNPV`` and ``XIRR``.
- :func:`payback` gives the simple or discounted payback year.

Sign convention: money out (costs) negative, money in (benefits, savings) positive.
Periods are years ``t = 0, 1, ...``; the first value is undiscounted, as in the Green
Book (the discount factor of year 0 is 1).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues

__all__ = [
    "fv",
    "irr",
    "irr_all",
    "irr_summary",
    "mirr",
    "nper",
    "npv",
    "payback",
    "pmt",
    "rate",
    "xirr",
    "xnpv",
]

#: Days in a year for dated cash flows (Excel's XNPV/XIRR: "discounted based on a
#: 365-day year"); a day-count convention, not a published parameter.
_DAYS_PER_YEAR = 365.0


def _npf() -> Any:
    import numpy_financial

    return numpy_financial


def _as_flows(values: npt.ArrayLike, name: str = "values") -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    issues = Issues()
    if arr.ndim == 0 or arr.shape[-1] == 0:
        issues.error("empty", f"'{name}' must hold at least one cash flow", location=name,
                     field=name, fix="give the cash flows by year, year 0 first")
    elif not np.all(np.isfinite(arr)):
        issues.error("not-finite", f"'{name}' holds a value that is not a finite number",
                     location=name, field=name, fix="replace NaN or infinite values")
    issues.raise_if_errors(name)
    return arr


# ---------------------------------------------------------------- numpy-financial as is
def pmt(rate: npt.ArrayLike, nper: npt.ArrayLike, pv: npt.ArrayLike, fv: npt.ArrayLike = 0,
        when: str | int = "end") -> Any:
    """Payment per period of an annuity (numpy-financial's ``pmt``, unchanged).

    Parameters
    ----------
    rate : array_like
        Interest rate per period.
    nper : array_like
        Number of periods.
    pv : array_like
        Present value (e.g. the amount borrowed).
    fv : array_like, optional
        Future value left at the end (default 0).
    when : {'end', 'begin'} or {0, 1}
        Payments at the end (default) or the beginning of each period.

    Returns
    -------
    ndarray or float
        The payment, negative when ``pv`` is positive (money paid out).

    Warnings
    --------
    Excel's ``PMT(rate, nper, pv, [fv], [type])`` uses the same sign convention and
    ``type = 1`` for payments in advance; the arguments are in the same order.

    Examples
    --------
    >>> round(float(pmt(0.08 / 12, 5 * 12, 15_000)), 6)   # numpy-financial's test value
    -304.145914
    """
    return _npf().pmt(rate, nper, pv, fv, when)


def fv(rate: npt.ArrayLike, nper: npt.ArrayLike, pmt: npt.ArrayLike, pv: npt.ArrayLike,
       when: str | int = "end") -> Any:
    """Future value of a present amount and a stream of payments (numpy-financial's ``fv``).

    Warnings
    --------
    Excel's ``FV(rate, nper, pmt, [pv], [type])`` takes the same arguments in the same
    order; its ``pv`` is optional, here it is required (as in numpy-financial).

    Examples
    --------
    >>> round(float(fv(0.075, 20, -2000, 0, 0)), 6)   # numpy-financial's test value
    86609.362673
    """
    return _npf().fv(rate, nper, pmt, pv, when)


def rate(nper: npt.ArrayLike, pmt: npt.ArrayLike, pv: npt.ArrayLike, fv: npt.ArrayLike,
         when: str | int = "end", guess: float | None = None, tol: float | None = None,
         maxiter: int = 100) -> Any:
    """Interest rate per period of an annuity (numpy-financial's ``rate``, Newton's method).

    Returns NaN where Newton's method does not converge in ``maxiter`` steps.

    Warnings
    --------
    Excel's ``RATE(nper, pmt, pv, [fv], [type], [guess])`` also iterates from a guess
    (10%) and may return ``#NUM!`` where this returns NaN.

    Examples
    --------
    >>> round(float(rate(10, 0, -3500, 10_000)), 4)   # numpy-financial's test value
    0.1107
    """
    return _npf().rate(nper, pmt, pv, fv, when, guess, tol, maxiter)


def nper(rate: npt.ArrayLike, pmt: npt.ArrayLike, pv: npt.ArrayLike, fv: npt.ArrayLike = 0,
         when: str | int = "end") -> Any:
    """Number of periods to reach ``fv`` (numpy-financial's ``nper``).

    Warnings
    --------
    Excel's ``NPER(rate, pmt, pv, [fv], [type])`` takes the same arguments.

    Examples
    --------
    >>> round(float(nper(0.075, -2000, 0, 100_000.0)), 2)   # numpy-financial's test value
    21.54
    """
    return _npf().nper(rate, pmt, pv, fv, when)


# ------------------------------------------------------------------------- NPV and MIRR
def npv(rate: npt.ArrayLike, values: npt.ArrayLike) -> Any:
    """Net present value of cash flows at years ``0, 1, ...``: ``Σ_t v_t / (1 + rate)^t``.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per period; an array broadcasts against the leading axes of
        ``values`` (e.g. one rate per draw).
    values : array_like, shape (..., T)
        Cash flows along the last axis, year 0 first. Leading axes (draws, options) are
        kept.

    Returns
    -------
    float or ndarray of shape (...)

    Warnings
    --------
    Excel's ``NPV(rate, value1, ...)`` discounts its **first** value by one period (it
    treats every value as arriving at the end of a period). The Excel equivalent of
    ``npv(r, v)`` is ``=v0 + NPV(r, v1:vn)``, not ``=NPV(r, v0:vn)``, which is smaller by
    a factor ``1 + r``. This function follows numpy-financial and the Green Book: year 0
    is undiscounted. For a Green Book declining schedule, use the discount factors of
    :func:`appraisal.discount_factors` instead of a single rate.

    Examples
    --------
    >>> round(float(npv(0.05, [-15_000, 1500, 2500, 3500, 4500, 6000])), 2)
    122.89
    >>> npv(0.0, [[-1, 2], [-3, 1]]).tolist()   # one NPV per row (draw)
    [1.0, -2.0]
    """
    v = _as_flows(values)
    r = np.asarray(rate, dtype=np.float64)
    t = np.arange(v.shape[-1], dtype=np.float64)
    out = np.sum(v / (1.0 + r[..., None]) ** t, axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def mirr(values: npt.ArrayLike, finance_rate: npt.ArrayLike, reinvest_rate: npt.ArrayLike
         ) -> Any:
    """Modified internal rate of return (numpy-financial's definition, over the last axis).

    ``((|NPV(reinvest_rate, inflows)| / |NPV(finance_rate, outflows)|) ** (1 / (n - 1)))
    * (1 + reinvest_rate) - 1``, with ``n`` the number of periods. NaN for a stream without
    both an inflow and an outflow (numpy-financial's convention; MIRR is then undefined).

    Warnings
    --------
    Excel's ``MIRR(values, finance_rate, reinvest_rate)`` is the same formula, and returns
    ``#DIV/0!`` where this returns NaN.

    Examples
    --------
    >>> round(float(mirr([-120_000, 39_000, 30_000, 21_000, 37_000, 46_000], 0.10, 0.12)), 6)
    0.126094
    >>> np.round(mirr([[-4500, -800, 800, 800, 600, 600, 800, 800, 700, 3000],
    ...                [39_000, 30_000, 21_000, 37_000, 46_000, 0, 0, 0, 0, 0]],
    ...               0.08, 0.055), 4).tolist()
    [0.0666, nan]
    """
    v = _as_flows(values)
    n = v.shape[-1]
    pos = np.where(v > 0, v, 0.0)
    neg = np.where(v < 0, v, 0.0)
    numer = np.abs(np.asarray(npv(reinvest_rate, pos), dtype=np.float64))
    denom = np.abs(np.asarray(npv(finance_rate, neg), dtype=np.float64))
    ok = (numer > 0) & (denom > 0) & (n > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok, (numer / np.where(ok, denom, 1.0)) ** (1.0 / max(n - 1, 1))
                       * (1.0 + np.asarray(reinvest_rate, dtype=np.float64)) - 1.0, np.nan)
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------------------- IRR
def _sign_changes(v: np.ndarray) -> np.ndarray:
    """Number of sign changes along the last axis, zeros skipped (Descartes' rule)."""
    s = np.sign(v)
    out = np.zeros(v.shape[:-1], dtype=np.int64)
    last = np.zeros(v.shape[:-1])
    for k in range(v.shape[-1]):
        cur = s[..., k]
        out += (cur != 0) & (last != 0) & (cur != last)
        last = np.where(cur != 0, cur, last)
    return out


def _roots_1d(v: np.ndarray) -> list[float]:
    """Every real rate r > -1 at which the NPV of ``v`` is zero, ascending.

    Roots of the polynomial ``Σ v_t x^t`` in ``x = 1 / (1 + r) > 0`` (the method of
    numpy-financial's ``irr``), polished by Newton's method on ``x`` and kept only when
    the NPV there is zero to rounding; repeated roots are counted once.
    """
    big = np.abs(v).max(initial=0.0)
    # trailing terms negligible against the largest make the companion matrix singular
    nz = np.flatnonzero(np.abs(v) > 1e-13 * big)
    if nz.size == 0:
        return []
    c = v[: nz[-1] + 1]
    if c.size < 2:
        return []
    cands = np.roots(c[::-1])
    # candidates come from the trimmed polynomial; polish and accept them on the whole
    # stream, since a trimmed term times a large x (a rate near -100%) need not be small
    c = v[: np.flatnonzero(v)[-1] + 1]
    dc = np.arange(1, c.size) * c[1:]
    out: list[float] = []
    for z in cands:
        if z.real <= 0 or abs(z.imag) > 1e-6 * max(1.0, abs(z)):
            continue
        x = float(z.real)
        for _ in range(50):
            f = np.polyval(c[::-1], x)
            d = np.polyval(dc[::-1], x) if dc.size else 0.0
            if d == 0:
                break
            step = f / d
            if not np.isfinite(step) or x - step <= 0:
                break
            x -= step
            if abs(step) <= 1e-15 * max(1.0, abs(x)):
                break
        scale = float(np.polyval(np.abs(c[::-1]), x))
        if abs(np.polyval(c[::-1], x)) > 1e-9 * max(scale, 1e-300):
            continue
        r = float(1.0 / x - 1.0)
        if not any(abs(r - q) <= 1e-7 * max(1.0, abs(q)) for q in out):
            out.append(r)
    return sorted(out)


def irr_all(values: npt.ArrayLike) -> list[float]:
    """Every internal rate of return of one cash-flow stream (every real ``r > -1`` with
    ``NPV(r) = 0``), ascending; empty when there is none.

    A conventional stream (outflows then inflows: one change of sign) has exactly one;
    a stream with ``k`` changes of sign has at most ``k`` (Descartes' rule of signs).

    Examples
    --------
    >>> [round(r, 4) for r in irr_all([-100, 230, -132])]   # (1.1)(1.2): two IRRs
    [0.1, 0.2]
    >>> irr_all([1, -3, 3])                                   # never zero: none
    []
    """
    v = _as_flows(values)
    if v.ndim != 1:
        msg = "irr_all takes one stream (a 1-D array); use irr() for a draws axis"
        raise ValueError(msg)
    return _roots_1d(v)


def _irr_problem(v: np.ndarray, roots: list[float]) -> tuple[str, str] | None:
    if _sign_changes(v[None, :])[0] == 0:
        return ("no-irr", "the cash flows never change sign, so no rate makes the NPV zero "
                "(an IRR needs at least one outflow and one inflow)")
    if not roots:
        return ("no-irr", "the NPV is not zero at any rate above -100%, so there is no IRR")
    if len(roots) > 1:
        rates = ", ".join(f"{r:.4%}" for r in roots)
        return ("multiple-irr", f"the NPV is zero at {len(roots)} rates ({rates}): the IRR "
                "is not unique and none of them is reported as 'the' IRR")
    return None


def irr(values: npt.ArrayLike, *, on_ambiguous: str = "raise") -> Any:
    """Internal rate of return: the rate ``r`` at which ``npv(r, values) = 0``.

    Parameters
    ----------
    values : array_like, shape (..., T)
        Cash flows along the last axis, year 0 first; leading axes (draws) are kept.
    on_ambiguous : {'raise', 'nan'}
        What to do with a stream that has no IRR (no change of sign, or an NPV that never
        reaches zero) or several: raise a located
        :class:`~appraisal.errors.AppraisalValidationError` (default) or return NaN for
        that stream (for draws, where :func:`irr_summary` or :func:`irr_all` then says
        why).

    Returns
    -------
    float or ndarray of shape (...)

    Raises
    ------
    AppraisalValidationError
        ``no-irr`` or ``multiple-irr``, naming the stream (the draw index for arrays).

    Warnings
    --------
    Excel's ``IRR(values, [guess])`` iterates from ``guess`` (10%) and returns whichever
    root it reaches, or ``#NUM!`` after 20 tries; for a stream with several IRRs its answer
    depends on the guess. numpy-financial 1.0 returns the root nearest zero. Neither says
    that the answer is not unique; this function does. For such streams report the NPV at
    the discount rate, or :func:`mirr`.

    Examples
    --------
    Microsoft's IRR example (initial cost 70,000, five years of net income):

    >>> flows = [-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]
    >>> round(irr(flows), 3), round(irr(flows[:5]), 3)
    (0.087, -0.021)
    >>> irr([[-100, 110], [-200, 220]]).round(6).tolist()   # one IRR per draw
    [0.1, 0.1]
    >>> irr([[-100, 110, 0], [100, 50, 0]], on_ambiguous="nan").round(6).tolist()
    [0.1, nan]
    """
    if on_ambiguous not in ("raise", "nan"):
        msg = f"on_ambiguous must be 'raise' or 'nan' (got {on_ambiguous!r})"
        raise ValueError(msg)
    v = _as_flows(values)
    flat = v.reshape(-1, v.shape[-1])
    out = np.full(flat.shape[0], np.nan)
    issues = Issues()
    for k, row in enumerate(flat):
        roots = _roots_1d(row)
        problem = _irr_problem(row, roots)
        if problem is None:
            out[k] = roots[0]
        elif on_ambiguous == "raise" and len(issues) < 5:
            idx = ", ".join(str(int(i)) for i in np.unravel_index(k, v.shape[:-1]))
            where = "values" if v.ndim == 1 else f"values[{idx}]"
            issues.error(problem[0], problem[1], location=where, field=where,
                         fix="report the NPV at the discount rate (or MIRR) instead; "
                         "irr_all() lists every rate; irr(..., on_ambiguous='nan') "
                         "returns NaN")
    issues.raise_if_errors("irr")
    return float(out[0]) if v.ndim == 1 else out.reshape(v.shape[:-1])


def irr_summary(values: npt.ArrayLike) -> dict[str, Any]:
    """The IRR of one stream as a record for outputs: the rate and why there may be none.

    Returns ``{"irr": float | None, "status": "unique" | "none" | "multiple",
    "rates": [...], "note": str}``.

    Examples
    --------
    >>> irr_summary([-100, 230, -132])["status"], irr_summary([-1, -2])["irr"]
    ('multiple', None)
    """
    v = _as_flows(values)
    roots = _roots_1d(v)
    problem = _irr_problem(v, roots)
    if problem is None:
        return {"irr": roots[0], "status": "unique", "rates": roots, "note": ""}
    return {"irr": None, "status": "none" if problem[0] == "no-irr" else "multiple",
            "rates": roots, "note": problem[1]}


# ------------------------------------------------------------------------------ payback
def payback(values: npt.ArrayLike, rate: npt.ArrayLike | None = None, *,
            discount_factors: npt.ArrayLike | None = None) -> Any:
    """Payback year: the first year from which the cumulative net cash flow stays >= 0.

    Simple payback by default; discounted payback with a ``rate`` (constant) or with
    ``discount_factors`` (e.g. the Green Book schedule from
    :func:`appraisal.discount_factors`). Years count from 0 (the first value).

    Parameters
    ----------
    values : array_like, shape (..., T)
        Net cash flows (inflows positive) along the last axis; leading axes kept.
    rate : float or array_like, optional
        Constant discount rate for the discounted payback.
    discount_factors : array_like, shape (T,), optional
        Discount factors by year (instead of ``rate``).

    Returns
    -------
    int or None, or ndarray of float (NaN where the stream never pays back)
        For one stream, the year index or ``None``.

    Notes
    -----
    "Stays" matters for streams with late outflows (renewals, decommissioning): a stream
    that turns positive and then negative again has not paid back at the first crossing.
    With this definition payback can only get later when costs rise.

    Examples
    --------
    >>> payback([-100, 30, 40, 50, 10])                 # cumulative -100, -70, -30, 20
    3
    >>> payback([-100, 30, 40, 50, 10], rate=0.1)       # discounted: 20.7 short at year 3
    4
    >>> payback([-100, 150, -80]) is None               # pays back, then falls back
    True
    >>> payback([[-10, 20], [-10, 5]]).tolist()
    [1.0, nan]
    """
    v = _as_flows(values)
    if rate is not None and discount_factors is not None:
        msg = "give 'rate' or 'discount_factors', not both"
        raise ValueError(msg)
    if discount_factors is not None:
        df = np.asarray(discount_factors, dtype=np.float64)
        if df.shape != (v.shape[-1],):
            msg = (f"'discount_factors' must have one factor per year ({v.shape[-1]}), "
                   f"got shape {df.shape}")
            raise ValueError(msg)
        v = v * df
    elif rate is not None:
        r = np.asarray(rate, dtype=np.float64)
        v = v / (1.0 + r[..., None]) ** np.arange(v.shape[-1], dtype=np.float64)
    cum = np.cumsum(v, axis=-1)
    tol = 1e-9 * np.maximum(np.max(np.abs(cum), axis=-1, keepdims=True), 1.0)
    ok = cum >= -tol
    # stays non-negative from year t to the end: reverse cumulative AND
    stays = np.flip(np.logical_and.accumulate(np.flip(ok, axis=-1), axis=-1), axis=-1)
    any_ok = stays.any(axis=-1)
    first = np.argmax(stays, axis=-1)
    out = np.where(any_ok, first.astype(np.float64), np.nan)
    if v.ndim == 1:
        return int(out) if any_ok else None
    return out


# ------------------------------------------------------------------------- dated flows
def _year_fractions(dates: Sequence[Any], n: int) -> np.ndarray:
    issues = Issues()
    if len(dates) != n:
        issues.error("length-mismatch", f"'dates' has {len(dates)} entries and 'values' "
                     f"{n}", location="dates", field="dates",
                     fix="give one date for each cash flow")
        issues.raise_if_errors("dates")
    days = []
    for k, d in enumerate(dates):
        try:
            if isinstance(d, _dt.datetime):
                d = d.date()
            if isinstance(d, str):
                d = _dt.date.fromisoformat(d)
            if isinstance(d, np.datetime64):
                d = d.astype("datetime64[D]").astype(_dt.date)
            days.append(d.toordinal())
        except (TypeError, ValueError, AttributeError):
            issues.error("bad-date", f"dates[{k}] is not a date (got {d!r})",
                         location=f"dates[{k}]", field=f"dates[{k}]",
                         fix="give dates as datetime.date or 'YYYY-MM-DD'")
    issues.raise_if_errors("dates")
    ordinals = np.asarray(days, dtype=np.float64)
    before = np.flatnonzero(ordinals < ordinals[0])
    for k in before[:3]:
        issues.error("date-before-start", f"dates[{k}] ({_dt.date.fromordinal(int(days[k]))}) "
                     f"is before the first date ({_dt.date.fromordinal(int(days[0]))})",
                     location=f"dates[{k}]", field=f"dates[{k}]",
                     fix="the first date starts the schedule (as in Excel's XNPV); put the "
                     "earliest cash flow first")
    issues.raise_if_errors("dates")
    return (ordinals - ordinals[0]) / _DAYS_PER_YEAR


def xnpv(rate: npt.ArrayLike, values: npt.ArrayLike, dates: Sequence[Any]) -> Any:
    """Net present value of dated cash flows: ``Σ_i P_i / (1 + rate) ** ((d_i - d_1) / 365)``.

    Parameters
    ----------
    rate : float or array_like
        Annual discount rate (broadcast against the leading axes of ``values``).
    values : array_like, shape (..., N)
        Cash flows along the last axis; leading axes (draws) kept.
    dates : sequence of date, length N
        The date of each cash flow (``datetime.date``, ``numpy.datetime64`` or ISO text);
        the first starts the schedule and no other may precede it.

    Warnings
    --------
    Like Excel's ``XNPV``, the first cash flow is undiscounted and the year is 365 days
    (actual/365, leap days included in the day count). Unlike Excel's ``NPV``, nothing
    is discounted by a whole extra period.

    Examples
    --------
    Microsoft's XNPV example (9%, five dated flows):

    >>> import datetime as dt
    >>> dates = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30),
    ...          dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
    >>> round(xnpv(0.09, [-10_000, 2750, 4250, 3250, 2750], dates), 4)
    2086.6476
    """
    v = _as_flows(values)
    t = _year_fractions(dates, v.shape[-1])
    r = np.asarray(rate, dtype=np.float64)
    out = np.sum(v / (1.0 + r[..., None]) ** t, axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def _xroots(v: np.ndarray, t: np.ndarray) -> list[float]:
    from scipy.optimize import brentq

    # NPV as a function of u = ln(1 + r): smooth on the whole line; scan for sign changes
    def f(u: float) -> float:
        return float(np.sum(v * np.exp(-u * t)))

    grid = np.linspace(np.log(1e-4), np.log(1e4), 4001)
    vals = np.array([f(u) for u in grid])
    roots = [float(np.expm1(grid[k])) for k in np.flatnonzero(vals == 0)]
    for k in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0):
        u = brentq(f, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-14)
        roots.append(float(np.expm1(u)))
    return sorted(roots)


def xirr(values: npt.ArrayLike, dates: Sequence[Any], *, on_ambiguous: str = "raise"
         ) -> Any:
    """Internal rate of return of dated cash flows (actual/365 from the first date).

    The annual rate at which :func:`xnpv` is zero, searched over rates from -99.99% to
    +999,900% (bracketed roots, Brent's method); no rate or several are reported as for
    :func:`irr`.

    Warnings
    --------
    Excel's ``XIRR`` iterates from ``guess`` (10%) and returns ``#NUM!`` after 100 tries;
    with several roots its answer depends on the guess.

    Examples
    --------
    Microsoft's XIRR example (same flows and dates as its XNPV example):

    >>> import datetime as dt
    >>> dates = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30),
    ...          dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
    >>> round(xirr([-10_000, 2750, 4250, 3250, 2750], dates), 6)
    0.373363
    """
    if on_ambiguous not in ("raise", "nan"):
        msg = f"on_ambiguous must be 'raise' or 'nan' (got {on_ambiguous!r})"
        raise ValueError(msg)
    v = _as_flows(values)
    t = _year_fractions(dates, v.shape[-1])
    flat = v.reshape(-1, v.shape[-1])
    out = np.full(flat.shape[0], np.nan)
    issues = Issues()
    for k, row in enumerate(flat):
        roots = _xroots(row, t)
        problem = _irr_problem(row, roots)
        if problem is None:
            out[k] = roots[0]
        elif on_ambiguous == "raise" and len(issues) < 5:
            where = "values" if v.ndim == 1 else f"values[{k}]"
            issues.error(problem[0], problem[1], location=where, field=where,
                         fix="report the XNPV at the discount rate instead, or use "
                         "on_ambiguous='nan'")
    issues.raise_if_errors("xirr")
    return float(out[0]) if v.ndim == 1 else out.reshape(v.shape[:-1])
