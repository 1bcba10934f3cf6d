"""Compile a case into arrays, and evaluate them for any number of draws at once.

:func:`compile_case` resolves every line once (profiles, price-base conversion,
optimism bias, delays) into arrays over lines ``L`` and years ``T``.
:func:`evaluate_arrays` then computes present values for ``D`` draws of the numeric
inputs, broadcasting over a leading draws axis, in chunks so memory stays bounded.
A deterministic appraisal is one draw. There is no per-draw Python loop: the chunk
loop runs ``ceil(D / chunk_size)`` times.

Inputs that may carry the draws axis (shape ``(D, L)`` for per-line inputs, ``(D,)``
or ``(D, S)`` for rate shifts; ``D`` may be 1 to broadcast):

``scale``
    multiplier on each line's amounts (default: the case's ``scale``, normally 1);
``ob_uplift``
    optimism-bias uplift fraction on each line (default: as compiled);
``value_multiplier``
    any further per-line multiplier (e.g. draws of unit values relative to the compiled
    central value, or distributional weights);
``additionality``
    the outcome-chain factor of each line (replaces the compiled one; see
    :func:`appraisal.greenbook.valuation.additionality_factor`);
``drop_off``
    the drop-off of each line with a persistence over one year (replaces the compiled
    one; a vectorised recursion over years, no per-draw loop);
``rate_shift``
    added to every one-year discount rate (all schedules, or per schedule);
``delay``
    whole years by which each line's profile is shifted later (amounts moved past the
    horizon are dropped).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from appraisal.case.model import Case, Line
from appraisal.engine.checks import check_case
from appraisal.engine.kernel import (
    blas_threads,
    check_memory,
    chunk_for_budget,
    line_profiles,
    raw_present_values,
    row_tiled_product,
)
from appraisal.errors import (
    AppraisalValidationError,
    DeflatorNeededError,
    Issue,
    Issues,
    UnconfirmedParameterError,
)
from appraisal.fields import did_you_mean
from appraisal.greenbook.cba import bcr_terms
from appraisal.greenbook.discounting import DiscountSchedule, factors_from_rates
from appraisal.greenbook.optimism_bias import (
    BiasMeasure,
    OptimismBias,
    bias_measure,
    combined_uplift,
    completion_dependents,
    stretch_profile,
    table_uplift,
)
from appraisal.greenbook.prices import (
    DeflatorIndex,
    PriceBase,
    PriceBasis,
    deflator_index,
    rebase_factors,
)
from appraisal.greenbook.valuation import (
    Valuation,
    additionality_factor,
    persistence_filter,
    resolve_valuation,
    validate_factor_draws,
)
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = ["CompiledCase", "EngineOutput", "compile_case", "evaluate_arrays", "line_present_values",
           "load_pack", "shift_profiles", "with_schedule_map"]

@dataclass(frozen=True, slots=True, eq=False)
class CompiledCase:
    """A case resolved into arrays. All arrays are read-only.

    ``amounts`` are in each line's own price basis (quantities for valued lines), after
    any works-duration stretch; ``quantities`` are the amounts after the outcome chain's
    lag, persistence and drop-off; ``value_paths`` the unit value per unit in each year in
    the value's own price year (1 for money lines); ``gross`` = quantities × value paths ×
    price factors, in real prices of the case's price year; ``real`` = gross ×
    ``additionality``. Both are before the optimism-bias uplift and scale and **without**
    delays (delays are applied in :func:`evaluate_arrays`). ``delay`` is each line's own
    ``delay`` plus ``completion_delay``: the whole years by which a works-duration
    optimism bias on its option's works delays a line that depends on their completion.
    """

    case: Case
    pack: ParameterPack
    years: np.ndarray
    option_names: tuple[str, ...]
    counterfactual: int
    line_names: tuple[str, ...]
    line_option: np.ndarray
    is_cost: np.ndarray
    is_fiscal_benefit: np.ndarray
    in_public_budget: np.ndarray
    schedules: tuple[DiscountSchedule, ...]
    line_schedule: np.ndarray
    amounts: np.ndarray
    price_factors: np.ndarray
    real: np.ndarray
    ob_uplift: np.ndarray
    scale: np.ndarray
    delay: np.ndarray
    optimism_bias: tuple[OptimismBias | None, ...]
    deflator: DeflatorIndex | None
    parameters_used: tuple[ParameterRow, ...]
    warnings: tuple = ()
    quantities: np.ndarray | None = None
    value_paths: np.ndarray | None = None
    value_low: np.ndarray | None = None
    value_high: np.ndarray | None = None
    gross: np.ndarray | None = None
    additionality: np.ndarray | None = None
    lag: np.ndarray | None = None
    persistence: np.ndarray | None = None
    drop_off: np.ndarray | None = None
    valuations: tuple[Valuation | None, ...] = ()
    unit_packs: Mapping[str, Any] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)
    schedule_map: Mapping[str, str] = field(default_factory=dict)
    completion_delay: np.ndarray | None = None

    @property
    def n_lines(self) -> int:
        """Number of impact lines ``L``."""
        return len(self.line_names)

    @property
    def schedule_names(self) -> tuple[str, ...]:
        """Names of the discount schedules ``S`` the lines use, in ``line_schedule`` order."""
        return tuple(str(s.name) for s in self.schedules)  # text, not Schedule members

    @property
    def rates(self) -> np.ndarray:
        """One-year rates ``(S, T - 1)`` of each schedule (``(S, 1)`` for mid-year timing
        with ``T == 1``): row ``s`` is :attr:`schedules` ``[s].rates``."""
        if "rates" not in self._cache:
            n = max(self.n_years - 1, 1 if self.case.timing == "mid" else 0)
            m = np.array([s.rates[:n] for s in self.schedules], dtype=np.float64).reshape(
                len(self.schedules), n)
            m.flags.writeable = False
            self._cache["rates"] = m
        return self._cache["rates"]

    @property
    def n_years(self) -> int:
        """Number of years ``T`` (year 0 included)."""
        return int(self.years.size)

    @property
    def option_matrix(self) -> np.ndarray:
        """One-hot matrix ``(L, O)`` mapping lines to options."""
        if "onehot" not in self._cache:
            m = np.zeros((self.n_lines, len(self.option_names)))
            m[np.arange(self.n_lines), self.line_option] = 1.0
            m.flags.writeable = False
            self._cache["onehot"] = m
        return self._cache["onehot"]


def load_pack(case: Case) -> ParameterPack:
    """The parameter pack a case asks for: vintage, user packs, opt-ins.

    Relative pack folders are resolved against the case file's folder
    (:attr:`Case.base_dir <appraisal.case.model.Case.base_dir>`), or the current folder for a
    case built in Python.

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=1,
    ...     options=[{"name": "BAU", "counterfactual": True}], lines=[])
    >>> load_pack(case).vintage
    'GB2026'
    """
    pack = ParameterPack.green_book(case.vintage)
    encodings = case.pack_encodings or ("",) * len(case.packs)
    for folder, encoding in zip(case.packs, encodings, strict=True):
        p = Path(folder)
        if not p.is_absolute() and case.base_dir:
            p = Path(case.base_dir) / p
        pack = pack.with_pack(p, encoding=encoding or None)
    return pack.allowing(case.allow_unconfirmed)


def _said(exc: Exception) -> str:
    """A parameter problem as a case's located issue says it: an unconfirmed value without
    the pack's advice (the issue's fix gives it), any other as its message."""
    if isinstance(exc, UnconfirmedParameterError):
        return exc.problem
    return str(exc).strip('"')


def _opt_in(exc: Exception) -> str:
    """The table an unconfirmed value's issue opts in to (``Issue.opt_in``), else ``""``."""
    return exc.table if isinstance(exc, UnconfirmedParameterError) else ""


