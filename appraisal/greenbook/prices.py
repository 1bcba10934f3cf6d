"""Prices: nominal to real with the GDP deflator, rebasing between price years.

The Green Book appraises in real terms at the prices of a base year, removing
general inflation with the GDP deflator (Green Book 2018 para 5.55)::

    real (base-year prices) = nominal_t × D_base / D_t
    real (base-year prices) = real (price year p) × D_base / D_p

Money in one price base never meets money in another silently: adding two
:class:`Flow` objects in different price bases raises
:class:`~appraisal.errors.PriceBaseMismatchError`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import DeflatorNeededError, ParameterError, PriceBaseMismatchError
from appraisal.params.packs import ParameterPack

__all__ = [
    "PRICE_BASES",
    "DeflatorIndex",
    "Flow",
    "PriceBase",
    "PriceBasis",
    "deflator_index",
    "rebase_factors",
    "to_nominal",
    "to_real",
]


class PriceBasis(enum.StrEnum):
    """Whether amounts are in constant prices of a stated year or in cash terms."""

    REAL = "real"
    NOMINAL = "nominal"


#: The values of :class:`PriceBasis`, as plain text.
PRICE_BASES: tuple[str, ...] = tuple(b.value for b in PriceBasis)


@dataclass(frozen=True, slots=True)
class PriceBase:
    """The price base of money: real in a stated year's prices, or nominal (cash)."""

    basis: PriceBasis
    year: int | None = None

    def __str__(self) -> str:
        if self.basis is PriceBasis.NOMINAL:
            return "nominal prices"
        return f"{self.year} prices, real"


@dataclass(frozen=True, slots=True)
class DeflatorIndex:
    """A price index by year (GDP deflator), with its provenance.

    ``extend_growth`` extends the index beyond its last (or before its first) year at
    a constant annual rate; it is an assumption of the case and is recorded.
    """

    values: Mapping[int, float]
    basis: str = "calendar"
    source: str = ""
    extend_growth: float | None = None
    provenance: tuple[str, ...] = ()

    def at(self, years: npt.ArrayLike) -> np.ndarray:
        """Index values for ``years`` (array), extending with ``extend_growth`` if set.

        Examples
        --------
        >>> idx = DeflatorIndex({2020: 100.0, 2021: 102.0}, extend_growth=0.02)
        >>> idx.at([2020, 2022]).round(4)
        array([100.  , 104.04])
        """
        ys = np.asarray(years, dtype=np.int64)
        known = np.array(sorted(self.values), dtype=np.int64)
        vals = np.array([self.values[int(y)] for y in known], dtype=np.float64)
        out = np.full(ys.shape, np.nan)
        pos = np.searchsorted(known, ys)
        hit = (pos < known.size) & (known[np.minimum(pos, known.size - 1)] == ys)
        out[hit] = vals[pos[hit]]
        missing = ~hit
        if missing.any():
            inside = missing & (ys > known[0]) & (ys < known[-1])
            if inside.any() or self.extend_growth is None:
                gaps = _year_runs(sorted({int(y) for y in ys[missing]}))
                msg = (
                    f"the {self.basis} GDP deflator has no value for year(s) "
                    f"{gaps} (series covers {known[0]}..{known[-1]}); "
                    "give 'prices: {deflator_extend_growth: RATE}' in the case, or load a longer "
                    "series in a user pack"
                )
                raise ParameterError(msg)
            g = 1.0 + self.extend_growth
            after = missing & (ys > known[-1])
            before = missing & (ys < known[0])
            out[after] = vals[-1] * g ** (ys[after] - known[-1])
            out[before] = vals[0] * g ** (ys[before] - known[0])
        return out


def _year_runs(years: Sequence[int]) -> str:
    """Sorted years as runs: ``2010, 2025..2034``.

    Examples
    --------
    >>> _year_runs([2010, 2025, 2026, 2027, 2030])
    '2010, 2025..2027, 2030'
    """
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][1] + 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)


def deflator_index(
    pack: ParameterPack,
    *,
    basis: str = "calendar",
    extend_growth: float | None = None,
    overrides: Mapping[int, float] | None = None,
) -> DeflatorIndex:
    """The GDP deflator series of a pack, optionally extended and overridden.

    The shipped series is tagged ``C2`` (from a secondary source), so the pack must
    allow the ``gdp_deflator`` table (see :meth:`ParameterPack.require`).
    """
    rows = pack.rows("gdp_deflator", basis=basis)
    if not rows:
        msg = f"no GDP deflator rows for basis {basis!r} (use 'calendar' or 'financial')"
        raise ParameterError(msg)
    values = {int(r.get("year")): float(pack.require(r).value) for r in rows}
    provenance = tuple(sorted({f"{r.source} ({r.edition}) [{r.confidence}]" for r in rows}))
    if overrides:
        values.update({int(k): float(v) for k, v in overrides.items()})
        provenance = (*provenance, "case overrides")
    return DeflatorIndex(
        values=values,
        basis=basis,
        source=provenance[0] if provenance else "",
        extend_growth=extend_growth,
        provenance=provenance,
    )


