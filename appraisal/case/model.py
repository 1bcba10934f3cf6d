"""The case: frozen, validated objects describing one appraisal.

A :class:`Case` holds options (exactly one counterfactual, business as usual) and
impact lines. Cases are built by :func:`appraisal.load_case` from YAML or a workbook,
or in Python with :func:`appraisal.case_from_records`; change one with :func:`dataclasses.replace`.

Inputs use calendar years; the engine uses ``t = year - base_year``.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from appraisal.greenbook.cba import BcrDefinition
from appraisal.greenbook.discounting import Schedule, Timing
from appraisal.greenbook.prices import PriceBasis
from appraisal.greenbook.valuation import RealGrowth, UnitValueSpec
from appraisal.params.unit_values import VALUE_TYPES, ValueType

__all__ = [
    "KINDS",
    "POOL_BASES",
    "PROFILE_TYPES",
    "VALUE_TYPES",
    "BcrDefinition",
    "Case",
    "Kind",
    "Line",
    "LineOptimismBias",
    "Option",
    "OutcomeChain",
    "PriceAssumptions",
    "PriceBasis",
    "Profile",
    "ProfileType",
    "RealGrowth",
    "Schedule",
    "Timing",
    "UnitValueSpec",
    "ValueType",
]


class Kind(StrEnum):
    """Whether a line is a cost or a benefit (its sign)."""

    COST = "cost"
    BENEFIT = "benefit"


#: The values of :class:`Kind`, as plain text.
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)


class ProfileType(StrEnum):
    """How a line's amounts are given: by year, or generated (see :class:`Profile`)."""

    EXPLICIT = "explicit"
    ONE_OFF = "one_off"
    CONSTANT = "constant"
    GROWTH = "growth"
    RAMP_UP = "ramp_up"


#: The values of :class:`ProfileType`, as plain text.
PROFILE_TYPES: tuple[str, ...] = tuple(p.value for p in ProfileType)
#: Bases of a pooled budget: which savings fund it (``public_value.pooled_budget.basis``).
POOL_BASES = ("cashable", "all_fiscal")


def _frozen_map(value: Mapping | None) -> Mapping:
    return MappingProxyType(dict(value or {}))


def _member(obj: object, name: str, choices: type[StrEnum], *, blank: bool = False,
            open_set: bool = False) -> None:
    """Set ``obj.name`` to the member of ``choices`` its text names (``obj`` is frozen).

    ``""`` (not given) is kept when ``blank``; any other text is kept when the set is open
    (``open_set``: a case may name its own discount schedules); else a :class:`ValueError`
    names the choices.
    """
    value = getattr(obj, name)
    if isinstance(value, choices) or (blank and value == ""):
        return
    try:
        object.__setattr__(obj, name, choices(value))
    except ValueError:
        if open_set and isinstance(value, str):
            return
        allowed = ", ".join(c.value for c in choices)
        msg = f"{type(obj).__name__}.{name} must be one of {allowed} (got {value!r})"
        raise ValueError(msg) from None


def _read_only(value: dict) -> MappingProxyType:
    """Rebuild a read-only map when unpickling."""
    return MappingProxyType(value)


def _reduce_mapping_proxy(proxy: MappingProxyType) -> tuple:
    return _read_only, (dict(proxy),)


# Cases cross process and Dask boundaries: their read-only maps must pickle (as a copy of
# the underlying dict, still read-only after unpickling).
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