def _ob_fix(spec: Any, pack: ParameterPack, exc: Exception) -> tuple[str, str]:
    """Field (relative to the line) and fix hint for an optimism-bias lookup failure."""
    known = sorted({str(r.get("project_type")) for r in pack.rows("optimism_bias")
                    if r.get("project_type")}) if "optimism_bias" in pack.tables else []
    asked = list(spec.shares) if spec.shares else [spec.project_type or ""]
    unknown = [t for t in asked if t not in known]
    if unknown and known:
        close = did_you_mean(unknown[0], known)
        mean = f"{close} " if close else ""
        where = "optimism_bias.shares" if spec.shares else "optimism_bias.project_type"
        listed = all(t in str(exc) for t in known)
        return where, mean + ("use one of the project types listed" if listed else
                              f"project types: {', '.join(known)}")
    if isinstance(exc, UnconfirmedParameterError):
        return "optimism_bias", ("opt in with 'parameters: {allow_unconfirmed: "
                                 "[optimism_bias]}', or give an explicit 'uplift' and 'source'")
    return "optimism_bias", ("check 'measure', 'bound' and 'duration' against the optimism-bias "
                             "table, or give an explicit 'uplift' with its 'source'")


def _ob_measure(spec: Any, pack: ParameterPack, measure: str, explicit: float | None,
                contributions: Mapping[str, float], mitigation: Mapping[str, float]
                ) -> tuple[BiasMeasure, list[ParameterRow]]:
    """One measure of a line's optimism bias: the starting value and its mitigation."""
    used: list[ParameterRow] = []
    shares: dict[str, float] = {}
    type_uppers: dict[str, float] = {}
    if explicit is not None:
        upper = explicit
    elif spec.shares:
        upper = combined_uplift(pack, spec.shares, measure, spec.bound)
        shares = dict(spec.shares)
        type_uppers = {t: table_uplift(pack, t, measure, spec.bound) for t in spec.shares}
        used += [pack.row("optimism_bias", project_type=t, measure=measure, bound=spec.bound)
                 for t in spec.shares]
    else:
        upper = table_uplift(pack, spec.project_type or "", measure, spec.bound)
        used.append(pack.row("optimism_bias", project_type=spec.project_type or "",
                             measure=measure, bound=spec.bound))
    return bias_measure(upper, measure, contributions, mitigation, shares, type_uppers), used


def _line_ob(line: Line, pack: ParameterPack, issues: Issues, where: str, case: Case | None = None,
             i: int = 0) -> tuple[OptimismBias | None, list[ParameterRow]]:
    spec = line.optimism_bias
    if spec is None:
        return None, []
    measure = spec.measure or ("opex" if spec.project_type == "outsourcing" else "capex")
    try:
        cost, used = _ob_measure(spec, pack, measure, spec.uplift, spec.contributions,
                                 spec.mitigation)
        duration = None
        if spec.duration:
            duration, rows = _ob_measure(spec, pack, "duration", spec.duration_uplift,
                                         spec.duration_contributions, spec.duration_mitigation)
            used += rows
    except (KeyError, ValueError) as exc:
        sub, fix = _ob_fix(spec, pack, exc)
        path = f"lines[{i}].{sub}"
        issues.error("optimism-bias", _said(exc),
                     location=case.locate(path, where) if case is not None else where,
                     field=path, fix=fix, opt_in=_opt_in(exc))
        return None, []
    source = spec.source if spec.uplift is not None or not used else used[0].source
    return OptimismBias(project_type=spec.project_type, bound=spec.bound, cost=cost,
                        duration=duration, source=source), used


