"""Validation of the report context (the plain dict that :func:`render_report` renders).

The keys and units are documented in :mod:`appraisal.outputs.report`. :func:`validate_context`
checks the whole dict at once, collects every problem with its field path (for
example ``cba.metrics[2].npsv``) and raises one
:class:`~appraisal.errors.AppraisalValidationError`, so a template never meets a
missing key, a NaN or an option it does not know.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from typing import Any

from appraisal.errors import AppraisalValidationError, Issues  # noqa: F401 - doctest
from appraisal.fields import did_you_mean
from appraisal.limits import MAX_TEXT_CHARS

__all__ = ["SCHEMA_VERSION", "validate_context"]

SCHEMA_VERSION = 1
_MAX_TEXT = MAX_TEXT_CHARS  # the one limit on a text, in appraisal.limits
_SOURCE = "report context"
_FIX = "see the context schema in the appraisal.outputs.report module docstring"


# The specs are plain classes with slots, not dataclasses: creating 13 dataclasses took 10 to
# 20 ms of every run that writes a report (issue 14, item 4).


class _State:
    __slots__ = ("criteria", "issues", "options")

    def __init__(self, issues: Issues | None = None, options: set[str] | None = None,
                 criteria: set[str] | None = None) -> None:
        self.issues = Issues() if issues is None else issues
        self.options: set[str] = set() if options is None else options
        self.criteria: set[str] = set() if criteria is None else criteria

    def error(self, path: str, code: str, message: str, fix: str = _FIX) -> None:
        self.issues.error(code, message, location=_SOURCE, field=path, fix=fix)


class _Spec:
    __slots__ = ()

    def check(self, value: Any, path: str, st: _State) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class _Str(_Spec):
    __slots__ = ()

    def check(self, value: Any, path: str, st: _State) -> bool:
        if not isinstance(value, str):
            st.error(path, "not-text", f"'{path}' must be text (got {value!r})")
            return False
        if len(value) > _MAX_TEXT:
            st.error(path, "text-too-long",
                     f"'{path}' is {len(value):,} characters; at most {_MAX_TEXT:,} are allowed",
                     "shorten it: a report paragraph should not need more")
            return False
        return True


class _Num(_Spec):
    __slots__ = ("hi", "integer", "lo")

    def __init__(self, lo: float = -math.inf, hi: float = math.inf, integer: bool = False
                 ) -> None:
        self.lo, self.hi, self.integer = lo, hi, integer

    def check(self, value: Any, path: str, st: _State) -> bool:
        kind = "a whole number" if self.integer else "a finite number"
        ok_type = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            st.error(path, "not-a-number", f"'{path}' must be {kind} (got {value!r})")
            return False
        if not math.isfinite(value):
            st.error(path, "not-finite", f"'{path}' must be {kind} (got {value!r})",
                     "a NaN or infinity means an upstream calculation failed; fix it there")
            return False
        if not self.lo <= value <= self.hi:
            st.error(path, "out-of-range",
                     f"'{path}' must be between {self.lo:g} and {self.hi:g} (got {value!r})",
                     "fractions are 0 to 1, not percentages" if self.hi == 1 else _FIX)
            return False
        return True


class _Null(_Spec):
    __slots__ = ("inner",)

    def __init__(self, inner: _Spec) -> None:
        self.inner = inner

    def check(self, value: Any, path: str, st: _State) -> bool:
        return value is None or self.inner.check(value, path, st)


class _Lens(_Spec):
    """An optional report section: absent, ``None``, ``{}`` or ``[]`` all mean "not used"."""

    __slots__ = ("inner",)

    def __init__(self, inner: _Spec) -> None:
        self.inner = inner

    def check(self, value: Any, path: str, st: _State) -> bool:
        return value is None or value == {} or value == [] or self.inner.check(value, path, st)


class _NumOrStr(_Spec):
    __slots__ = ()

    def check(self, value: Any, path: str, st: _State) -> bool:
        return (_Str() if isinstance(value, str) else _Num()).check(value, path, st)


class _Enum(_Spec):
    __slots__ = ("choices",)

    def __init__(self, choices: tuple[Any, ...]) -> None:
        self.choices = choices

    def check(self, value: Any, path: str, st: _State) -> bool:
        # Compare types too: 1 == True == 1.0 in Python, but not in a schema.
        if not any(value == c and type(value) is type(c) for c in self.choices):
            st.error(path, "not-allowed",
                     f"'{path}' must be one of {', '.join(map(repr, self.choices))} "
                     f"(got {value!r})")
            return False
        return True


class _Pattern(_Spec):
    __slots__ = ("regex", "what")

    def __init__(self, regex: str, what: str) -> None:
        self.regex, self.what = regex, what

    def check(self, value: Any, path: str, st: _State) -> bool:
        if not isinstance(value, str) or not re.fullmatch(self.regex, value):
            st.error(path, "bad-format", f"'{path}' must be {self.what} (got {value!r})")
            return False
        return True


class _Ref(_Spec):
    """A reference to a declared option id (``kind="option"``) or MCA criterion id."""

    __slots__ = ("kind",)

    def __init__(self, kind: str = "option") -> None:
        self.kind = kind

    def check(self, value: Any, path: str, st: _State) -> bool:
        known = st.options if self.kind == "option" else st.criteria
        if not isinstance(value, str) or value not in known:
            st.error(path, f"unknown-{self.kind}",
                     f"'{path}' refers to {self.kind} {value!r}, which is not declared",
                     f"use one of: {', '.join(sorted(known)) or '(none declared)'}")
            return False
        return True


class _List(_Spec):
    __slots__ = ("exact", "item", "min_len")

    def __init__(self, item: _Spec, min_len: int = 0, exact: int | None = None) -> None:
        self.item, self.min_len, self.exact = item, min_len, exact

    def check(self, value: Any, path: str, st: _State) -> bool:
        if not isinstance(value, list):
            st.error(path, "not-a-list", f"'{path}' must be a list (got {type(value).__name__})")
            return False
        if self.exact is not None and len(value) != self.exact:
            st.error(path, "wrong-length",
                     f"'{path}' must have exactly {self.exact} items (got {len(value)})")
            return False
        if len(value) < self.min_len:
            st.error(path, "too-short",
                     f"'{path}' must have at least {self.min_len} item(s) (got {len(value)})")
            return False
        return all([self.item.check(v, f"{path}[{i}]", st) for i, v in enumerate(value)])


class _KeyMap(_Spec):
    """A mapping keyed by option ids (``kind="option"``) or criterion ids."""

    __slots__ = ("complete", "item", "kind")

    def __init__(self, item: _Spec, kind: str = "option", complete: bool = True) -> None:
        self.item, self.kind, self.complete = item, kind, complete

    def check(self, value: Any, path: str, st: _State) -> bool:
        if not isinstance(value, dict):
            st.error(path, "not-a-mapping",
                     f"'{path}' must be a mapping of {self.kind} id to value "
                     f"(got {type(value).__name__})")
            return False
        known = st.options if self.kind == "option" else st.criteria
        ok = True
        for key in value:
            if key not in known:
                st.error(f"{path}.{key}", f"unknown-{self.kind}",
                         f"'{path}' has a key {key!r} that is not a declared {self.kind} id",
                         f"use one of: {', '.join(sorted(known))}")
                ok = False
        if self.complete:
            for key in sorted(known - set(value)):
                st.error(f"{path}.{key}", "missing-key",
                         f"'{path}' has no value for {self.kind} {key!r}",
                         f"give a value for every {self.kind}")
                ok = False
        return all([self.item.check(v, f"{path}.{k}", st) for k, v in value.items()]) and ok


class _Rec(_Spec):
    """A record: ``fields`` maps each key to ``(spec, required)``."""

    __slots__ = ("fields", "free")

    def __init__(self, fields: Mapping[str, tuple[_Spec, bool]], free: tuple[str, ...] = ()
                 ) -> None:
        self.fields, self.free = fields, free

    def check(self, value: Any, path: str, st: _State) -> bool:
        where = f"'{path}'" if path else "the context"
        if not isinstance(value, dict):
            got = type(value).__name__
            st.error(path, "not-a-mapping", f"{where} must be a mapping (got {got})")
            return False
        ok = True
        for key in value:
            if key not in self.fields and key not in self.free:
                close = did_you_mean(str(key), list(self.fields))
                fix = close or "remove it, or move it to 'extra'"
                st.error(_join(path, key), "unknown-key", f"{where} has an unknown key {key!r}",
                         fix)
                ok = False
        for key, (spec, required) in self.fields.items():
            if key in value:
                ok = spec.check(value[key], _join(path, key), st) and ok
            elif required:
                st.error(_join(path, key), "missing-key", f"{where} needs the key {key!r}")
                ok = False
        return ok


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _r(**fields: _Spec) -> _Rec:
    """Record with required fields; prefix a key with ``opt_`` to make it optional."""
    return _Rec({k.removeprefix("opt_"): (v, not k.startswith("opt_")) for k, v in fields.items()})


_S, _N, _OPT = _Str(), _Num(), _Ref()
_FRAC = _Num(0.0, 1.0)
_NONNEG = _Num(0.0)
_INT = _Num(integer=True)
_YEAR = _Num(1800, 2300, integer=True)
_POS = _Num(1e-300)
_NUMS = _List(_N)

_META = _r(title=_S, opt_subtitle=_S, opt_organisation=_S, date=_S, price_base_year=_YEAR,
           discount_base_year=_YEAR, appraisal_period=_r(start=_YEAR, end=_YEAR),
           discount_schedule=_S, bcr_definition=_S, counterfactual=_OPT,
           opt_money_unit=_Enum(("auto", "£", "£m")))
_OPTION = _r(id=_Pattern(r"[^\s].{0,199}", "a non-empty id of at most 200 characters"),
             name=_S, opt_description=_S)
_MEASURES = dict(inc_npsv=_N, inc_bcr=_Null(_N), vfm_category=_Null(_S), npsv=_N,
                 net_saving_to_public_sector=_Enum((True, False)))
_HEADLINE = _r(preferred_option=_OPT, counterfactual=_OPT, **_MEASURES,
               best_alternative=_Null(_r(option=_OPT, **_MEASURES)))
_LABELS = _r(**dict.fromkeys(("preferred_option", "pv_costs", "pv_benefits", "npsv", "bcr",
                              "inc_pv_costs", "inc_pv_benefits", "inc_npsv", "inc_bcr",
                              "vfm_category"), _S))
_SUMMARY = _r(preferred_option=_OPT, rationale=_S, key_uncertainties=_S, switching_values=_S)
_STRATEGIC = _r(
    opt_spending_objectives=_List(_r(id=_S, text=_S)),
    opt_long_list=_List(_r(name=_S, opt_description=_S, outcome=_S, opt_reason=_S)),
    opt_short_list=_List(_OPT),
)
_CBA = _r(
    opt_comparison=_S,
    metrics=_List(_r(option=_OPT, pv_costs=_N, pv_benefits=_N, npsv=_N, bcr=_Null(_N),
                     vfm_category=_S, opt_bcr_note=_S), min_len=1),
    pv_lines=_List(_r(category=_S, kind=_Enum(("cost", "benefit")), pv=_KeyMap(_N))),
    cash_flows=_r(measure=_S, years=_List(_YEAR, min_len=1), net=_KeyMap(_NUMS, complete=False)),
    opt_waterfall_option=_OPT,
)
_OPTIMISM_BIAS = _r(
    rows=_List(_r(option=_OPT, project_type=_S, upper_bound=_NONNEG, mitigation=_FRAC,
                  applied=_NONNEG, base_pv=_N, uplift_pv=_N,
                  opt_duration_upper_bound=_NONNEG, opt_duration_mitigation=_FRAC,
                  opt_duration_applied=_NONNEG, opt_completion_delay_years=_INT,
                  opt_delayed_lines=_List(_S)), min_len=1),
    opt_risks=_List(_r(option=_OPT, risk=_S, probability=_FRAC, impact_pv=_N, expected_pv=_N)),
    opt_note=_S,
)
_PUBLIC_VALUE = _r(
    opt_by_value_type=_List(_r(option=_OPT, fiscal=_N, economic=_N, social=_N), min_len=1),
    opt_agencies=_r(option=_OPT, rows=_List(_r(agency=_S, pv_costs=_N, pv_benefits=_N, net=_N,
                                                payback_year=_Null(_YEAR)), min_len=1)),
    opt_pooled_budget=_r(option=_OPT, basis=_S, pooled_cost=_N, pooled_savings=_N,
                         partners=_List(_r(agency=_S, savings=_N, actual_contribution=_N,
                                           actual_share=_Null(_N), proportional_contribution=_N,
                                           proportional_share=_Null(_N), proportional_net=_N),
                                        min_len=1), note=_S),
    opt_cash_by_year=_r(option=_OPT, years=_List(_YEAR, min_len=1),
                        agencies=_List(_r(agency=_S, net=_NUMS, cumulative=_NUMS), min_len=1),
                        opt_zero_agencies=_List(_S, min_len=1)),
    opt_note=_S,
)
_DISTRIBUTIONAL = _r(
    eta=_N, groups=_List(_S, min_len=1), weights=_List(_NONNEG),
    incidence=_KeyMap(_NUMS, complete=False),
    npsv=_List(_r(option=_OPT, unweighted=_N, weighted=_N), min_len=1),
    opt_eta_curve=_r(eta=_List(_N, min_len=2), npsv=_KeyMap(_NUMS, complete=False)),
    opt_note=_S,
)
_NON_MONETISED = _r(
    scale=_List(_S, exact=7),
    impacts=_List(_r(impact=_S, opt_description=_S, scores=_KeyMap(_Num(-3, 3, integer=True)),
                     opt_evidence=_S, opt_confidence=_S), min_len=1),
)
_CRIT = _Ref("criterion")
_MCA = _r(
    criteria=_List(_r(id=_S, name=_S, weight=_FRAC), min_len=1),
    score_scale=_S,
    scores=_List(_r(option=_OPT, scores=_KeyMap(_N, "criterion"),
                    weighted=_KeyMap(_N, "criterion"), total=_N, rank=_Num(1, integer=True)),
                 min_len=1),
    opt_weight_robustness=_r(method=_S, n_samples=_Num(1, integer=True),
                             rows=_List(_r(option=_OPT, p_first=_FRAC, rank_min=_INT,
                                           rank_max=_INT), min_len=1)),
    opt_weight_sets=_List(_r(name=_S, weights=_KeyMap(_FRAC, "criterion"),
                             totals=_KeyMap(_N, complete=False), preferred=_OPT)),
    opt_note=_S,
)
_FIN_TOTALS = _r(requirement=_N, capital=_N, resource=_N, contingency=_N, irrecoverable_vat=_N,
                 optimism_bias=_N, funding=_N, funding_gap=_N, cashable_savings=_N)
_FINANCIAL_CASE = _r(
    options=_List(_r(option=_OPT, totals=_FIN_TOTALS,
                     years=_List(_r(budget_year=_S, requirement=_N, capital=_N, resource=_N,
                                    optimism_bias=_N, funding=_N, funding_gap=_N)),
                     partners=_List(_r(agency=_S, requirement=_N, funding_received=_N,
                                       funding_paid=_N, cashable_savings=_N, funding_gap=_N,
                                       final_cumulative_cash=_N, breakeven_year=_Null(_S))),
                     irr=_Null(_N), irr_note=_S, payback_year=_Null(_YEAR),
                     discounted_payback_year=_Null(_YEAR)), min_len=1),
    inflation=_S, vat=_S, contingency=_FRAC, note=_S,
)
_CE_INB = _List(_r(threshold=_POS, inb=_N), min_len=1)
_CE_SPREAD = _r(mean=_N, p5=_N, p95=_N)
_QUADRANTS = ("north-east", "south-east", "north-west", "south-west")
_COST_EFFECTIVENESS = _r(
    effect_unit=_S, counterfactual=_OPT, cost_offsets=_List(_S),
    thresholds=_List(_r(threshold=_POS, name=_S, source=_S, confidence=_S), min_len=1),
    options=_List(_r(option=_OPT, cost=_N, effect=_N), min_len=1),
    versus_counterfactual=_List(_r(option=_OPT, inc_cost=_N, inc_effect=_N, icer=_Null(_N),
                                   icer_status=_S, inb=_CE_INB)),
    frontier=_List(_r(option=_OPT, status=_Enum(("frontier", "dominated",
                                                 "extendedly dominated")),
                      compared_with=_Null(_OPT), inc_cost=_Null(_N), inc_effect=_Null(_N),
                      icer=_Null(_N), dominated_by=_Null(_S)), min_len=1),
    note=_S,
    opt_acceptability=_r(n_draws=_Num(1, integer=True), thresholds=_List(_POS, min_len=2),
                         curves=_KeyMap(_List(_FRAC)), frontier_option=_List(_OPT),
                         frontier_probability=_List(_FRAC),
                         at_thresholds=_List(_r(threshold=_POS, name=_S,
                                                probability_best=_KeyMap(_FRAC),
                                                frontier_option=_OPT, frontier_probability=_FRAC,
                                                p_cost_effective=_KeyMap(_FRAC,
                                                                         complete=False)),
                                             min_len=1),
                         note=_S,
                         opt_plane=_List(_r(option=_OPT, inc_cost=_CE_SPREAD,
                                            inc_effect=_CE_SPREAD,
                                            quadrants=_r(**{q: _FRAC for q in _QUADRANTS}),
                                            sample_cost=_List(_N, min_len=1),
                                            sample_effect=_List(_N, min_len=1)), min_len=1),
                         opt_plane_selection=_S),
)
_UNCERTAINTY = _r(
    opt_tornado=_r(option=_OPT, base_npsv=_N,
                   rows=_List(_r(parameter=_S, low_label=_S, high_label=_S, npsv_low=_N,
                                 npsv_high=_N), min_len=1)),
    opt_central_differs=_List(_r(input=_S, case_value=_Null(_N), distribution_central=_N),
                              min_len=1),
    opt_switching_values=_List(_r(parameter=_S, unit=_S, base_value=_N,
                                  switching_value=_Null(_N), change=_Null(_N), opt_note=_S),
                               min_len=1),
    opt_unit_value_range=_r(option=_OPT, lines=_List(_S, min_len=1), low=_N, high=_N),
    opt_scenarios=_List(_r(scenario=_S, inputs=_List(_r(input=_S, value=_N)),
                           inc_npsv=_KeyMap(_N), preferred_option=_OPT), min_len=1),
    opt_monte_carlo=_r(n_draws=_Num(1, integer=True), seed=_Null(_Num(0, integer=True)),
                       histograms=_KeyMap(_r(bin_edges=_NUMS, counts=_List(_NONNEG, min_len=1)),
                                          complete=False),
                       summary=_List(_r(option=_OPT, opt_central=_N, mean=_N, p5=_N, p50=_N,
                                        p95=_N, p_positive=_FRAC), min_len=1),
                       p_preferred=_KeyMap(_FRAC), opt_mean_versus_central=_S),
    opt_value_of_information=_r(
        evpi=_NONNEG, method=_S, money_unit=_Enum(("£", "£m")), text=_S,
        groups=_List(_r(name=_S, inputs=_List(_S, min_len=1), group=_Enum((True, False)),
                        evppi=_NONNEG, share_of_evpi=_Null(_FRAC)))),
    opt_acceptability=_r(x_label=_S, x_is_money=_Enum((True, False)), x=_List(_N, min_len=2),
                         curves=_KeyMap(_List(_FRAC), complete=False), opt_note=_S),
    opt_sobol=_r(n_base_samples=_Num(1, integer=True),
                 comparisons=_List(_r(output=_S, comparison=_S, total_variance=_NONNEG,
                                      rows=_List(_r(parameter=_S, s1=_N, s1_conf=_NONNEG,
                                                    st=_N, st_conf=_NONNEG,
                                                    first_order_variance=_N,
                                                    total_order_variance=_N), min_len=1)),
                                   min_len=1)),
)
_AT_A_GLANCE = _r(
    recommendation=_S,
    opt_how_sure=_r(n_draws=_Num(1, integer=True), p_preferred=_FRAC, p_positive=_FRAC,
                    text=_S),
    opt_switching=_r(parameter=_S, change=_N, text=_S),
    opt_scenarios=_r(rows=_List(_r(scenario=_S, preferred_option=_OPT,
                                   changes_decision=_Enum((True, False)), inc_npsv=_N),
                                min_len=1), text=_S),
    opt_warnings=_List(_S, min_len=1),
)
_ASSUMPTIONS = _List(_r(id=_S, assumption=_S, opt_rationale=_S, source=_S, confidence=_S),
                     min_len=1)
_PARAMETERS = _List(_r(name=_S, value=_NumOrStr(), unit=_S, price_year=_Null(_YEAR), source=_S,
                       edition=_S, opt_table=_S, confidence=_S), min_len=1)
_AUDIT = _r(tool_version=_S, generated_at=_S,
            inputs=_List(_r(name=_S, sha256=_Pattern(r"[0-9a-f]{64}", "64 lower-case hex digits"))),
            parameter_vintage=_S, seed=_Null(_Num(0, integer=True)), opt_command=_S, opt_python=_S)

_CONTEXT = _Rec(
    {
        "schema_version": (_Enum((SCHEMA_VERSION,)), True),
        "meta": (_META, True), "options": (_List(_OPTION, min_len=1), True),
        "headline": (_HEADLINE, True), "labels": (_LABELS, True),
        "at_a_glance": (_Lens(_AT_A_GLANCE), False),
        "summary": (_SUMMARY, True), "strategic": (_Lens(_STRATEGIC), False),
        "cba": (_CBA, True), "optimism_bias": (_Lens(_OPTIMISM_BIAS), False),
        "public_value": (_Lens(_PUBLIC_VALUE), False),
        "distributional": (_Lens(_DISTRIBUTIONAL), False),
        "non_monetised": (_Lens(_NON_MONETISED), False), "mca": (_Lens(_MCA), False),
        "uncertainty": (_Lens(_UNCERTAINTY), False),
        "financial_case": (_Lens(_FINANCIAL_CASE), False),
        "cost_effectiveness": (_Lens(_COST_EFFECTIVENESS), False),
        "assumptions": (_Lens(_ASSUMPTIONS), False),
        "parameters": (_PARAMETERS, True),
        "audit": (_AUDIT, True),
    },
    free=("extra",),
)


def _ids(items: object, key: str, path: str, st: _State) -> set[str]:
    """Collect declared ids, reporting duplicates."""
    seen: set[str] = set()
    if not isinstance(items, list):
        return seen
    for i, item in enumerate(items):
        ident = item.get(key) if isinstance(item, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                st.error(f"{path}[{i}].{key}", "duplicate-id", f"{key} {ident!r} is declared twice",
                         "give every entry a unique id")
            seen.add(ident)
    return seen


def _lengths(ctx: Mapping[str, Any], st: _State) -> None:
    """Cross-field checks: aligned lengths, one metric per option, ordered bounds."""

    def same(path: str, values: object, n: int, what: str) -> None:
        if isinstance(values, list) and len(values) != n:
            st.error(path, "wrong-length", f"'{path}' has {len(values)} values; expected {n} "
                     f"(one per {what})", "align it with the list it describes")

    cba = ctx.get("cba", {})
    metrics = [m.get("option") for m in cba.get("metrics", []) if isinstance(m, dict)]
    for missing in sorted(st.options - set(metrics)):
        st.error("cba.metrics", "missing-metric", f"'cba.metrics' has no entry for {missing!r}",
                 "give PV costs, PV benefits, NPSV and BCR for every option")
    lines = cba.get("pv_lines", [])
    for i, m in enumerate(cba.get("metrics", [])):
        opt = m["option"]
        ben = math.fsum(ln["pv"][opt] for ln in lines if ln["kind"] == "benefit")
        cost = math.fsum(ln["pv"][opt] for ln in lines if ln["kind"] == "cost")
        for name, got in (("pv_benefits", ben), ("pv_costs", cost), ("npsv", ben - cost)):
            if not math.isclose(got, m[name], rel_tol=1e-6, abs_tol=1.0):
                st.error(f"cba.metrics[{i}].{name}", "inconsistent-totals",
                         f"'cba.metrics[{i}].{name}' is {m[name]!r} but the pv_lines for "
                         f"{opt!r} give {got!r}",
                         "the report shows both; make the lines add up to the metrics")
    flows = cba.get("cash_flows", {})
    for opt, series in flows.get("net", {}).items():
        same(f"cba.cash_flows.net.{opt}", series, len(flows.get("years", [])), "year")
    period = ctx.get("meta", {}).get("appraisal_period", {})
    if isinstance(period.get("start"), int) and isinstance(period.get("end"), int) and \
            period["start"] > period["end"]:
        st.error("meta.appraisal_period", "bad-period",
                 "'meta.appraisal_period' starts after it ends")
    cash = (ctx.get("public_value") or {}).get("cash_by_year") or {}
    for i, a in enumerate(cash.get("agencies") or []):
        if isinstance(a, dict):
            for key in ("net", "cumulative"):
                same(f"public_value.cash_by_year.agencies[{i}].{key}", a.get(key),
                     len(cash.get("years") or []), "year")
    dist = ctx.get("distributional")
    if dist:
        groups = len(dist.get("groups", []))
        same("distributional.weights", dist.get("weights"), groups, "group")
        for opt, series in dist.get("incidence", {}).items():
            same(f"distributional.incidence.{opt}", series, groups, "group")
        curve = dist.get("eta_curve", {})
        for opt, series in curve.get("npsv", {}).items():
            same(f"distributional.eta_curve.npsv.{opt}", series, len(curve.get("eta", [])), "eta")
    mca = ctx.get("mca")
    if mca:
        sets = [("mca.criteria", [c["weight"] for c in mca["criteria"]])]
        sets += [(f"mca.weight_sets[{i}].weights", list(w["weights"].values()))
                 for i, w in enumerate(mca.get("weight_sets", []))]
        for path, weights in sets:
            if not math.isclose(math.fsum(weights), 1.0, abs_tol=1e-6):
                st.error(path, "weights-not-normalised",
                         f"the weights in '{path}' sum to {math.fsum(weights):g}, not 1",
                         "divide each weight by their total")
    unc = ctx.get("uncertainty")
    if unc:
        for opt, hist in unc.get("monte_carlo", {}).get("histograms", {}).items():
            if isinstance(hist, dict) and isinstance(hist.get("counts"), list):
                same(f"uncertainty.monte_carlo.histograms.{opt}.bin_edges", hist.get("bin_edges"),
                     len(hist["counts"]) + 1, "bin edge (counts + 1)")
                edges = hist.get("bin_edges")
                if isinstance(edges, list) and any(
                        not (isinstance(a, int | float) and isinstance(b, int | float) and a < b)
                        for a, b in itertools.pairwise(edges)):
                    st.error(f"uncertainty.monte_carlo.histograms.{opt}.bin_edges", "bad-bins",
                             "bin edges must increase strictly", "pass numpy.histogram's edges")
        acc = unc.get("acceptability", {})
        for opt, series in acc.get("curves", {}).items():
            same(f"uncertainty.acceptability.curves.{opt}", series, len(acc.get("x", [])), "x")


def validate_context(context: object) -> None:
    """Check a report context against the schema; raise listing every problem.

    Parameters
    ----------
    context : dict
        The report context described in :mod:`appraisal.outputs.report`.

    Raises
    ------
    AppraisalValidationError
        Holding one :class:`~appraisal.errors.Issue` per problem, each naming the field
        path (e.g. ``cba.metrics[2].npsv``), what was expected and what was got.

    Examples
    --------
    >>> try:
    ...     validate_context({"schema_version": 1})
    ... except AppraisalValidationError as err:
    ...     print(err.issues[0].field, "-", err.issues[0].message)
    meta - the context needs the key 'meta'
    """
    st = _State()
    if isinstance(context, dict):
        st.options = _ids(context.get("options"), "id", "options", st)
        mca = context.get("mca")
        if mca:
            st.criteria = _ids(mca.get("criteria"), "id", "mca.criteria", st)
    if _CONTEXT.check(context, "", st) and not st.issues.has_errors:
        _lengths(context, st)  # type: ignore[arg-type]
    st.issues.raise_if_errors(_SOURCE)
