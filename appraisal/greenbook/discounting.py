"""Discount factors: Green Book declining schedules, compounded year by year.

Conventions (stated once here, and arguments everywhere):

- Years are counted from the base year: ``t = year - base_year``. **Year 0 is
  undiscounted** (factor 1).
- Factors are the cumulative product of one-year factors:
  ``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r(t))``, where ``r(t)`` is the rate of the
  band year ``t`` falls in (Green Book 2018 A6; DfT TAG "Forthcoming change: Green Book
  updates", 2026). So ``DF_31 = DF_30 / 1.03``; the year-31 rate is never applied back
  to year 1.
- Timing is end-of-year by default: year ``t``'s flows are discounted by ``t`` years
  and **year 0 is undiscounted**. ``timing="mid"`` places every year's flows, year 0's
  included, at the middle of the year and discounts them to the start of year 0 (the
  base date): ``DF_mid(t) = DF_t / (1 + r(1))**0.5``. Flows stay exactly one year
  apart under either timing (``DF(t+1) / DF(t) = 1 / (1 + r(t+1))`` for every
  ``t >= 0``); mid-year timing only moves the whole stream half a year later, so year
  0 is discounted by half a year at the year-1 rate and is no longer exactly 1.
- An annuity (:func:`annuity_factor`, :func:`equivalent_annual`) covers the years the
  flows occupy, ``t = 0 .. n-1`` for an ``n``-year appraisal period: an annuity-due,
  with the same schedule and timing as the appraisal, so a level stream's equivalent
  annual value is its level.

The rates come from the parameter pack (``data/green_book/discount_schedules.csv``),
never from literals in code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from appraisal.errors import ParameterError
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = [
    "SCHEDULES",
    "TIMINGS",
    "DiscountSchedule",
    "Schedule",
    "Timing",
    "annuity_factor",
    "discount_factors",
    "equivalent_annual",
    "factors_from_rates",
    "schedule_rates",
]



class Schedule(StrEnum):
    """The shipped discount schedules (a case may add its own, by other names)."""

    STANDARD = "standard"
    HEALTH = "health"
    REDUCED = "reduced"


class Timing(StrEnum):
    """When a year's flows arise: at its end (the default) or in its middle."""

    END = "end"
    MID = "mid"


#: Names of the shipped schedules.
SCHEDULES: tuple[str, ...] = tuple(s.value for s in Schedule)
#: The values of :class:`Timing`, as plain text.
TIMINGS: tuple[str, ...] = tuple(t.value for t in Timing)