def _completion_delays(case: Case, amounts: np.ndarray, planned: np.ndarray,
                       records: list[OptimismBias | None]) -> np.ndarray:
    """Whole years each line is delayed because its option's works finish later.

    Per option, the planned completion is the last year with spending in any line with a
    works-duration uplift (before the stretch) and the optimism-bias completion the same
    after the stretch; their difference (whole years, i.e. the fractional slip of the
    stretched span rounded up to the year in which the works now end) delays every line
    of the option that depends on completion (:func:`completion_dependents`).
    """
    L = len(case.lines)
    delays = np.zeros(L, dtype=np.int64)
    for option in dict.fromkeys(ln.option for ln in case.lines):
        idx = [i for i, ln in enumerate(case.lines) if ln.option == option]
        works = [records[i] is not None and records[i].duration is not None
                 and bool(np.any(planned[i])) for i in idx]
        if not any(works):
            continue
        ends = [int(np.flatnonzero(planned[i])[-1]) for i, w in zip(idx, works, strict=True) if w]
        new_ends = [int(records[i].end) - case.base_year  # type: ignore[union-attr]
                    for i, w in zip(idx, works, strict=True) if w]
        planned_end, slip = max(ends), max(new_ends) - max(ends)
        starts = [int(np.flatnonzero(planned[i])[0]) if np.any(planned[i]) else None
                  for i in idx]
        dependent = completion_dependents(starts, works,
                                          [case.lines[i].depends_on_completion for i in idx],
                                          planned_end)
        for i, dep in zip(idx, dependent, strict=True):
            if dep:
                delays[i] = slip
    return delays


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


class _Deflator:
    """The case's GDP-deflator index, built the first time a step needs it (once)."""

    def __init__(self, case: Case, pack: ParameterPack, issues: Issues,
                 used: list[ParameterRow]) -> None:
        self.case, self.pack, self.issues, self.used = case, pack, issues, used
        self.index: DeflatorIndex | None = None
        self.tried = False

    def get(self, why: str = "prices") -> DeflatorIndex | None:
        """The index; a missing deflator is reported once, at the field ``why``."""
        if not self.tried:
            self.tried = True
            prices = self.case.prices
            try:
                self.index = deflator_index(self.pack, basis=prices.deflator_basis,
                                            extend_growth=prices.deflator_extend_growth,
                                            overrides=prices.deflator)
                self.used.extend(self.pack.rows("gdp_deflator", basis=prices.deflator_basis))
            except KeyError as exc:
                self.issues.error("deflator", _said(exc),
                                  location=self.case.locate(why), field=why,
                                  fix=_deflator_fix(exc), opt_in=_opt_in(exc))
        return self.index


@dataclass(slots=True)
class _LineArrays:
    """The per-line arrays :func:`compile_case` fills, one step at a time."""

    amounts: np.ndarray
    planned: np.ndarray
    price_factors: np.ndarray
    quantities: np.ndarray
    value_paths: np.ndarray
    value_low: np.ndarray
    value_high: np.ndarray
    ob_uplift: np.ndarray
    additionality: np.ndarray
    lag: np.ndarray
    persistence: np.ndarray
    drop_off: np.ndarray
    optimism_bias: list[OptimismBias | None] = field(default_factory=list)
    valuations: list[Valuation | None] = field(default_factory=list)

    @classmethod
    def empty(cls, n_lines: int, n_years: int) -> _LineArrays:
        shape = (n_lines, n_years)
        return cls(amounts=np.zeros(shape), planned=np.zeros(shape),
                   price_factors=np.ones(shape), quantities=np.zeros(shape),
                   value_paths=np.ones(shape), value_low=np.ones(shape),
                   value_high=np.ones(shape), ob_uplift=np.zeros(n_lines),
                   additionality=np.ones(n_lines), lag=np.zeros(n_lines, dtype=np.int64),
                   persistence=np.ones(n_lines, dtype=np.int64), drop_off=np.zeros(n_lines))


