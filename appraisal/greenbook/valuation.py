"""Valuation of non-market impacts, the outcome chain and additionality.

A line can be given as *quantity × unit value* instead of pounds (Green Book order of
adjustments, step 1): WELLBYs, QALYs, prevented fatalities, tonnes of CO2e, or any unit
cost from a unit-value pack (:mod:`appraisal.params.unit_values`). Every value carries its price
year and source and is rebased to the case's price base with the GDP deflator (step 3);
real growth of a value over time is an explicit assumption with its own source
(:class:`~appraisal.case.model.RealGrowth`), never applied silently.

Step 2, additionality and persistence, is the outcome chain::

    net outcomes(t) = Σ_s cohort(s) · K(t − s)
                      × engagement × success × quantity_per_outcome
                      × (1 − deadweight) × (1 − displacement) × (1 − leakage)
                      × (1 − attribution_to_others)

    K(k) = (1 − drop_off) ** (k − lag)  for lag ≤ k < lag + persistence, else 0

so each year's cohort yields outcomes ``lag`` years later that last ``persistence`` years,
falling by ``drop_off`` a year after the first. The names and rules follow the SROI guide
(Cabinet Office 2009, updated 2012, Stage 4): ``attribution_to_others`` is its
*attribution*, "an assessment of how much of the outcome was caused by the contribution
of other organisations or people", deducted as a percentage, i.e. applied as
(1 − attribution_to_others); *drop-off* is deducted as a fixed percentage of the
remaining outcome at the end of each year and applies only to outcomes that last more
than one year, so ``drop_off`` > 0 with ``persistence`` = 1 is refused (it would have no
effect). With ``lag = 0`` and ``persistence = 1`` the line's timing is unchanged.

The kernels (:func:`additionality_factor`, :func:`persistence_filter`,
:func:`growth_factors`) work on arrays, broadcast over a leading draws axis and do not
validate; :func:`outcome_chain` is the validating wrapper for notebooks.

Shipped measures (:data:`MEASURES`) and where their values live:

======== ======================= =========== ============================================
measure  table                   unit        notes
======== ======================= =========== ============================================
wellby   wellbeing_values        WELLBY      low / central / high, 2019 prices (C2: opt in)
qaly     qaly_values             QALY        central (U: opt in)
vpf      vpf                     fatality    central, 2010 prices and incomes (C)
carbon   carbon_values           tCO2e       low / central / high by year, 2022 prices (C2)
======== ======================= =========== ============================================

Health and life values (``wellby``, ``qaly``, ``vpf``, and pack values marked
``schedule: health``) default to the health discount schedule (Green Book A6: the health
rate excludes the wealth effect because such values do not fall as incomes rise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Expected, Issue, Issues, ParameterError
from appraisal.greenbook.prices import DeflatorIndex, PriceBase, PriceBasis, rebase_factors
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = [
    "CHAIN_FACTORS",
    "MEASURES",
    "AdditionalityShares",
    "Measure",
    "RealGrowth",
    "UnitValueSpec",
    "Valuation",
    "additionality_factor",
    "delay_time_major",
    "growth_factors",
    "outcome_chain",
    "persistence_filter",
    "persistence_time_major",
    "resolve_valuation",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RealGrowth:
    """Real growth of a unit value over time, an explicit assumption with its source.

    The value in calendar year ``y`` is ``value × (1 + rate) ** (y − from_year)``;
    ``from_year`` defaults to the value's price year. Typical use: values that rise with
    real GDP per head (Green Book 2022, real-terms growth of values).
    """

    rate: float
    from_year: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitValueSpec:
    """How a line's yearly quantities are turned into money.

    Exactly one of: a shipped ``measure`` (``wellby``, ``qaly``, ``vpf``, ``carbon``) and
    its ``variant`` (``low``/``central``/``high``); a ``code`` in a unit-value pack
    (``pack`` names the pack when several are loaded); or an explicit ``value`` with its
    ``unit``, ``price_year`` and ``source``. Values are rebased from their own price year
    to the case's price base unless ``rebase`` is false.
    """

    measure: str | None = None
    variant: str = "central"
    pack: str | None = None
    code: str | None = None
    value: float | None = None
    unit: str = ""
    price_year: int | None = None
    source: str = ""
    rebase: bool = True
    real_growth: RealGrowth | None = None

    @property
    def method(self) -> str:
        """``measure``, ``pack`` or ``explicit``."""
        if self.measure is not None:
            return "measure"
        return "pack" if self.code is not None else "explicit"


#: The outcome-chain factors that must lie in [0, 1].
CHAIN_FACTORS = ("engagement", "success", "deadweight", "displacement", "leakage",
                 "attribution_to_others", "drop_off")


@dataclass(frozen=True, slots=True)
class Measure:
    """A shipped non-market measure: which parameter table holds its values."""

    name: str
    table: str
    unit: str
    health: bool
    by_year: bool = False
    value_type: str = "social"


#: Shipped measures by name.
MEASURES: Mapping[str, Measure] = {
    "wellby": Measure("wellby", "wellbeing_values", "WELLBY", health=True),
    "qaly": Measure("qaly", "qaly_values", "QALY", health=True),
    "vpf": Measure("vpf", "vpf", "prevented fatality", health=True),
    "carbon": Measure("carbon", "carbon_values", "tCO2e", health=False, by_year=True),
}


# ----------------------------------------------------------------------------- kernels
@dataclass(frozen=True, slots=True)
class AdditionalityShares:
    """The shares of a gross outcome that are not additional (kernel parameters).

    The Green Book's Additionality Guide deducts what would have happened anyway
    (``deadweight``), what the intervention takes from elsewhere (``displacement``) and
    what benefits those outside the target area or group (``leakage``); the SROI guide adds
    ``attribution_to_others``, the share due to other organisations or people. Each is a
    fraction in [0, 1] or an array of them (e.g. ``(D, L)`` draws by lines); the net
    outcome keeps ``1 − share`` of each. Does not validate: see :func:`outcome_chain`.

    Examples
    --------
    >>> float(AdditionalityShares(deadweight=0.25, leakage=0.2).net_of(100.0))
    60.0
    """

    deadweight: npt.ArrayLike = 0.0
    displacement: npt.ArrayLike = 0.0
    leakage: npt.ArrayLike = 0.0
    attribution_to_others: npt.ArrayLike = 0.0

    def items(self) -> tuple[tuple[str, npt.ArrayLike], ...]:
        """The four shares as ``(name, value)`` pairs, in the order above."""
        return tuple((name, getattr(self, name)) for name in self.__slots__)

    def net_of(self, gross: npt.ArrayLike) -> np.ndarray:
        """``gross × (1 − share)`` for each share in turn (arrays broadcast)."""
        out = np.asarray(gross, dtype=np.float64)
        for _, share_lost in self.items():
            out = out * (1.0 - np.asarray(share_lost, dtype=np.float64))
        return out


def additionality_factor(engagement: npt.ArrayLike = 1.0, success: npt.ArrayLike = 1.0, *,
                         quantity_per_outcome: npt.ArrayLike = 1.0,
                         **shares: npt.ArrayLike) -> np.ndarray:
    """Net share of a cohort's outcomes attributable to the intervention (kernel).

    ``engagement × success × quantity_per_outcome × (1 − deadweight) × (1 − displacement)
    × (1 − leakage) × (1 − attribution_to_others)``; the four ``shares`` are the keywords
    of :class:`AdditionalityShares`. Arguments broadcast (e.g. ``(D, L)`` draws by lines).
    Does not validate: see :func:`outcome_chain`.

    Warnings
    --------
    ``attribution_to_others`` is the share of the outcome due to *others* (the SROI
    guide's attribution), not the share credited to this intervention. The shares are
    keyword-only and the old keyword ``attribution`` is gone, so a call written the old
    way raises ``TypeError`` instead of silently changing meaning.

    Examples
    --------
    >>> round(float(additionality_factor(0.8, 0.5, deadweight=0.25,
    ...                                  attribution_to_others=0.5)), 6)
    0.15
    """
    gross = (np.asarray(engagement, dtype=np.float64) * np.asarray(success, dtype=np.float64)
             * np.asarray(quantity_per_outcome, dtype=np.float64))
    return AdditionalityShares(**shares).net_of(gross)


def renamed_attribution_message(old: Any) -> str:
    """The message for a case or call that still uses the removed key ``attribution``.

    Examples
    --------
    >>> "'attribution_to_others: 0.3'" in renamed_attribution_message(0.7)
    True
    """
    try:
        share = float(old)
        convert = (f"'attribution_to_others: {1.0 - share:.10g}' (1 − your old value "
                   f"{share:g})")
    except (TypeError, ValueError):
        convert = "'attribution_to_others' = 1 − your old value"
    return ("'attribution' is no longer accepted: it meant the share of the outcome credited "
            "to this intervention; give the share due to other organisations or people (the "
            f"SROI guide's attribution) instead: {convert}")


def delay_time_major(a: np.ndarray, by: npt.ArrayLike) -> np.ndarray:
    """Delay ``a`` (years on axis 0) by ``by`` whole years, filling zeros (kernel).

    ``by`` is a scalar, one delay per element of the last axis (e.g. per line, the same
    for every draw), or broadcastable to ``a.shape[1:]``. Slices, no gathers: the loop
    runs over the distinct delays (a handful), never over draws.
    """
    shifts = np.asarray(by, dtype=np.int64)
    out = np.zeros(a.shape, dtype=np.float64)
    T = a.shape[0]
    for k in np.unique(shifts):
        k = int(k)
        if k >= T:
            continue
        if shifts.ndim == 0:
            out[k:] = a[: T - k]
        elif shifts.ndim == 1 and shifts.shape[0] == a.shape[-1]:
            idx = np.flatnonzero(shifts == k)
            out[k:, ..., idx] = a[: T - k, ..., idx]
        else:
            mask = np.broadcast_to(shifts == k, a.shape[1:])
            out[k:, mask] = a[: T - k, mask]
    return out


def persistence_time_major(q: np.ndarray, lag: npt.ArrayLike, drop_off: npt.ArrayLike,
                           persistence: npt.ArrayLike) -> np.ndarray:
    """:func:`persistence_filter` with years on axis 0: ``q`` ``(T, ...)`` (kernel).

    ``q``'s trailing axes broadcast with ``drop_off`` (e.g. ``q`` ``(T, L)`` per line and
    ``drop_off`` ``(D, L)`` per draw give ``(T, D, L)``). Does not validate.
    """
    keep = 1.0 - np.asarray(drop_off, dtype=np.float64)
    n = np.asarray(persistence, dtype=np.int64)
    lags = np.asarray(lag, dtype=np.int64)
    tail = keep ** n  # weight of the cohort that leaves the window
    lead = np.broadcast_shapes(q.shape[1:], keep.shape, n.shape, lags.shape)
    # the filter is linear and time-invariant, so the lag can shift the (small) input
    # instead of the (draws-sized) output
    small = lags.ndim <= 1 and n.ndim <= 1
    source = q if small else np.broadcast_to(q, (q.shape[0], *lead))
    if small:
        source = delay_time_major(source, lags)
    leaving = delay_time_major(source, n)
    g = np.empty((q.shape[0], *lead), dtype=np.float64)
    g[0] = source[0]
    for t in range(1, q.shape[0]):  # a loop over years, vectorised over draws and lines
        g[t] = source[t] + keep * g[t - 1] - tail * leaving[t]
    return g if small else delay_time_major(g, lags)


def persistence_filter(
    quantities: npt.ArrayLike,
    lag: npt.ArrayLike = 0,
    drop_off: npt.ArrayLike = 0.0,
    persistence: npt.ArrayLike = 1,
) -> np.ndarray:
    """Outcomes by year from cohorts by year: lag, persistence and drop-off (kernel).

    ``out[..., t] = Σ_{k=0}^{persistence−1} (1 − drop_off)^k · q[..., t − lag − k]``,
    computed by a recursion over years (vectorised over every leading axis, e.g. draws
    and lines), so the cost does not grow with ``persistence``. Does not validate.

    Parameters
    ----------
    quantities : array_like, shape (..., T)
        Cohort (or quantity) starting in each year.
    lag, persistence : int or array_like of int, broadcastable to ``quantities.shape[:-1]``
        Whole years before the first outcome; years each cohort's outcome lasts (>= 1).
    drop_off : float or array_like, broadcastable to ``quantities.shape[:-1]``
        Fraction of the outcome lost each year after the first.

    Examples
    --------
    >>> persistence_filter([10.0, 0, 0, 0, 0], lag=1, drop_off=0.5, persistence=3).tolist()
    [0.0, 10.0, 5.0, 2.5, 0.0]
    >>> persistence_filter([[1.0, 1, 1]], persistence=[2]).tolist()
    [[1.0, 2.0, 2.0]]
    """
    q = np.asarray(quantities, dtype=np.float64)
    out = persistence_time_major(np.moveaxis(q, -1, 0), lag, drop_off, persistence)
    return np.ascontiguousarray(np.moveaxis(out, 0, -1))


def growth_factors(years: npt.ArrayLike, from_year: int, rate: npt.ArrayLike) -> np.ndarray:
    """Real growth multipliers ``(1 + rate) ** (year − from_year)`` (kernel).

    ``rate`` broadcasts against ``years`` (give it shape ``(D, 1)`` for draws).

    Examples
    --------
    >>> growth_factors([2019, 2020, 2021], 2019, 0.02).round(4).tolist()
    [1.0, 1.02, 1.0404]
    """
    t = np.asarray(years, dtype=np.float64) - from_year
    return (1.0 + np.asarray(rate, dtype=np.float64)) ** t


# ------------------------------------------------------------------- validating wrapper
def outcome_chain(
    cohort: npt.ArrayLike,
    *,
    engagement: npt.ArrayLike = 1.0,
    success: npt.ArrayLike = 1.0,
    quantity_per_outcome: npt.ArrayLike = 1.0,
    lag: int = 0,
    persistence: int = 1,
    drop_off: npt.ArrayLike = 0.0,
    **shares: npt.ArrayLike,
) -> np.ndarray:
    """Net additional outcomes by year from cohorts by year (validating wrapper).

    Parameters
    ----------
    cohort : array_like, shape (..., T)
        People (or units) starting in each year; leading axes (draws) broadcast.
    engagement, success, drop_off : float or array
        Fractions in [0, 1]; arrays broadcast against the leading axes of ``cohort``.
    quantity_per_outcome : float or array
        Units of the unit value per successful outcome per year (e.g. 0.5 WELLBYs), >= 0.
    lag : int
        Years before a cohort's first outcome (>= 0).
    persistence : int
        Years each outcome lasts (>= 1); ``drop_off`` > 0 needs ``persistence`` > 1.
    **shares : float or array
        ``deadweight``, ``displacement``, ``leakage``, ``attribution_to_others``: the
        fractions in [0, 1] of :class:`AdditionalityShares` (``attribution_to_others`` is
        the share of the outcome due to other organisations or people, SROI attribution).

    Returns
    -------
    numpy.ndarray, shape of ``cohort`` broadcast with the factors

    Raises
    ------
    AppraisalValidationError
        Naming every argument outside its range, what was expected and what was got;
        ``drop_off`` > 0 with ``persistence`` = 1.
    TypeError
        The removed keyword ``attribution`` (with the conversion), or any other unknown
        keyword.

    Examples
    --------
    >>> outcome_chain([100.0, 100.0, 0.0], engagement=0.8, success=0.5, deadweight=0.25,
    ...               attribution_to_others=0.5, persistence=2, drop_off=0.5
    ...               ).round(6).tolist()
    [15.0, 22.5, 7.5]
    """
    if "attribution" in shares:
        raise TypeError(renamed_attribution_message(shares["attribution"]))
    unknown = set(shares) - set(AdditionalityShares.__slots__)
    if unknown:
        msg = f"outcome_chain() got an unexpected keyword argument {min(unknown)!r}"
        raise TypeError(msg)
    issues = Issues()
    lost = AdditionalityShares(**shares)
    factors = {"engagement": engagement, "success": success, **dict(lost.items()),
               "drop_off": drop_off}
    for name, value in factors.items():
        arr = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
            bad = arr[~((arr >= 0) & (arr <= 1))].ravel()
            issues.error("out-of-range", f"'{name}' must be a fraction between 0 and 1 (got "
                         f"{float(bad[0]) if bad.size else arr!r})", location=name, field=name,
                         fix="factors are fractions: 0.25 for 25%")
    qpo = np.asarray(quantity_per_outcome, dtype=np.float64)
    if not np.all(np.isfinite(qpo)) or np.any(qpo < 0):
        issues.error("out-of-range", "'quantity_per_outcome' must be a finite number >= 0",
                     location="quantity_per_outcome", field="quantity_per_outcome")
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 0:
        issues.error("out-of-range", f"'lag' must be a whole number of years >= 0 (got {lag!r})",
                     location="lag", field="lag")
    if (isinstance(persistence, bool) or not isinstance(persistence, int | np.integer)
            or persistence < 1):
        issues.error("out-of-range", f"'persistence' must be a whole number of years >= 1 "
                     f"(got {persistence!r})", location="persistence", field="persistence")
    elif persistence == 1 and np.any(np.asarray(drop_off, dtype=np.float64) > 0):
        issues.error("drop-off-without-persistence", "'drop_off' applies from the second "
                     "year of an outcome, but 'persistence' is 1 (the outcome lasts one year), "
                     "so it would be ignored", location="drop_off", field="drop_off",
                     fix="give 'persistence' as the number of years the outcome lasts, or "
                         "remove 'drop_off'")
    q = np.asarray(cohort, dtype=np.float64)
    if q.ndim == 0 or not np.all(np.isfinite(q)) or np.any(q < 0):
        issues.error("wrong-type", "'cohort' must be an array of amounts >= 0 by year",
                     location="cohort", field="cohort", expected=Expected.LIST)
    issues.raise_if_errors("outcome_chain")
    drop = np.asarray(drop_off, dtype=np.float64)
    factor = additionality_factor(engagement, success, quantity_per_outcome=qpo,
                                  **dict(lost.items()))
    timed = persistence_filter(q, lag, drop, persistence)
    return timed * np.asarray(factor)[..., None] if np.ndim(factor) else timed * float(factor)


# ------------------------------------------------------------------ resolving a line
@dataclass(frozen=True, slots=True)
class Valuation:
    """A line's unit value resolved for the case's years, with its provenance.

    ``path`` is the value per unit in each appraisal year in the value's own price year
    (after any real growth); ``rebase`` converts it to the case's price base;
    ``low``/``high`` are the range paths (equal to ``path`` when there is no range).
    """

    method: str
    label: str
    unit: str
    value: float
    price_year: int
    price_year_label: str
    path: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rebase: float
    rebased: bool
    growth_rate: float | None
    growth_from: int | None
    growth_source: str
    health: bool
    source: str
    confidence: str
    licence: str = ""
    value_type: str = ""
    notes: str = ""
    rows: tuple[ParameterRow, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_range(self) -> bool:
        """True when low and high values differ from the central one."""
        return not (np.array_equal(self.low, self.path) and np.array_equal(self.high, self.path))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for outputs (the first-year value stands for a series)."""
        return {"method": self.method, "value_label": self.label, "unit": self.unit,
                "unit_value": self.value, "value_price_year": self.price_year_label,
                "rebase_factor": self.rebase, "rebased": self.rebased,
                "real_growth": self.growth_rate, "growth_from": self.growth_from,
                "growth_source": self.growth_source, "health_value": self.health,
                "value_source": self.source, "value_confidence": self.confidence,
                "licence": self.licence, "value_notes": self.notes,
                "low_ratio": float(self.low.sum() / self.path.sum()) if self.path.sum() else None,
                "high_ratio": float(self.high.sum() / self.path.sum()) if self.path.sum()
                else None}