def factors_from_rates(rates: npt.ArrayLike, *, timing: Timing | str = Timing.END) -> np.ndarray:
    """Discount factors from one-year rates (kernel; does not validate).

    Parameters
    ----------
    rates : array_like, shape (..., T)
        ``rates[..., k]`` is the rate applying in year ``t = k + 1``. Leading axes
        (e.g. draws) broadcast. Mid-year timing needs ``T >= 1`` (the year-1 rate).
    timing : {"end", "mid"}
        ``"end"``: year ``t``'s flows are discounted by ``t`` years, so the year-0
        factor is exactly 1. ``"mid"``: every year's flows arrive half a year later,
        at ``t + 0.5`` years after the start of year 0, so every factor, year 0's
        included, is the end-of-year factor times ``(1 + r(1)) ** -0.5``.

    Returns
    -------
    numpy.ndarray, shape (..., T + 1)
        Factors for ``t = 0 .. T``. Under either timing consecutive factors are one
        year apart: ``out[..., t + 1] / out[..., t] == 1 / (1 + rates[..., t])``.

    Warnings
    --------
    Excel's ``NPV()`` discounts its first value. Here year 0 is undiscounted under
    end-of-year timing, so ``sum(values * factors)`` equals ``values[0] + NPV(rate,
    values[1:])`` in Excel. Under mid-year timing the whole stream is discounted by a
    further half year: ``(values[0] + NPV(rate, values[1:])) / (1 + rate) ** 0.5``.

    Examples
    --------
    >>> factors_from_rates([0.035, 0.035]).round(6)
    array([1.      , 0.966184, 0.933511])
    >>> factors_from_rates([0.035, 0.035], timing="mid").round(6)   # 1.035 ** -(t + 0.5)
    array([0.982946, 0.949707, 0.917591])
    """
    r = np.asarray(rates, dtype=np.float64)
    step = 1.0 / (1.0 + r)
    out = np.empty((*r.shape[:-1], r.shape[-1] + 1), dtype=np.float64)
    out[..., 0] = 1.0
    np.cumprod(step, axis=-1, out=out[..., 1:])
    if timing == "mid":
        if r.shape[-1] == 0:
            msg = "mid-year timing needs the year-1 rate (give at least one rate)"
            raise ValueError(msg)
        out *= np.sqrt(step[..., :1])
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
        if isinstance(band.value, str) or not np.isfinite(band.value) or band.value <= -1:
            msg = (f"discount schedule {schedule!r} has the rate {band.value!r} at "
                   f"{band.origin or 'a row without origin'}: a rate must be a finite number "
                   "greater than -1 (e.g. 0.035 for 3.5%)")
            raise ParameterError(msg)
        lo = int(band.get("from_t"))
        hi_text = band.get("to_t")
        hi = int(hi_text) if hi_text else np.iinfo(np.int64).max
        rates[(t >= lo) & (t <= hi)] = float(band.value)
    if np.isnan(rates).any():
        msg = f"discount schedule {schedule!r} does not cover every year 1..{horizon}"
        raise ParameterError(msg)
    return rates