def compile_case(case: Case, *, pack: ParameterPack | None = None,
                 schedule_map: Mapping[str, str] | None = None) -> CompiledCase:
    """Resolve a case into arrays ready for :func:`evaluate_arrays`.

    The steps, in order: each line's amounts and optimism bias
    (:func:`_step_amounts`), its unit value or price-base conversion (:func:`_step_prices`),
    its outcome chain (:func:`_step_outcome`); then the discount schedules, parsed once
    (:func:`_step_schedules`), the works-completion delays and the checks of the whole case.

    Parameters
    ----------
    case : Case
        A validated case.
    pack : ParameterPack, optional
        Parameters to use (default: the case's vintage, user packs and opt-ins).
    schedule_map : mapping, optional
        Replace schedules by name, e.g. ``{"standard": "reduced"}`` for the reduced-rate
        sensitivity test (:func:`with_schedule_map` does the same on a compiled case).

    Raises
    ------
    AppraisalValidationError
        If parameters the case needs are missing or not allowed (e.g. an unconfirmed
        deflator without opting in).
    """
    pack = pack or load_pack(case)
    issues = Issues()
    issues.extend(pack.notes)
    years = np.arange(case.base_year, case.base_year + case.horizon_years)
    used: list[ParameterRow] = []
    deflator = _Deflator(case, pack, issues, used)
    reason = _deflator_reason(case)
    if reason:
        deflator.get(reason)
    unit_packs = dict(case.sections.get("unit_value_packs", {}) or {})
    arrays = _LineArrays.empty(len(case.lines), years.size)
    for i, line in enumerate(case.lines):
        used += _step_amounts(arrays, i, line, case, pack, years, issues)
        used += _step_prices(arrays, i, line, case, pack, years, unit_packs, deflator, issues)
        _step_outcome(arrays, i, line)
    smap = dict(schedule_map or {})
    schedules = _step_schedules(case, pack, smap, years.size, issues)
    used += [row for s in schedules for row in s.rows]
    completion_delay = _completion_delays(case, arrays.amounts, arrays.planned,
                                          arrays.optimism_bias)
    _warn_delays_past_horizon(case, years, issues)
    issues.extend(check_case(case, valuations=arrays.valuations, unit_packs=unit_packs))
    if issues.has_errors:
        raise AppraisalValidationError(issues.items, source=case.source_path or "case")
    return _assemble(case, pack, years, arrays, schedules, smap, completion_delay,
                     deflator.index, used, issues, unit_packs)


def _step_amounts(a: _LineArrays, i: int, line: Line, case: Case, pack: ParameterPack,
                  years: np.ndarray, issues: Issues) -> list[ParameterRow]:
    """Step 1: the line's amounts by year and its optimism bias (with any works stretch)."""
    where = case.locate(f"lines[{i}]", line.location or case.source_path)
    for year, amount in line.profile.resolve().items():
        a.amounts[i, year - case.base_year] = amount
    ob, rows = _line_ob(line, pack, issues, where, case, i)
    a.planned[i] = a.amounts[i]
    if ob is not None:
        a.ob_uplift[i] = ob.uplift
        if ob.duration is not None and np.any(a.amounts[i]):
            # The stretch fixes when the works now end; the spending itself stays in
            # its planned years: moving it later would lower its PV, so a late project
            # would look cheaper (the capex uplift carries the overrun's cost).
            stretched = stretch_profile(a.amounts[i], ob.duration_uplift)
            nz_planned, nz = np.flatnonzero(a.planned[i]), np.flatnonzero(stretched)
            ob = replace(ob, planned_end=int(years[nz_planned[-1]]), end=int(years[nz[-1]]))
    a.optimism_bias.append(ob)
    return rows


def _step_prices(a: _LineArrays, i: int, line: Line, case: Case, pack: ParameterPack,
                 years: np.ndarray, unit_packs: Mapping[str, Any], deflator: _Deflator,
                 issues: Issues) -> list[ParameterRow]:
    """Step 2: the line's unit value (valued lines) or its price-base conversion factors."""
    valuation = _line_valuation(line, i, years, case, pack, unit_packs, deflator.index,
                                deflator.get, issues)
    a.valuations.append(valuation)
    if valuation is not None:
        a.value_paths[i], a.value_low[i], a.value_high[i] = (valuation.path, valuation.low,
                                                             valuation.high)
        a.price_factors[i] = valuation.rebase
        return list(valuation.rows)
    base = PriceBase(PriceBasis(line.price_basis), line.price_year
                     if line.price_year is not None else case.price_base_year)
    try:
        a.price_factors[i] = rebase_factors(base, years, base_year=case.price_base_year,
                                            index=deflator.index)
    except KeyError as exc:
        if not (deflator.index is None and deflator.tried):  # else: already reported
            path = f"lines[{i}]." + ("price_basis" if line.price_basis == "nominal"
                                     else "price_year")
            issues.error("deflator", _said(exc), location=case.locate(path),
                         field=path, fix=_deflator_fix(exc), opt_in=_opt_in(exc))
    return []


def _step_outcome(a: _LineArrays, i: int, line: Line) -> None:
    """Step 3: the outcome chain: additionality, and lag, persistence and drop-off."""
    chain = line.outcome
    a.quantities[i] = a.amounts[i]
    if chain is None:
        return
    a.additionality[i] = float(additionality_factor(
        chain.engagement, chain.success, deadweight=chain.deadweight,
        displacement=chain.displacement, leakage=chain.leakage,
        attribution_to_others=chain.attribution_to_others,
        quantity_per_outcome=chain.quantity_per_outcome))
    a.lag[i], a.persistence[i], a.drop_off[i] = chain.lag, chain.persistence, chain.drop_off
    if chain.shapes_time:
        a.quantities[i] = persistence_filter(a.amounts[i], chain.lag, chain.drop_off,
                                             chain.persistence)