def _readonly(values: npt.ArrayLike) -> np.ndarray:
    arr = np.array(values, dtype=np.float64, copy=True)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, slots=True)
class Flow:
    """Amounts by calendar year in one price base.

    Examples
    --------
    >>> a = Flow("capex", (2025, 2026), [100.0, 50.0], PriceBase(PriceBasis.REAL, 2025))
    >>> b = Flow("opex", (2025, 2026), [10.0, 10.0], PriceBase(PriceBasis.REAL, 2025))
    >>> (a + b).values.tolist()
    [110.0, 60.0]
    >>> c = Flow("grant", (2025, 2026), [1.0, 1.0], PriceBase(PriceBasis.NOMINAL))
    >>> try:
    ...     a + c
    ... except PriceBaseMismatchError as err:
    ...     print(err.left_base, "|", err.right_base)
    2025 prices, real | nominal prices
    """

    name: str
    years: tuple[int, ...]
    values: np.ndarray = field(compare=False)
    price_base: PriceBase

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", tuple(int(y) for y in self.years))
        object.__setattr__(self, "values", _readonly(self.values))
        if self.values.shape[-1] != len(self.years):
            msg = f"flow {self.name!r}: {len(self.years)} years but {self.values.shape[-1]} values"
            raise ValueError(msg)

    def __add__(self, other: Flow) -> Flow:
        if not isinstance(other, Flow):
            return NotImplemented
        if self.price_base != other.price_base:
            raise PriceBaseMismatchError(
                self.name, str(self.price_base), other.name, str(other.price_base)
            )
        if self.years != other.years:
            msg = f"cannot add flows over different years ({self.name!r} and {other.name!r})"
            raise ValueError(msg)
        return Flow(f"{self.name}+{other.name}", self.years, self.values + other.values,
                    self.price_base)


def to_real(flow: Flow, *, base_year: int, index: DeflatorIndex) -> Flow:
    """Convert a flow to real prices of ``base_year`` (returns a new flow).

    Examples
    --------
    >>> idx = DeflatorIndex({2024: 100.0, 2025: 102.0})
    >>> f = Flow("x", (2024, 2025), [100.0, 102.0], PriceBase(PriceBasis.NOMINAL))
    >>> to_real(f, base_year=2024, index=idx).values.tolist()
    [100.0, 100.0]
    """
    factors = rebase_factors(flow.price_base, flow.years, base_year=base_year, index=index)
    return Flow(flow.name, flow.years, flow.values * factors, PriceBase(PriceBasis.REAL, base_year))


def to_nominal(flow: Flow, *, index: DeflatorIndex) -> Flow:
    """Convert a real flow to nominal (cash) prices (returns a new flow)."""
    if flow.price_base.basis is PriceBasis.NOMINAL:
        return flow
    d = index.at(flow.years)
    d_base = index.at([flow.price_base.year])[0]
    return Flow(flow.name, flow.years, flow.values * d / d_base, PriceBase(PriceBasis.NOMINAL))


def rebase_factors(
    price_base: PriceBase, years: Sequence[int], *, base_year: int, index: DeflatorIndex | None
) -> np.ndarray:
    """Multipliers that take amounts in ``price_base`` to real ``base_year`` prices.

    Real amounts already in ``base_year`` prices need no index (factor 1).
    """
    years_arr = np.asarray(years, dtype=np.int64)
    if price_base.basis is PriceBasis.REAL and price_base.year == base_year:
        return np.ones(years_arr.shape)
    if index is None:
        msg = "a GDP deflator is needed to convert these prices"
        raise DeflatorNeededError(msg)
    # every year the conversion needs in one look-up, so a missing year is never hidden by
    # another (the values are looked up year by year: the same numbers)
    if price_base.basis is PriceBasis.NOMINAL:
        found = index.at(np.concatenate([[base_year], years_arr]))
        return found[0] / found[1:]
    d_base, d_from = index.at([base_year, price_base.year])
    return np.full(years_arr.shape, d_base / d_from)