@dataclass(frozen=True, eq=False, slots=True)
class DiscountSchedule:
    """A discount schedule parsed once: its name, its one-year rates and where they come from.

    The engine compiles each schedule a case uses into one of these, so a schedule's bands
    are read from the parameter pack once and a case can give its own per-year rates.

    Parameters
    ----------
    name : str
        The name lines refer to (``standard``, ``health``, ``reduced``, or a case's own).
    rates : numpy.ndarray, shape (n,)
        ``rates[k]`` is the one-year rate of year ``t = k + 1`` (read-only).
    source : str
        Where the rates come from, in words.
    rows : tuple of ParameterRow
        The parameter-pack rows of a shipped or user-pack schedule (empty for a case's own).

    Examples
    --------
    >>> s = DiscountSchedule.from_pack("standard", 31)
    >>> float(s.rates[29]), float(s.rates[30])   # t = 30 and t = 31
    (0.035, 0.03)
    >>> own = DiscountSchedule.from_rates("local", [0.04, 0.04], source="council policy")
    >>> own.factors().round(6)
    array([1.      , 0.961538, 0.924556])
    """

    name: str
    rates: np.ndarray
    source: str = ""
    rows: tuple[ParameterRow, ...] = ()

    @classmethod
    def from_pack(cls, name: str, horizon: int, pack: ParameterPack | None = None
                  ) -> DiscountSchedule:
        """The rates ``r(1) .. r(horizon)`` of a schedule the parameter pack holds.

        Raises
        ------
        ParameterError
            If the pack has no such schedule, or its bands leave a year uncovered.
        """
        pack = pack or ParameterPack.green_book()
        rates = schedule_rates(name, horizon, pack=pack)
        rows = tuple(pack.rows("discount_schedules", schedule=name))
        origin = rows[0].source if rows else "parameter pack"
        return cls(name, _frozen(rates), origin, rows)

    @classmethod
    def from_rates(cls, name: str, rates: Sequence[float] | npt.ArrayLike, *,
                   source: str = "") -> DiscountSchedule:
        """A schedule of given one-year rates, one per year ``t = 1, 2, ...``.

        Raises
        ------
        ValueError
            If a rate is not finite or not greater than -1.
        """
        vector = np.asarray(rates, dtype=np.float64)
        return cls(name, _frozen(schedule_rates(vector, int(vector.shape[0]))), source)

    @property
    def years(self) -> int:
        """The number of years ``t = 1 .. years`` the schedule gives a rate for."""
        return int(self.rates.shape[0])

    def first(self, n: int) -> np.ndarray:
        """The rates of years ``t = 1 .. n`` (``n`` must not exceed :attr:`years`)."""
        if n > self.years:
            msg = (f"discount schedule {self.name!r} gives rates for {self.years} years; "
                   f"{n} are needed")
            raise ValueError(msg)
        return self.rates[:n]

    def factors(self, *, timing: Timing | str = Timing.END) -> np.ndarray:
        """Discount factors for ``t = 0 .. years`` (:func:`factors_from_rates`)."""
        return factors_from_rates(self.rates, timing=timing)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def discount_factors(
    horizon: int,
    schedule: str | Sequence[float] = "standard",
    *,
    timing: Timing | str = Timing.END,
    pack: ParameterPack | None = None,
) -> np.ndarray:
    """Discount factors for ``t = 0 .. horizon`` under a Green Book schedule.

    Parameters
    ----------
    horizon : int
        Last year ``t`` (years counted from the base year, which is year 0).
    schedule : {"standard", "health", "reduced"} or sequence of float, default "standard"
        A shipped declining schedule (3.5%, 1.5% health, 3.0% reduced, each declining
        with the years), or one rate per year ``t = 1 .. horizon`` (under mid-year
        timing with ``horizon == 0``, the year-1 rate alone).
    timing : {"end", "mid"}, default "end"
        End-of-year flows (the Green Book default; year 0 undiscounted) or mid-year
        flows (every year's flows, year 0's included, half a year after the start of
        the year, discounted to the start of year 0).
    pack : ParameterPack, optional
        Parameter pack holding the schedules (the shipped Green Book pack by default).

    Returns
    -------
    numpy.ndarray, shape (horizon + 1,)
        ``factors[t]``; ``factors[0] == 1`` under end-of-year timing.

    Warnings
    --------
    Year 0 is undiscounted under end-of-year timing. Excel's ``NPV(rate, v0, v1, ...)``
    discounts ``v0`` by one year, so the Excel equivalent of ``values @ factors`` is
    ``v0 + NPV(rate, v1, ...)``. Under ``timing="mid"`` year 0 is discounted by half a
    year, ``(1 + r(1)) ** -0.5``, and each later year by one more year than the last.

    Examples
    --------
    >>> df = discount_factors(31)
    >>> round(float(df[30]), 4), round(float(df[31]), 4)
    (0.3563, 0.3459)
    >>> discount_factors(2, [0.1, 0.1]).round(4)
    array([1.    , 0.9091, 0.8264])
    >>> discount_factors(2, [0.1, 0.1], timing="mid").round(4)   # 1.1 ** -(t + 0.5)
    array([0.9535, 0.8668, 0.788 ])
    """
    if timing not in ("end", "mid"):
        msg = f"'timing' must be 'end' or 'mid' (got {timing!r})"
        raise ValueError(msg)
    n_rates = horizon
    if timing == "mid" and isinstance(horizon, int | np.integer) and horizon == 0:
        n_rates = 1  # the half year before year 0's flows is discounted at r(1)
    rates = schedule_rates(schedule, n_rates, pack=pack)
    return factors_from_rates(rates, timing=timing)[: horizon + 1]