def _step_schedules(case: Case, pack: ParameterPack, smap: Mapping[str, str], n_years: int,
                    issues: Issues) -> tuple[DiscountSchedule, ...]:
    """Step 4: each discount schedule the lines use, parsed once (pack or case's own)."""
    names = tuple(dict.fromkeys(smap.get(ln.schedule, ln.schedule)
                                for ln in case.lines)) or ("standard",)
    # one rate per year t = 1 .. T-1; mid-year timing also needs r(1) when T == 1
    n_rates = max(n_years - 1, 1 if case.timing == "mid" else 0)
    out: list[DiscountSchedule] = []
    for name in names:
        own = case.discount_schedules.get(name)
        try:
            if own is not None:
                schedule = DiscountSchedule.from_rates(
                    name, own[:n_rates], source=f"the case's discount_schedules.{name}")
            else:
                schedule = DiscountSchedule.from_pack(name, n_rates, pack)
        except (KeyError, ValueError) as exc:
            first = next((j for j, ln in enumerate(case.lines)
                          if smap.get(ln.schedule, ln.schedule) == name), None)
            path = f"lines[{first}].schedule" if first is not None else "parameters.packs"
            issues.error("schedule", _said(exc), location=case.locate(path),
                         field=path, opt_in=_opt_in(exc), fix="use a schedule the parameter "
                         "pack holds (standard, health or reduced), one of the case's "
                         "discount_schedules, or add it to your pack's discount_schedules.csv")
            schedule = DiscountSchedule(name, np.zeros(n_rates))
        out.append(schedule)
    return tuple(out)


def _warn_delays_past_horizon(case: Case, years: np.ndarray, issues: Issues) -> None:
    """Step 5: warn of delays that push amounts past the horizon (they are dropped)."""
    for j, ln in enumerate(case.lines):
        if ln.delay and max(ln.profile.resolve()) + ln.delay > years[-1]:
            path = f"lines[{j}].delay"
            issues.warn("delay-past-horizon", f"line '{ln.name}' is delayed {ln.delay} years; "
                        "amounts pushed past the horizon are dropped",
                        location=case.locate(path), field=path,
                        fix="shorten the delay, or extend 'horizon_years' to keep the amounts")


def _assemble(case: Case, pack: ParameterPack, years: np.ndarray, a: _LineArrays,
              schedules: tuple[DiscountSchedule, ...], smap: dict[str, str],
              completion_delay: np.ndarray, deflator: DeflatorIndex | None,
              used: list[ParameterRow], issues: Issues,
              unit_packs: Mapping[str, Any]) -> CompiledCase:
    """Last step: the read-only :class:`CompiledCase`."""
    options = tuple(o.name for o in case.options)
    option_index = {name: i for i, name in enumerate(options)}
    sched_idx = {s.name: k for k, s in enumerate(schedules)}
    gross = a.quantities * a.value_paths * a.price_factors
    real = gross * a.additionality[:, None]
    return CompiledCase(
        case=case,
        pack=pack,
        years=_readonly(years),
        option_names=options,
        counterfactual=option_index[case.counterfactual.name],
        line_names=tuple(ln.name for ln in case.lines),
        line_option=_readonly(np.array([option_index[ln.option] for ln in case.lines], dtype=int)),
        is_cost=_readonly(np.array([ln.kind == "cost" for ln in case.lines], dtype=bool)),
        is_fiscal_benefit=_readonly(np.array(
            [ln.kind == "benefit" and ln.value_type == "fiscal" for ln in case.lines], dtype=bool)),
        in_public_budget=_readonly(np.array([case.in_public_budget(ln) for ln in case.lines],
                                            dtype=bool)),
        schedules=schedules,
        line_schedule=_readonly(np.array([sched_idx[smap.get(ln.schedule, ln.schedule)]
                                          for ln in case.lines], dtype=int)),
        real=_readonly(real),
        scale=_readonly(np.array([ln.scale for ln in case.lines], dtype=float)),
        delay=_readonly(np.array([ln.delay for ln in case.lines], dtype=np.int64)
                        + completion_delay),
        completion_delay=_readonly(completion_delay),
        optimism_bias=tuple(a.optimism_bias),
        deflator=deflator,
        parameters_used=tuple(dict.fromkeys(used)),
        warnings=tuple(issues.warnings),
        gross=_readonly(gross),
        **{name: _readonly(getattr(a, name)) for name in (
            "amounts", "price_factors", "ob_uplift", "quantities", "value_paths", "value_low",
            "value_high", "additionality", "lag", "persistence", "drop_off")},
        valuations=tuple(a.valuations),
        unit_packs=unit_packs,
        schedule_map=smap,
    )


def with_schedule_map(compiled: CompiledCase, schedule_map: Mapping[str, str]) -> CompiledCase:
    """The compiled case with schedules replaced by name, without compiling it again.

    What :func:`compile_case` with ``schedule_map`` gives, for the reduced-rate sensitivity
    test (``{"standard": "reduced"}``): lines on a mapped schedule are discounted on its
    replacement; everything else is shared with ``compiled``.

    Examples
    --------
    >>> import appraisal
    >>> c = compile_case(appraisal.load_case(appraisal.example_path("capital")))
    >>> alt = with_schedule_map(c, {"standard": "reduced"})
    >>> c.schedule_names, alt.schedule_names
    (('standard', 'health'), ('reduced', 'health'))
    >>> bool((alt.rates <= c.rates).all())
    True
    """
    smap = {**compiled.schedule_map, **schedule_map}
    issues = Issues()
    schedules = _step_schedules(compiled.case, compiled.pack, smap, compiled.n_years, issues)
    if issues.has_errors:
        raise AppraisalValidationError(issues.items, source=compiled.case.source_path or "case")
    idx = {s.name: k for k, s in enumerate(schedules)}
    line_schedule = np.array([idx[smap.get(ln.schedule, ln.schedule)]
                              for ln in compiled.case.lines], dtype=int)
    used = [*compiled.parameters_used, *(row for s in schedules for row in s.rows)]
    return replace(compiled, schedules=schedules, line_schedule=_readonly(line_schedule),
                   schedule_map=smap, parameters_used=tuple(dict.fromkeys(used)), _cache={})