def _measure_rows(spec: UnitValueSpec, measure: Measure, pack: ParameterPack
                  ) -> tuple[ParameterRow, ...]:
    rows = pack.rows(measure.table, measure=measure.name, variant=spec.variant)
    if not rows:
        variants = sorted({r.get("variant") for r in pack.rows(measure.table,
                                                                 measure=measure.name)})
        msg = (f"no {measure.name} value for variant {spec.variant!r} in the {pack.vintage} "
               f"pack (variants: {', '.join(variants) or 'none'})")
        raise ParameterError(msg)
    return tuple(pack.require(r) for r in rows)


def _series(rows: Sequence[ParameterRow], years: np.ndarray, what: str) -> np.ndarray:
    by_year = sorted((int(r.get("year")), float(r.value)) for r in rows)
    known = [y for y, _ in by_year]
    if years.min() < known[0] or years.max() > known[-1]:
        msg = (f"{what} values cover {known[0]}..{known[-1]}; the line needs "
               f"{int(years.min())}..{int(years.max())}: load the full series in a user "
               "parameter pack (one row per year) or shorten the line")
        raise ParameterError(msg)
    # log-linear interpolation of the positive series between its published years
    kv = np.log(np.asarray([v for _, v in by_year], dtype=np.float64))
    return np.exp(np.interp(years.astype(np.float64), np.asarray(known, dtype=np.float64), kv))


