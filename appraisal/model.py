"""The case: frozen, validated objects describing one appraisal.

A :class:`Case` holds options (exactly one counterfactual, business as usual) and
impact lines. Cases are built by :func:`appraisal.load_case` from YAML or a workbook,
or in Python with :meth:`Case.from_records`; change one with :func:`dataclasses.replace`.

Inputs use calendar years; the engine uses ``t = year - base_year``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "KINDS",
    "PROFILE_TYPES",
    "VALUE_TYPES",
    "Case",
    "Line",
    "LineOptimismBias",
    "Option",
    "PriceAssumptions",
    "Profile",
]

KINDS = ("cost", "benefit")
VALUE_TYPES = ("fiscal", "economic", "social")
PROFILE_TYPES = ("explicit", "one_off", "constant", "growth", "ramp_up")


def _frozen_map(value: Mapping | None) -> Mapping:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """A yearly profile of amounts: explicit ``{year: amount}`` or a generator.

    Generators: ``one_off`` (``year``, ``amount``); ``constant`` (``start``..``end``,
    ``amount`` each year); ``growth`` (``amount`` in ``start``, growing at ``rate`` a year
    to ``end``); ``ramp_up`` (rising linearly over ``ramp_years`` to ``amount``, then
    constant to ``end``).

    Examples
    --------
    >>> Profile(type="ramp_up", start=2026, end=2029, amount=100.0, ramp_years=2).resolve()
    {2026: 50.0, 2027: 100.0, 2028: 100.0, 2029: 100.0}
    >>> g = Profile(type="growth", start=2025, end=2027, amount=100.0, rate=0.1).resolve()
    >>> {year: round(v, 6) for year, v in g.items()}
    {2025: 100.0, 2026: 110.0, 2027: 121.0}
    """

    type: str = "explicit"
    values: tuple[tuple[int, float], ...] = ()
    year: int | None = None
    start: int | None = None
    end: int | None = None
    amount: float | None = None
    rate: float | None = None
    ramp_years: int | None = None

    def resolve(self) -> dict[int, float]:
        """Amounts by calendar year."""
        if self.type == "explicit":
            return dict(self.values)
        if self.type == "one_off":
            return {int(self.year): float(self.amount)}  # type: ignore[arg-type]
        years = range(int(self.start), int(self.end) + 1)  # type: ignore[arg-type]
        amount = float(self.amount)  # type: ignore[arg-type]
        if self.type == "constant":
            return dict.fromkeys(years, amount)
        if self.type == "growth":
            rate = float(self.rate or 0.0)
            return {y: amount * (1.0 + rate) ** (y - self.start) for y in years}
        if self.type == "ramp_up":
            n = max(int(self.ramp_years or 1), 1)
            return {y: amount * min(1.0, (y - self.start + 1) / n) for y in years}
        msg = f"unknown profile type {self.type!r}"
        raise ValueError(msg)

    def to_data(self) -> dict[str, Any]:
        """Plain data as written in a case file."""
        if self.type == "explicit":
            return {"values": dict(self.values)}
        keys = {
            "one_off": ("year", "amount"),
            "constant": ("start", "end", "amount"),
            "growth": ("start", "end", "amount", "rate"),
            "ramp_up": ("start", "end", "amount", "ramp_years"),
        }[self.type]
        return {"profile": {"type": self.type, **{k: getattr(self, k) for k in keys}}}


@dataclass(frozen=True, slots=True, kw_only=True)
class LineOptimismBias:
    """How optimism bias applies to a line.

    Either a shipped project type (``project_type`` and ``bound``, optionally mitigated
    by risk area), a mix of types by capex share (``shares``), or an explicit
    ``uplift`` with its ``source``.
    """

    project_type: str | None = None
    shares: Mapping[str, float] = field(default_factory=dict)
    bound: str = "upper"
    measure: str | None = None
    uplift: float | None = None
    contributions: Mapping[str, float] = field(default_factory=dict)
    mitigation: Mapping[str, float] = field(default_factory=dict)
    duration: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("shares", "contributions", "mitigation"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))

    def to_data(self) -> dict[str, Any]:
        """Plain data as written in a case file (defaults omitted)."""
        out: dict[str, Any] = {}
        for key in ("project_type", "measure", "uplift"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.shares:
            out["shares"] = dict(self.shares)
        if self.bound != "upper":
            out["bound"] = self.bound
        if self.contributions:
            out["contributions"] = dict(self.contributions)
        if self.mitigation:
            out["mitigation"] = dict(self.mitigation)
        if self.duration:
            out["duration"] = True
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """An option on the short list; exactly one is the counterfactual (business as usual)."""

    name: str
    counterfactual: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One impact line: a cost or benefit of one option, by year.

    Amounts are positive; ``kind`` gives the sign. ``price_basis`` is ``real`` (in
    ``price_year`` prices; the case's price year by default) or ``nominal`` (cash).
    """

    option: str
    name: str
    kind: str
    profile: Profile
    category: str = ""
    agency: str = ""
    value_type: str = ""
    cashable: bool | None = None
    price_basis: str = "real"
    price_year: int | None = None
    schedule: str = "standard"
    optimism_bias: LineOptimismBias | None = None
    delay: int = 0
    scale: float = 1.0
    source: str = ""

    @property
    def sign(self) -> int:
        """+1 for benefits, -1 for costs."""
        return 1 if self.kind == "benefit" else -1


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceAssumptions:
    """Price-index assumptions of a case: which deflator and how it is extended."""

    deflator_basis: str = "calendar"
    deflator_extend_growth: float | None = None
    deflator: Mapping[int, float] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "deflator", _frozen_map(self.deflator))


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One appraisal: options, impact lines and the conventions to evaluate them with.

    Examples
    --------
    >>> case = Case.from_records(
    ...     title="Tiny", base_year=2025, horizon_years=3,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "Do it"}],
    ...     lines=[{"option": "Do it", "name": "cost", "kind": "cost", "values": {2025: 10}},
    ...            {"option": "Do it", "name": "saving", "kind": "benefit",
    ...             "values": {2026: 6, 2027: 6}}])
    >>> case.counterfactual.name, case.years
    ('BAU', (2025, 2026, 2027))
    """

    title: str
    base_year: int
    horizon_years: int
    options: tuple[Option, ...]
    lines: tuple[Line, ...]
    schema_version: int = 1
    organisation: str = ""
    description: str = ""
    price_year: int | None = None
    vintage: str = "GB2026"
    timing: str = "end"
    bcr_definition: str = "benefit_cost"
    prices: PriceAssumptions = field(default_factory=PriceAssumptions)
    allow_unconfirmed: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()
    sections: Mapping[str, Any] = field(default_factory=dict)
    source_path: str = ""
    source_sha256: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", _frozen_map(self.sections))

    @property
    def counterfactual(self) -> Option:
        """The business-as-usual option."""
        return next(o for o in self.options if o.counterfactual)

    @property
    def years(self) -> tuple[int, ...]:
        """Calendar years of the appraisal period (``base_year`` is year 0)."""
        return tuple(range(self.base_year, self.base_year + self.horizon_years))

    @property
    def price_base_year(self) -> int:
        """The year whose prices all results are expressed in."""
        return self.price_year if self.price_year is not None else self.base_year

    @classmethod
    def from_records(cls, **data: Any) -> Case:
        """Build and validate a case from plain Python data (the YAML layout).

        Raises
        ------
        AppraisalValidationError
            With every problem found, each located by its field path.
        """
        from appraisal.schema import SCHEMA_VERSION, build_case

        return build_case({"schema_version": SCHEMA_VERSION, **data}, source="<python>")