def _deflator_reason(case: Case) -> str:
    """Field path of the first input that needs a GDP deflator, or ``""`` if none does."""
    for i, ln in enumerate(case.lines):
        if ln.price_basis == "nominal":
            return f"lines[{i}].price_basis"
        if ln.price_year is not None and ln.price_year != case.price_base_year:
            return f"lines[{i}].price_year"
    if case.lines and case.price_base_year != case.base_year:
        return "price_year"
    return ""


def _deflator_fix(exc: Exception) -> str:
    if isinstance(exc, UnconfirmedParameterError):
        return ("opt in with 'parameters: {allow_unconfirmed: [gdp_deflator]}', or give your "
                "own 'prices: {deflator: {year: index}, source: ...}'")
    return ("give the missing years in 'prices: deflator: {year: index}', or set "
            "'prices: deflator_extend_growth' with its 'source'")


def _line_valuation(line: Line, i: int, years: np.ndarray, case: Case, pack: ParameterPack,
                    unit_packs: Mapping[str, Any], index: DeflatorIndex | None,
                    get_index: Any, issues: Issues) -> Valuation | None:
    """Resolve a line's unit value, building the deflator only when rebasing needs it."""
    if line.unit_value is None:
        return None
    path = f"lines[{i}].unit_value"
    where = case.locate(path, line.location or case.source_path)
    for attempt in (index, "build"):
        idx = get_index(path) if attempt == "build" else attempt
        try:
            return resolve_valuation(line.unit_value, years=years, pack=pack,
                                     unit_packs=unit_packs,
                                     price_base_year=case.price_base_year, index=idx)
        except KeyError as exc:
            needs_deflator = isinstance(exc, DeflatorNeededError)
            if idx is None and attempt != "build" and needs_deflator:
                continue
            unconfirmed = isinstance(exc, UnconfirmedParameterError)
            if idx is None and needs_deflator:
                return None  # the deflator problem is already reported
            issues.error("unconfirmed-parameter" if unconfirmed else "unit-value",
                         _said(exc), location=where, field=path, opt_in=_opt_in(exc),
                         fix=(f"opt in with 'parameters: {{allow_unconfirmed: "
                              f"[{_opt_in(exc) or '...'}]}}', or give an explicit "
                              "value and source"
                              if unconfirmed else "check the unit value against its pack or "
                              "measure table, or give an explicit value, unit, price_year and "
                              "source"))
            return None
    return None


@dataclass(frozen=True, slots=True)
class EngineOutput:
    """Present values for ``D`` draws: per line and aggregated per option.

    Attributes
    ----------
    pv_lines : ndarray (D, L)
        PV of each line (positive amounts; see ``is_cost`` for the sign).
    pv_costs, pv_benefits, pv_fiscal_benefits : ndarray (D, O)
        PV of costs, benefits and fiscal benefits of each option.
    pv_public_costs, pv_public_savings : ndarray (D, O)
        PV of the costs and of the savings (fiscal benefits) that fall on the public
        budget of DfT's BCR (:meth:`~appraisal.case.model.Case.in_public_budget`).
    weighted_npsv : ndarray (D, O) or None
        Distributionally weighted NPSV of each option, when ``line_weights`` were given:
        the one place the weighted NPSV is composed.
    """

    pv_lines: np.ndarray | None
    pv_costs: np.ndarray
    pv_benefits: np.ndarray
    pv_fiscal_benefits: np.ndarray
    pv_public_costs: np.ndarray
    pv_public_savings: np.ndarray
    weighted_npsv: np.ndarray | None = None

    def bcr_terms(self, definition: str) -> tuple[np.ndarray, np.ndarray]:
        """``(PVB, PVC)`` of each option under a BCR definition, ``(D, O)`` each."""
        return bcr_terms(definition, self.pv_benefits, self.pv_costs, self.pv_public_costs,
                         self.pv_public_savings)

    @property
    def npsv(self) -> np.ndarray:
        """Net present social value of each option, ``(D, O)``."""
        return self.pv_benefits - self.pv_costs


def _as_draws(value: Any, default: np.ndarray, name: str, n_lines: int) -> np.ndarray:
    if value is None:
        return default[None, :]
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == n_lines:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] not in (n_lines, 1):
        msg = f"'{name}' must have shape (draws, {n_lines}) or (draws, 1) (got {arr.shape})"
        raise ValueError(msg)
    return arr


def discount_factor_array(compiled: CompiledCase, rate_shift: Any = None) -> np.ndarray:
    """Discount factors ``(D or 1, S, T)`` for the compiled schedules, shifted per draw."""
    rates = compiled.rates[None, :, :]
    if rate_shift is not None:
        shift = np.asarray(rate_shift, dtype=np.float64)
        if shift.ndim in (1, 2):
            shift = shift.reshape(shift.shape + (1,) * (3 - shift.ndim))
        rates = rates + shift
    factors = factors_from_rates(rates, timing=compiled.case.timing)  # type: ignore[arg-type]
    return factors[..., : compiled.n_years]