class LazyLocations(Mapping[str, str]):
    """A read-only map of field locations, each worked out when it is first read.

    ``LazyLocations(paths, locate)`` maps each name of *paths* (a dict: dotted field path
    -> field path) to ``locate(path)``, called only for the names that are read (a
    5,000-line case has 90,000 locations; a run reads those of the lines it compiles, a
    problem report a few). It pickles as a plain read-only map of every location.

    Examples
    --------
    >>> calls = []
    >>> where = LazyLocations({"a": ("a",), "b[1]": ("b", 1)},
    ...                       lambda p: calls.append(p) or f"x!{len(p)}")
    >>> "b[1]" in where, len(where), calls
    (True, 2, [])
    >>> where["b[1]"], where["b[1]"], calls
    ('x!2', 'x!2', [('b', 1)])
    >>> dict(where)
    {'a': 'x!1', 'b[1]': 'x!2'}
    """

    __slots__ = ("_found", "_locate", "_paths")

    def __init__(self, paths: Mapping[str, tuple[Any, ...]],
                 locate: Callable[[tuple[Any, ...]], str]) -> None:
        self._paths, self._locate = paths, locate
        self._found: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._locate(self._paths[key])
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __reduce__(self) -> tuple:
        return _read_only, ({key: self[key] for key in self._paths},)


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

    type: ProfileType = ProfileType.EXPLICIT
    values: tuple[tuple[int, float], ...] = ()
    year: int | None = None
    start: int | None = None
    end: int | None = None
    amount: float | None = None
    rate: float | None = None
    ramp_years: int | None = None

    def __post_init__(self) -> None:
        _member(self, "type", ProfileType)

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
        n = max(int(self.ramp_years or 1), 1)  # ramp_up, the last type
        return {y: amount * min(1.0, (y - self.start + 1) / n) for y in years}

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
    ``uplift`` with its ``source``. An explicit ``uplift`` is the starting (upper-bound)
    value: ``contributions`` and ``mitigation`` reduce it like a tabulated one.

    ``duration`` switches on the works-duration uplift; it has its own risk-area
    ``duration_contributions`` and ``duration_mitigation`` (the guidance's Tables 15/16
    give separate columns for works duration), and ``duration_uplift`` replaces the
    tabulated duration upper bound (needed with an explicit cost ``uplift``).
    """

    project_type: str | None = None
    shares: Mapping[str, float] = field(default_factory=dict)
    bound: str = "upper"
    measure: str | None = None
    uplift: float | None = None
    contributions: Mapping[str, float] = field(default_factory=dict)
    mitigation: Mapping[str, float] = field(default_factory=dict)
    duration: bool = False
    duration_uplift: float | None = None
    duration_contributions: Mapping[str, float] = field(default_factory=dict)
    duration_mitigation: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("shares", "contributions", "mitigation", "duration_contributions",
                     "duration_mitigation"):
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
        detail = {k: v for k, v in (("uplift", self.duration_uplift),
                                    ("contributions", dict(self.duration_contributions)),
                                    ("mitigation", dict(self.duration_mitigation)))
                  if v or (k == "uplift" and v is not None)}
        if self.duration:
            out["duration"] = detail or True
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeChain:
    """The outcome chain and additionality of a line (GMCA / SROI style).

    Net outcomes in a year = cohort (the line's amounts) × ``engagement`` × ``success`` ×
    ``quantity_per_outcome`` × (1 − ``deadweight``) × (1 − ``displacement``) ×
    (1 − ``leakage``) × (1 − ``attribution_to_others``). Each cohort's outcomes start
    ``lag`` years later and last ``persistence`` years, falling by ``drop_off`` a year
    after the first (so ``drop_off`` needs ``persistence`` > 1). Every factor is a
    fraction in [0, 1].

    ``attribution_to_others`` is the SROI guide's attribution: the share of the outcome
    caused by the contribution of other organisations or people, deducted as
    (1 − share). The old key ``attribution`` (the share credited to this intervention)
    is refused when a case is read, with the conversion in the message.
    """

    engagement: float = 1.0
    success: float = 1.0
    quantity_per_outcome: float = 1.0
    deadweight: float = 0.0
    displacement: float = 0.0
    leakage: float = 0.0
    attribution_to_others: float = 0.0
    lag: int = 0
    persistence: int = 1
    drop_off: float = 0.0
    source: str = ""

    @property
    def shapes_time(self) -> bool:
        """True when lag or persistence change the timing of the line."""
        return self.lag != 0 or self.persistence != 1


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
    ``kind``, ``value_type``, ``price_basis`` and ``schedule`` may be given as text: they
    become :class:`Kind`, :class:`ValueType`, :class:`PriceBasis` and :class:`Schedule`
    members (a schedule the case defines itself keeps its name as text); any other value is
    refused.

    With a ``unit_value`` the amounts are quantities (WELLBYs, QALYs, tCO2e, units of a
    unit cost, or a cohort when an ``outcome`` chain is given) and the money is
    quantity × unit value in the value's own price year, rebased. ``incidence`` gives the
    shares of the line falling on each distributional group (summing to 1); ``effect``
    names the outcome valued, so double counting can be caught; ``transfer`` marks a
    transfer between groups (not a net benefit to society).

    ``depends_on_completion`` says whether the line waits for its option's works to be
    completed, so a works-duration overrun delays it (``None``: decided by the default
    rule of :func:`appraisal.greenbook.optimism_bias.completion_dependents`).

    Examples
    --------
    >>> line = Line(option="Do it", name="grant", kind="cost",
    ...             profile=Profile(values=((2025, 10.0),)), value_type="fiscal")
    >>> line.kind is Kind.COST, line.value_type is ValueType.FISCAL, line.kind == "cost"
    (True, True, True)
    >>> line.schedule is Schedule.STANDARD, line.sign
    (True, -1)
    >>> Line(option="Do it", name="grant", kind="income", profile=Profile())
    Traceback (most recent call last):
        ...
    ValueError: Line.kind must be one of cost, benefit (got 'income')
    """

    option: str
    name: str
    kind: Kind
    profile: Profile
    category: str = ""
    agency: str = ""
    value_type: ValueType | str = ""
    cashable: bool | None = None
    price_basis: PriceBasis = PriceBasis.REAL
    price_year: int | None = None
    schedule: Schedule | str = Schedule.STANDARD
    optimism_bias: LineOptimismBias | None = None
    depends_on_completion: bool | None = None
    delay: int = 0
    scale: float = 1.0
    source: str = ""
    unit_value: UnitValueSpec | None = None
    outcome: OutcomeChain | None = None
    incidence: Mapping[str, float] = field(default_factory=dict)
    effect: str = ""
    transfer: bool = False
    location: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "incidence", _frozen_map(self.incidence))
        _member(self, "kind", Kind)
        _member(self, "price_basis", PriceBasis)
        _member(self, "value_type", ValueType, blank=True)
        _member(self, "schedule", Schedule, open_set=True)

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

    ``locations`` maps dotted field paths (``lines[3].optimism_bias.project_type``) to
    where they are in the input (``case.yaml:14:7``), so compile-time problems are
    located like schema problems (see :meth:`locate`); ``base_dir`` is the case file's
    folder, against which relative ``packs`` are resolved. Neither takes part in
    equality or ``repr``, and the case pickles (it crosses process and Dask boundaries).
    ``timing`` and ``bcr_definition`` may be given as text; they become :class:`Timing` and
    :class:`BcrDefinition` members.

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(
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
    timing: Timing = Timing.END
    bcr_definition: BcrDefinition = BcrDefinition.BENEFIT_COST
    public_budget_agencies: tuple[str, ...] = ()
    prices: PriceAssumptions = field(default_factory=PriceAssumptions)
    allow_unconfirmed: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()
    #: The declared encoding of each of :attr:`packs` (``""``: UTF-8, with or without BOM).
    pack_encodings: tuple[str, ...] = ()
    #: The case's own discount schedules: one-year rates ``(r(1), r(2), ...)`` by name.
    discount_schedules: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    sections: Mapping[str, Any] = field(default_factory=dict)
    source_path: str = ""
    source_sha256: str = ""
    locations: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    base_dir: str = field(default="", compare=False, repr=False)
    #: Each case section as written in the input (plain data), so that writers (the
    #: workbooks, ``appraisal convert``) can write it back exactly; not compared.
    section_data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _member(self, "timing", Timing)
        _member(self, "bcr_definition", BcrDefinition)
        object.__setattr__(self, "sections", _frozen_map(self.sections))
        object.__setattr__(self, "discount_schedules", _frozen_map(
            {name: tuple(rates) for name, rates in self.discount_schedules.items()}))
        object.__setattr__(self, "section_data", _frozen_map(self.section_data))
        if not isinstance(self.locations, LazyLocations):  # read-only already
            object.__setattr__(self, "locations", _frozen_map(self.locations))

    def locate(self, field_path: str, default: str = "") -> str:
        """Where a field of the input is (``case.yaml:12:5``, ``Lines!C7``), by dotted path.

        Falls back to the nearest enclosing field that has a location, then to
        ``default`` (or the source name).

        Examples
        --------
        >>> from appraisal import example_path, load_case
        >>> load_case(example_path("minimal")).locate("lines[1].no_such_field")
        'minimal.yaml:14:5'
        """
        probe = field_path
        while probe:
            if probe in self.locations:
                return self.locations[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return default or self.source_path

    def in_public_budget(self, line: Line) -> bool:
        """Whether a line falls on the public budget of the DfT BCR (``public_sector_cost``).

        The public budget is every line with ``value_type: fiscal``, restricted to the
        agencies of ``public_budget: {agencies: [...]}`` when the case names them.

        Examples
        --------
        >>> from appraisal import case_from_records
        >>> case = case_from_records(title="T", base_year=2025, horizon_years=1,
        ...     bcr_definition="public_sector_cost", public_budget={"agencies": ["DfT"]},
        ...     options=[{"name": "BAU", "counterfactual": True}],
        ...     lines=[{"option": "BAU", "name": "c", "kind": "cost", "values": {2025: 1},
        ...             "agency": "DfT", "value_type": "fiscal"},
        ...            {"option": "BAU", "name": "d", "kind": "cost", "values": {2025: 1},
        ...             "agency": "NHS", "value_type": "fiscal"}])
        >>> [case.in_public_budget(ln) for ln in case.lines]
        [True, False]
        """
        if line.value_type != "fiscal":
            return False
        return not self.public_budget_agencies or line.agency in self.public_budget_agencies

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
