"""Discount factors: Green Book declining schedules, compounded year by year.

Conventions (stated once here, and arguments everywhere):

- Years are counted from the base year: ``t = year - base_year``. **Year 0 is
  undiscounted** (factor 1).
- Factors are the cumulative product of one-year factors:
  ``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r(t))``, where ``r(t)`` is the rate of the
  band year ``t`` falls in (Green Book 2018 A6; DfT TAG "Forthcoming change: Green Book
  updates", 2026). So ``DF_31 = DF_30 / 1.03``; the year-31 rate is never applied back
  to year 1.
- Timing is end-of-year by default; ``timing="mid"`` discounts the flows of year
  ``t >= 1`` by half a year less (``DF_{t-1} / (1 + r(t))**0.5``); year 0 stays at 1.

The rates come from the parameter pack (``data/green_book/discount_schedules.csv``),
never from literals in code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from appraisal.errors import ParameterError
from appraisal.parameters import ParameterPack

__all__ = [
    "SCHEDULES",
    "discount_factors",
    "factors_from_rates",
    "schedule_rates",
]

#: Names of the shipped schedules.
SCHEDULES = ("standard", "health", "reduced")
Timing = Literal["end", "mid"]


def factors_from_rates(rates: npt.ArrayLike, *, timing: Timing = "end") -> np.ndarray:
    """Discount factors from one-year rates (kernel; does not validate).

    Parameters
    ----------
    rates : array_like, shape (..., T)
        ``rates[..., k]`` is the rate applying in year ``t = k + 1``. Leading axes
        (e.g. draws) broadcast.
    timing : {"end", "mid"}
        End-of-year (Green Book default) or mid-year flows for years ``t >= 1``.

    Returns
    -------
    numpy.ndarray, shape (..., T + 1)
        Factors for ``t = 0 .. T``; the first is exactly 1.

    Warnings
    --------
    Excel's ``NPV()`` discounts its first value. Here year 0 is undiscounted, so
    ``sum(values * factors)`` equals ``values[0] + NPV(rate, values[1:])`` in Excel.

    Examples
    --------
    >>> factors_from_rates([0.035, 0.035]).round(6)
    array([1.      , 0.966184, 0.933511])
    """
    r = np.asarray(rates, dtype=np.float64)
    step = 1.0 / (1.0 + r)
    out = np.empty((*r.shape[:-1], r.shape[-1] + 1), dtype=np.float64)
    out[..., 0] = 1.0
    np.cumprod(step, axis=-1, out=out[..., 1:])
    if timing == "mid":
        out[..., 1:] = out[..., :-1] * np.sqrt(step)
    return out


def schedule_rates(
    schedule: str | Sequence[float], horizon: int, *, pack: ParameterPack | None = None
) -> np.ndarray:
    """One-year rates ``r(t)`` for ``t = 1 .. horizon`` from a named schedule or a vector.

    Parameters
    ----------
    schedule : {"standard", "health", "reduced"} or sequence of float
        A shipped declining schedule, or the rate for each year ``t = 1 .. horizon``.
    horizon : int
        Last year ``t`` needed (``>= 0``).
    pack : ParameterPack, optional
        Where the schedules come from (the shipped Green Book pack by default).

    Examples
    --------
    >>> r = schedule_rates("standard", 32)
    >>> float(r[29]), float(r[30])   # t = 30 and t = 31
    (0.035, 0.03)
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 0:
        msg = f"'horizon' must be a whole number of years >= 0 (got {horizon!r})"
        raise ValueError(msg)
    if not isinstance(schedule, str):
        rates = np.asarray(schedule, dtype=np.float64)
        if rates.ndim != 1 or rates.shape[0] != horizon:
            msg = (
                f"a yearly rate vector must have one rate per year t = 1..{horizon} "
                f"({horizon} values; got shape {rates.shape})"
            )
            raise ValueError(msg)
        if not np.all(np.isfinite(rates)) or np.any(rates <= -1):
            msg = "yearly rates must be finite and greater than -1 (e.g. 0.035 for 3.5%)"
            raise ValueError(msg)
        return rates
    pack = pack or ParameterPack.green_book()
    bands = pack.rows("discount_schedules", schedule=schedule)
    if not bands:
        names = sorted({r.get("schedule") for r in pack.rows("discount_schedules")})
        msg = f"unknown discount schedule {schedule!r}; choose one of {', '.join(names)}"
        raise ParameterError(msg)
    t = np.arange(1, horizon + 1)
    rates = np.full(horizon, np.nan)
    for band in bands:
        lo = int(band.get("from_t"))
        hi_text = band.get("to_t")
        hi = int(hi_text) if hi_text else np.iinfo(np.int64).max
        rates[(t >= lo) & (t <= hi)] = float(band.value)
    if np.isnan(rates).any():
        msg = f"discount schedule {schedule!r} does not cover every year 1..{horizon}"
        raise ParameterError(msg)
    return rates


def discount_factors(
    horizon: int,
    schedule: str | Sequence[float] = "standard",
    *,
    timing: Timing = "end",
    pack: ParameterPack | None = None,
) -> np.ndarray:
    """Discount factors for ``t = 0 .. horizon`` under a Green Book schedule.

    Parameters
    ----------
    horizon : int
        Last year ``t`` (years counted from the base year, which is year 0).
    schedule : {"standard", "health", "reduced"} or sequence of float, default "standard"
        A shipped declining schedule (3.5%, 1.5% health, 3.0% reduced, each declining
        with the years), or one rate per year ``t = 1 .. horizon``.
    timing : {"end", "mid"}, default "end"
        End-of-year flows (the Green Book default) or mid-year flows.
    pack : ParameterPack, optional
        Parameter pack holding the schedules (the shipped Green Book pack by default).

    Returns
    -------
    numpy.ndarray, shape (horizon + 1,)
        ``factors[t]``; ``factors[0] == 1``.

    Warnings
    --------
    Year 0 is undiscounted. Excel's ``NPV(rate, v0, v1, ...)`` discounts ``v0`` by one
    year, so the Excel equivalent of ``values @ factors`` is ``v0 + NPV(rate, v1, ...)``.

    Examples
    --------
    >>> df = discount_factors(31)
    >>> round(float(df[30]), 4), round(float(df[31]), 4)
    (0.3563, 0.3459)
    >>> discount_factors(2, [0.1, 0.1]).round(4)
    array([1.    , 0.9091, 0.8264])
    """
    if timing not in ("end", "mid"):
        msg = f"'timing' must be 'end' or 'mid' (got {timing!r})"
        raise ValueError(msg)
    return factors_from_rates(schedule_rates(schedule, horizon, pack=pack), timing=timing)