def shift_profiles(real: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """Shift each line's profile later by ``delay`` whole years, per draw: (D, L, T).

    Amounts shifted past the last year fall outside the appraisal period.

    Examples
    --------
    >>> shift_profiles(np.array([[1.0, 2.0, 3.0]]), np.array([[0], [1]]))
    array([[[1., 2., 3.]],
    <BLANKLINE>
           [[0., 1., 2.]]])
    """
    T = real.shape[-1]
    t = np.arange(T)
    src = t[None, None, :] - delay[:, :, None]
    valid = src >= 0
    gathered = np.take_along_axis(
        np.broadcast_to(real[None], (delay.shape[0], *real.shape)), np.clip(src, 0, T - 1),
        axis=-1)
    return np.where(valid, gathered, 0.0)


def _check_chunk_size(chunk_size: Any) -> None:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or \
            chunk_size < 1:
        raise AppraisalValidationError([Issue(
            "out-of-range", f"'chunk_size' must be a whole number of at least 1 (got "
            f"{chunk_size!r})", field="chunk_size",
            fix="leave it out (chosen from the memory budget) or pass a positive integer")],
            source="evaluate_arrays")


def _delay_draws(delay: Any, n_lines: int) -> np.ndarray:
    """Validated per-draw delays ``(D, L)`` as integers."""
    arr = np.asarray(delay)
    if arr.dtype.kind not in "iu" or (arr < 0).any():  # else whole and finite already
        arr = np.asarray(delay, dtype=np.float64)
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
        if bad.any():
            example = arr[bad].flat[0]
            raise AppraisalValidationError([Issue(
                "out-of-range", f"'delay' draws must be whole numbers of years, 0 or more "
                f"({int(bad.sum())} are not, e.g. {float(example)!r})", field="delay",
                fix="round the delay draws to whole years and clip them at 0 (e.g. with "
                    "np.clip(np.rint(draws), 0, None))")], source="evaluate_arrays")
    arr = arr.astype(np.int64, copy=False)
    # (D, 1): one delay per draw for every line
    return arr if arr.ndim == 2 and arr.shape[1] == 1 else arr.reshape(-1, n_lines)


def evaluate_arrays(
    compiled: CompiledCase,
    *,
    scale: Any = None,
    ob_uplift: Any = None,
    value_multiplier: Any = None,
    rate_shift: Any = None,
    delay: Any = None,
    additionality: Any = None,
    drop_off: Any = None,
    line_weights: Any = None,
    keep_lines: bool = True,
    chunk_size: int | None = None,
    memory: float | None = None,
) -> EngineOutput:
    """Present values for ``D`` draws of the inputs, evaluated in chunks.

    Per-line inputs have shape ``(D, L)`` (or ``(L,)`` / ``(1, L)`` to broadcast); see the
    module docstring. ``drop_off`` draws must be fractions in [0, 1].

    ``line_weights`` ``(D, L)`` (or ``(L,)`` / ``(1, L)``): distributional weights of each
    line (:func:`appraisal.greenbook.equity.line_weights` of the group weights, which may carry the
    draws axis, e.g. draws of η); the output's ``weighted_npsv`` is then the weighted NPSV
    of each option, computed beside the unweighted PVs. ``keep_lines=False`` keeps no
    per-line PVs (``pv_lines`` is ``None``): the outputs are ``(D, O)`` only, so memory
    does not grow with lines times draws. A per-line input may also be ``(D, 1)``: one
    value per draw for every line.

    Draws are evaluated ``chunk_size`` at a time; by default the chunk is the most draws
    whose working arrays fit in ``memory`` bytes (default 512 MB; see
    :func:`appraisal.engine.kernel.chunk_for_budget`). The inputs and the outputs, ``(D,
    L)`` and ``(D, O)``, are held whole besides. Results do not depend on the chunk.

    Raises
    ------
    AppraisalValidationError
        If ``drop_off`` draws fall outside [0, 1], ``delay`` draws are negative, fractional
        or not finite, or ``chunk_size`` is not a whole number of at least 1.
    ValueError
        If inputs have the wrong shape or disagree on the number of draws.

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=2,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
    ...            {"option": "A", "name": "b", "kind": "benefit", "values": {2026: 207}}])
    >>> out = evaluate_arrays(compile_case(case), scale=[[1.0, 1.0], [2.0, 1.0]])
    >>> out.npsv.round(2).tolist()
    [[0.0, 100.0], [0.0, 0.0]]
    """
    c = compiled
    L = c.n_lines
    if chunk_size is not None:
        _check_chunk_size(chunk_size)
    memory = check_memory(memory, "evaluate_arrays")
    sc = _as_draws(scale, c.scale, "scale", L)
    ob = _as_draws(ob_uplift, c.ob_uplift, "ob_uplift", L)
    vm = _as_draws(value_multiplier, np.ones(L), "value_multiplier", L)
    add = _as_draws(additionality, c.additionality if c.additionality is not None
                    else np.ones(L), "additionality", L)
    drops = None
    timed = np.flatnonzero(c.persistence > 1) if c.persistence is not None else np.array([], int)
    if drop_off is not None:
        drops = validate_factor_draws("drop_off", _as_draws(drop_off, c.drop_off, "drop_off", L))
    per_draw_delay = delay is not None
    dl = _delay_draws(delay, L) if per_draw_delay else c.delay[None, :]
    shift = None if rate_shift is None else np.asarray(rate_shift, dtype=np.float64)
    sizes = [a.shape[0] for a in (sc, ob, vm, dl, add, *(() if drops is None else (drops,)))
             if a.shape[0] != 1]
    if shift is not None and shift.ndim >= 1 and shift.shape[0] != 1:
        sizes.append(shift.shape[0])
    D = max(sizes, default=1)
    if any(s != D for s in sizes):
        msg = f"inputs disagree on the number of draws: {sorted(set(sizes))}"
        raise ValueError(msg)
    keep = None if drops is None or not timed.size else 1.0 - drops
    chunk = chunk_size if chunk_size is not None else chunk_for_budget(
        memory, L, c.n_years, len(c.option_names),
        n_schedules=len(c.schedule_names), persistence=1 if keep is None else
        int(c.persistence.max(initial=1)))  # type: ignore[union-attr]
    weights = None if line_weights is None else _as_draws(line_weights, np.ones(L),
                                                          "line_weights", L)
    if weights is not None and weights.shape[0] not in (1, D):
        if D == 1:
            D = weights.shape[0]
        else:
            msg = f"inputs disagree on the number of draws: {sorted({D, weights.shape[0]})}"
            raise ValueError(msg)
    profiles = line_profiles(c)
    mid = c.case.timing == "mid"
    sums = _option_sums(c)
    signed = _signed_onehot(c) if weights is not None else None
    pv_lines = np.empty((D, L)) if keep_lines else None
    totals = np.empty((D, sums.shape[1]))
    weighted = np.empty((D, sums.shape[1] // 5)) if weights is not None else None
    with blas_threads():
        for start in range(0, D, chunk):
            stop = min(start + chunk, D)

            def take(a: np.ndarray, start: int = start, stop: int = stop) -> np.ndarray:
                return a if a.shape[0] == 1 else a[start:stop]

            def lines(a: np.ndarray, start: int = start, stop: int = stop) -> np.ndarray:
                a = a if a.shape[0] == 1 else a[start:stop]
                return a if a.shape[1] == L else np.broadcast_to(a, (a.shape[0], L))

            sh = None if shift is None else (shift if shift.ndim == 0 or shift.shape[0] == 1
                                             else shift[start:stop])
            raw = raw_present_values(profiles, c.rates, take(dl),
                                     None if keep is None else lines(keep), sh, mid=mid)
            mult = _product_of(take(sc), 1.0 + take(ob), take(vm), take(add))
            pv = np.multiply(raw, mult, out=None if pv_lines is None else pv_lines[start:stop])
            pv = np.broadcast_to(pv, (stop - start, L))
            totals[start:stop] = row_tiled_product(pv, sums)
            if weighted is not None:
                weighted[start:stop] = row_tiled_product(pv * take(weights), signed)
    n_opt = len(c.option_names)
    costs, benefits, fiscal, public_costs, public_savings = (
        totals[:, i * n_opt:(i + 1) * n_opt] for i in range(5))
    return EngineOutput(pv_lines=pv_lines, pv_costs=costs, pv_benefits=benefits,
                        pv_fiscal_benefits=fiscal, pv_public_costs=public_costs,
                        pv_public_savings=public_savings, weighted_npsv=weighted)


def _product_of(*factors: np.ndarray) -> np.ndarray:
    """The product of per-line multipliers ``(n or 1, L or 1)``: the per-line ``(1, L)``
    and per-draw ``(n, 1)`` ones first, so a chunk pays one ``(n, L)`` pass when the draws
    vary only per draw."""
    ordered = sorted(factors, key=lambda a: (a.shape[0] != 1 and a.shape[1] != 1,
                                             a.shape[0] != 1))
    return functools.reduce(np.multiply, ordered)


def _signed_onehot(c: CompiledCase) -> np.ndarray:
    """``(L, O)``: +1 for a benefit line's option, -1 for a cost line's (cached)."""
    if "signed_onehot" not in c._cache:
        c._cache["signed_onehot"] = _readonly(np.where(c.is_cost, -1.0, 1.0)[:, None]
                                              * c.option_matrix)
    return c._cache["signed_onehot"]


def _option_sums(c: CompiledCase) -> np.ndarray:
    """``(L, 5 O)``: line PVs to PV costs, benefits, fiscal benefits, public costs and
    public savings of each option, in one product (cached)."""
    if "option_sums" not in c._cache:
        onehot = c.option_matrix
        public = c.in_public_budget.astype(np.float64)
        m = np.concatenate([onehot * c.is_cost[:, None], onehot * ~c.is_cost[:, None],
                            onehot * c.is_fiscal_benefit[:, None],
                            onehot * (public * c.is_cost)[:, None],
                            onehot * (public * ~c.is_cost)[:, None]], axis=1)
        c._cache["option_sums"] = _readonly(m)
    return c._cache["option_sums"]


def line_present_values(compiled: CompiledCase, gross: np.ndarray) -> np.ndarray:
    """PV of each line ``(L,)`` from real flows ``gross`` ``(L, T)``: delayed and discounted,
    before scale, optimism bias and additionality (deterministic)."""
    flows = shift_profiles(gross, compiled.delay[None, :])[0]
    return (flows * discount_factor_array(compiled)[0][compiled.line_schedule]).sum(axis=1)


def yearly_flows(compiled: CompiledCase) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic real flows and discounted flows per line and year, ``(L, T)`` each.

    Real flows include price conversion, optimism bias, scale and delay.
    """
    c = compiled
    real = shift_profiles(c.real, c.delay[None, :])[0] * (c.scale * (1.0 + c.ob_uplift))[:, None]
    df = discount_factor_array(c)[0]
    return real, real * df[c.line_schedule]