def resolve_valuation(
    spec: UnitValueSpec,
    *,
    years: npt.ArrayLike,
    pack: ParameterPack,
    unit_packs: Mapping[str, Any] | None = None,
    price_base_year: int,
    index: DeflatorIndex | None,
) -> Valuation:
    """Resolve a line's unit value for the given calendar ``years``.

    Parameters
    ----------
    spec : UnitValueSpec
        The line's unit-value specification.
    years : array_like of int
        Calendar years of the appraisal.
    pack : ParameterPack
        Parameters (shipped measures; unconfirmed rows need opting in).
    unit_packs : mapping, optional
        Loaded unit-value packs by name (:class:`~appraisal.params.unit_values.UnitValuePack`).
    price_base_year : int
        The case's price base year.
    index : DeflatorIndex or None
        GDP deflator, needed when the value's price year differs from the price base.

    Raises
    ------
    ParameterError
        Unknown measure, variant or code; an unconfirmed value not opted in
        (:class:`~appraisal.errors.UnconfirmedParameterError`); no deflator for rebasing.

    Examples
    --------
    >>> from appraisal.greenbook.valuation import UnitValueSpec
    >>> from appraisal.greenbook.prices import DeflatorIndex
    >>> pack = ParameterPack.green_book().allowing(["wellbeing_values"])
    >>> v = resolve_valuation(UnitValueSpec(measure="wellby"), years=[2025], pack=pack,
    ...                       price_base_year=2024,
    ...                       index=DeflatorIndex({2019: 81.1085, 2024: 100.0}))
    >>> v.value, v.price_year, round(v.rebase * v.value, 2)
    (13000.0, 2019, 16027.91)
    """
    yrs = np.asarray(years, dtype=np.int64)
    health = False
    low = high = None
    licence, value_type, notes, extra = "", "", "", {}
    financial = False
    if spec.measure is not None:
        measure = MEASURES.get(spec.measure)
        if measure is None:
            msg = f"unknown measure {spec.measure!r}; choose one of {', '.join(MEASURES)}"
            raise ParameterError(msg)
        rows = _measure_rows(spec, measure, pack)
        health, value_type = measure.health, measure.value_type
        first = rows[0]
        price_year, unit, source, confidence = (first.price_year, measure.unit, first.source,
                                                first.confidence)
        notes = first.notes
        label = f"{measure.name} ({spec.variant})"
        if price_year is None:
            msg = f"the {measure.name} value has no price year in table {measure.table}"
            raise ParameterError(msg)
        if measure.by_year:
            path = _series(rows, yrs, measure.name)
            value = float(path[0])
        else:
            value = float(first.value)
            path = np.full(yrs.shape, value)
        others = {}
        for variant in ("low", "high"):
            found = pack.rows(measure.table, measure=measure.name, variant=variant)
            if found and spec.variant == "central":
                others[variant] = (_series(found, yrs, measure.name) if measure.by_year
                                   else np.full(yrs.shape, float(found[0].value)))
        low, high = others.get("low"), others.get("high")
        used = rows
    elif spec.code is not None:
        packs = dict(unit_packs or {})
        name = spec.pack or (next(iter(packs)) if len(packs) == 1 else None)
        if name is None or name not in packs:
            msg = (f"unit value code {spec.code!r} names pack {spec.pack!r}, which is not loaded "
                   f"(loaded: {', '.join(packs) or 'none'})")
            raise ParameterError(msg)
        upack = packs[name]
        row = upack.get(spec.code)
        prow = pack.require(upack.parameter_row(spec.code))
        value, price_year, unit = row.value, row.price_year, row.unit
        source, confidence, licence = row.source, row.confidence, row.licence
        value_type, health, notes = row.value_type, row.schedule == "health", row.notes
        financial = row.financial_year
        label = f"{name}:{row.code} ({row.description})"
        path = np.full(yrs.shape, value)
        used = (prow,)
        extra = {"agency": row.agency, "cashable": row.cashable}
    else:
        value, price_year, unit = float(spec.value or 0.0), spec.price_year, spec.unit
        source, confidence = spec.source, "user"
        label = f"explicit ({spec.unit or 'unit'})"
        path = np.full(yrs.shape, value)
        used = ()
        if price_year is None:
            msg = "an explicit unit value needs its price_year"
            raise ParameterError(msg)
    growth = spec.real_growth
    g_rate = g_from = None
    if growth is not None:
        g_from = growth.from_year if growth.from_year is not None else int(price_year)
        g_rate = float(growth.rate)
        factors = growth_factors(yrs, g_from, g_rate)
        path = path * factors
        low = None if low is None else low * factors
        high = None if high is None else high * factors
    rebased = bool(spec.rebase)
    rebase = float(rebase_factors(PriceBase(PriceBasis.REAL, int(price_year)), [price_base_year],
                                  base_year=price_base_year, index=index)[0]) if rebased else 1.0
    path = np.ascontiguousarray(path, dtype=np.float64)
    label_year = (f"{price_year}/{(int(price_year) + 1) % 100:02d}" if financial
                  else str(price_year))
    return Valuation(
        method=spec.method, label=label, unit=unit, value=float(value),
        price_year=int(price_year), price_year_label=label_year, path=path,
        low=path if low is None else np.asarray(low, dtype=np.float64),
        high=path if high is None else np.asarray(high, dtype=np.float64),
        rebase=rebase, rebased=rebased, growth_rate=g_rate, growth_from=g_from,
        growth_source=growth.source if growth is not None else "", health=health,
        source=source, confidence=confidence, licence=licence, value_type=value_type,
        notes=notes, rows=tuple(used), extra={**extra, "financial_year": financial})


def validate_factor_draws(name: str, values: npt.ArrayLike) -> np.ndarray:
    """Check that draws of an outcome-chain factor lie in [0, 1]; return them as floats.

    Raises
    ------
    AppraisalValidationError
        If any draw is outside [0, 1] or not finite.

    Examples
    --------
    >>> validate_factor_draws("deadweight", [[0.1, 0.2]]).shape
    (1, 2)
    """
    arr = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(arr) & (arr >= 0) & (arr <= 1)
    if not ok.all():
        bad = float(arr[~ok].ravel()[0])
        raise AppraisalValidationError([Issue(
            "out-of-range", f"'{name}' draws must be fractions between 0 and 1 (got {bad})",
            location=name, field=name, fix="factors are fractions: 0.25 for 25%")], source=name)
    return arr