def annuity_factor(
    horizon_years: int,
    schedule: str | Sequence[float] = "standard",
    *,
    timing: Timing | str = Timing.END,
    pack: ParameterPack | None = None,
) -> float:
    """Present value of 1 a year in every year of an ``n``-year appraisal period.

    ``A = Σ_{t=0}^{n-1} DF_t``: the flows occupy years ``t = 0 .. n-1`` (year 0 being
    the base year), so this is an annuity-due over the appraisal period, discounted
    with the same schedule and timing as the appraisal itself. Under a flat rate ``r``
    and end-of-year timing ``A = (1 + r) (1 - (1 + r)^-n) / r``: the published
    annuity factor for years ``1 .. n`` moved one year earlier, as HM Treasury's
    discounting annex moves its annuity table for a stream that does not start in
    year 1 (paras A4.11-A4.12 and Tables 1 and 3 of the annex published on
    ppponline.affinitext.com, book 1664: PV = annuity factor x DF of the year before
    the first payment).

    Parameters
    ----------
    horizon_years : int
        Length ``n >= 1`` of the appraisal period (the case's ``horizon_years``).
    schedule : {"standard", "health", "reduced"} or sequence of float, default "standard"
        A shipped schedule, or one rate per year ``t = 1 .. n - 1`` (under mid-year
        timing, ``t = 1 .. max(n - 1, 1)``).
    timing : {"end", "mid"}, default "end"
        As in :func:`discount_factors`; use the appraisal's own timing.
    pack : ParameterPack, optional
        Parameter pack holding the schedules (the shipped Green Book pack by default).

    Returns
    -------
    float
        ``Σ_{t=0}^{n-1} DF_t`` (``1.0`` for a one-year period under end-of-year timing).

    Warnings
    --------
    Spreadsheet annuities are annuities-immediate: Excel's ``PV(r, n, -1)`` sums
    ``DF_1 .. DF_n`` and ``PMT(r, n, -pv)`` divides by that sum, as do the published
    annuity tables (Table 3, "Present value of £1 p.a.", first payment in year 1).
    Applied to a stream that starts in year 0 they overstate nothing in the PV but
    give an equivalent annual figure ``(1 + r)`` times too large; the Excel
    equivalent of this factor is ``PV(r, n, -1, 0, 1)`` (``type = 1``, payments at
    the start of each period). Summing ``DF_1 .. DF_{n-1}`` (one year too few) is
    wrong under any convention.

    Examples
    --------
    >>> round(annuity_factor(1), 6)
    1.0
    >>> round(annuity_factor(3, [0.1, 0.1]), 6)        # 1 + 1/1.1 + 1/1.1**2
    2.735537
    >>> pv = 400_000 * annuity_factor(40)              # a level £400k a year, 40 years
    >>> round(equivalent_annual(pv, 40), 6)
    400000.0
    """
    if isinstance(horizon_years, bool) or not isinstance(horizon_years, int | np.integer) \
            or horizon_years < 1:
        msg = f"'horizon_years' must be a whole number of years >= 1 (got {horizon_years!r})"
        raise ValueError(msg)
    df = discount_factors(int(horizon_years) - 1, schedule, timing=timing, pack=pack)
    return float(df.sum())


def equivalent_annual(
    pv: npt.ArrayLike,
    horizon_years: int,
    schedule: str | Sequence[float] = "standard",
    *,
    timing: Timing | str = Timing.END,
    pack: ParameterPack | None = None,
) -> np.ndarray | float:
    """The level amount a year, in every year of the appraisal period, with PV ``pv``.

    ``pv / annuity_factor(horizon_years, schedule, timing=timing, pack=pack)``: the
    equivalent annual cost (EAC) when ``pv`` is a PV of costs. A level stream of
    ``L`` a year in years ``t = 0 .. n-1``, discounted with the same schedule and
    timing, returns exactly ``L``.

    Parameters
    ----------
    pv : float or array_like
        Present value(s), discounted to the same base date as the appraisal.
    horizon_years, schedule, timing, pack
        As in :func:`annuity_factor`.

    Returns
    -------
    float or numpy.ndarray
        The equivalent annual amount(s), £ a year in the appraisal's price base.

    Warnings
    --------
    Not Excel's ``PMT(r, n, -pv)``, which assumes the first payment one year after the
    base date and so returns ``(1 + r)`` times this figure; ``PMT(r, n, -pv, 0, 1)``
    matches it under a flat rate and end-of-year timing.

    Examples
    --------
    >>> round(float(equivalent_annual(2.735537190, 3, [0.1, 0.1])), 6)
    1.0
    """
    a = annuity_factor(horizon_years, schedule, timing=timing, pack=pack)
    out = np.asarray(pv, dtype=np.float64) / a
    return float(out) if out.ndim == 0 else out
